//! Shared loading for the CLI: the crypto provider, PEM files (certificates, keys, roots),
//! and the names of suites and groups as they are typed on the command line and printed.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::{CertifiedKey, CipherSuite, Connection, EarlyDataStatus, NamedGroup};

/// The crypto provider every command uses.
pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

/// Reads a certificate chain and private key from PEM files.
pub fn load_certified_key(
    provider: &dyn Provider,
    cert: &Path,
    key: &Path,
) -> anyhow::Result<Arc<CertifiedKey>> {
    let chain_pem = read(cert)?;
    let key_pem = read(key)?;
    let certified = CertifiedKey::from_pem(provider, &chain_pem, &key_pem).with_context(|| {
        format!(
            "cannot load the certificate {} with the key {}",
            cert.display(),
            key.display()
        )
    })?;
    Ok(Arc::new(certified))
}

/// Trust anchors: one loader for every command (see `padlock_https::credentials`).
pub use padlock_https::credentials::{load_roots, system_roots};

/// Parses a comma-separated list of IANA suite names (`TLS_AES_256_GCM_SHA384`, …).
pub fn parse_suites(list: &str) -> anyhow::Result<Vec<CipherSuite>> {
    split(list)
        .map(|name| {
            let upper = name.to_ascii_uppercase();
            let lookup = upper
                .strip_prefix("TLS13_")
                .map_or(upper.clone(), |rest| format!("TLS_{rest}"));
            match CipherSuite::from_name(&lookup) {
                Some(s) if SUITES.contains(&s) => Ok(s),
                Some(s) => Err(anyhow::anyhow!(
                    "padlock does not implement {s}: only AEAD suites (AES-GCM, \
                     ChaCha20-Poly1305); CBC, RC4, 3DES and NULL suites are insecure (known: {})",
                    names(&SUITES)
                )),
                None => Err(anyhow::anyhow!(
                    "unknown cipher suite {name:?} (known: {})",
                    names(&SUITES)
                )),
            }
        })
        .collect()
}

/// What to do about a server certificate from an unknown CA.
pub const UNKNOWN_CA_HINT: &str = "trust the server's CA with --cacert FILE; for a server \
     using padlock's local CA on another machine, copy its root.pem, or run `padlock ca \
     install` where that CA lives";

/// Parses a comma-separated list of groups (`X25519MLKEM768`, `SecP256r1MLKEM768`,
/// `MLKEM1024`, `x25519`, `secp256r1`, `secp384r1`, in any case; also `P-256`,
/// `prime256v1`, `P-384`).
pub fn parse_groups(list: &str) -> anyhow::Result<Vec<NamedGroup>> {
    split(list)
        .map(|name| {
            let lookup = match name.to_ascii_lowercase().as_str() {
                "p-256" | "prime256v1" => "secp256r1".to_string(),
                "p-384" => "secp384r1".to_string(),
                other => other.to_string(),
            };
            NamedGroup::from_name(&lookup)
                .filter(|g| GROUPS.contains(g))
                .ok_or_else(|| {
                    anyhow::anyhow!("unknown group {name:?} (known: {})", names(&GROUPS))
                })
        })
        .collect()
}

/// Parses a comma-separated ALPN list (`h2,http/1.1`).
pub fn parse_alpn(list: &str) -> Vec<Vec<u8>> {
    split(list).map(|p| p.as_bytes().to_vec()).collect()
}

/// The negotiated parameters of an established connection, as `(label, value)` lines.
pub fn negotiated(conn: &Connection) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    if let Some(v) = conn.protocol_version() {
        lines.push(("protocol", v.to_string()));
    }
    if let Some(s) = conn.cipher_suite() {
        lines.push(("cipher suite", s.to_string()));
    }
    if let Some(g) = conn.negotiated_group() {
        lines.push(("key exchange", g.to_string()));
        lines.push(("post-quantum", quantum_protection(g).into()));
    }
    if let Some(s) = conn.signature_scheme() {
        lines.push(("signature scheme", s.to_string()));
    }
    if let Some(k) = conn.handshake_kind() {
        lines.push(("handshake", format!("{k:?}")));
    }
    match conn.early_data_status() {
        EarlyDataStatus::Accepted => lines.push(("early data", "accepted (0-RTT)".into())),
        EarlyDataStatus::Rejected => lines.push((
            "early data",
            "rejected (skipped unread; the client sends it again)".into(),
        )),
        _ => {}
    }
    lines.push((
        "alpn",
        conn.alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_else(|| "(none)".into()),
    ));
    if let Some(sni) = conn.server_name() {
        lines.push(("server name", sni.to_string()));
    }
    match conn.peer_certificates() {
        Some(chain) if !chain.is_empty() => {
            let sizes = chain.iter().fold(String::new(), |mut s, c| {
                let _ = write!(
                    s,
                    "{}{} bytes",
                    if s.is_empty() { "" } else { ", " },
                    c.len()
                );
                s
            });
            lines.push(("peer certificates", format!("{} ({sizes})", chain.len())));
            // The leaf's subject, as the peer's identity (already verified by the handshake).
            if let Some(cert) = chain
                .first()
                .and_then(|der| padlock_pki::Certificate::from_der(der).ok())
            {
                lines.push(("peer subject", cert.subject().to_string()));
            }
        }
        _ => lines.push(("peer certificates", "(none)".into())),
    }
    lines
}

/// Whether a session whose key exchange used `group` is protected against a future
/// quantum computer ("harvest now, decrypt later"), in a person's words.
pub fn quantum_protection(group: NamedGroup) -> &'static str {
    if group.is_post_quantum() {
        "yes: the key exchange has an ML-KEM part, so recorded traffic stays secret from a future quantum computer"
    } else {
        "no: recorded traffic could be decrypted by a future quantum computer"
    }
}

/// The suites padlock implements: TLS 1.3's (RFC 8446 §9.1, plus ChaCha20-Poly1305), and
/// TLS 1.2's AEAD suites (RFC 5289, RFC 7905; the RSA key-transport ones, RFC 5288, only
/// with `--legacy-rsa-key-exchange`).
const SUITES: [CipherSuite; 11] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// The groups padlock implements.
const GROUPS: [NamedGroup; 6] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::SecP256r1MLKEM768,
    NamedGroup::MLKEM1024,
    NamedGroup::x25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];

/// `bytes` as uppercase hex pairs joined by `sep` (`AB:01` with `":"`).
pub fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(sep)
}

fn names<T: std::fmt::Display>(list: &[T]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split([',', ':'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suite_names_in_iana_and_rustls_spelling() {
        let suites = parse_suites("TLS_AES_256_GCM_SHA384,tls13_chacha20_poly1305_sha256").unwrap();
        assert_eq!(
            suites,
            [
                CipherSuite::TLS_AES_256_GCM_SHA384,
                CipherSuite::TLS_CHACHA20_POLY1305_SHA256
            ]
        );
        assert!(parse_suites("TLS_RSA_WITH_RC4_128_MD5").is_err());
        assert!(parse_suites("TLS_AES_128_CCM_SHA256").is_err());
        assert_eq!(
            parse_suites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").unwrap(),
            [CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
        );
        let cbc = parse_suites("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA").unwrap_err();
        assert!(cbc.to_string().contains("only AEAD suites"), "{cbc}");
    }

    #[test]
    fn parses_group_names_and_aliases() {
        let groups = parse_groups("x25519, P-256,secp384r1").unwrap();
        assert_eq!(
            groups,
            [
                NamedGroup::x25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1
            ]
        );
        assert!(parse_groups("ffdhe2048").is_err());
        assert_eq!(
            parse_groups("x25519mlkem768,SecP256r1MLKEM768, MLKEM1024").unwrap(),
            [
                NamedGroup::X25519MLKEM768,
                NamedGroup::SecP256r1MLKEM768,
                NamedGroup::MLKEM1024
            ]
        );
    }

    #[test]
    fn parses_alpn_lists() {
        assert_eq!(
            parse_alpn("h2, http/1.1"),
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }
}
