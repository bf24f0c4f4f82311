//! Shared loading for the CLI: the crypto provider, PEM files (certificates, keys, roots),
//! and the names of suites and groups as they are typed on the command line and printed.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::{CertifiedKey, CipherSuite, Connection, NamedGroup, RootStore};

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

/// A root store with every certificate in the PEM file `path`.
pub fn load_roots(path: &Path) -> anyhow::Result<Arc<RootStore>> {
    let mut roots = RootStore::new();
    let text = read(path)?;
    let mut added = 0usize;
    for der in certificates_in_pem(&text) {
        roots
            .add_der(&der)
            .map_err(|e| anyhow::anyhow!("{}: bad CA certificate: {e}", path.display()))?;
        added += 1;
    }
    if added == 0 {
        bail!("{} holds no PEM certificate", path.display());
    }
    Ok(Arc::new(roots))
}

/// The system's trust anchors (`SSL_CERT_FILE`, else the Debian/Ubuntu bundle).
///
/// Certificates the parser rejects are skipped: one odd root must not stop every
/// connection.
pub fn system_roots() -> anyhow::Result<Arc<RootStore>> {
    let path = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into());
    let text = read(&path).context("cannot load the system's trusted roots (use --cacert)")?;
    let mut roots = RootStore::new();
    for der in certificates_in_pem(&text) {
        let _ = roots.add_der(&der);
    }
    Ok(Arc::new(roots))
}

/// The DER of every `CERTIFICATE` block in a PEM text (RFC 7468); other blocks and text
/// between blocks are ignored, as are blocks whose base64 is broken.
pub fn certificates_in_pem(text: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            if let Some(b64) = body.take() {
                if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) {
                    out.push(der);
                }
            }
        } else if let Some(b64) = body.as_mut() {
            b64.push_str(line);
        }
    }
    out
}

/// Parses a comma-separated list of IANA suite names (`TLS_AES_256_GCM_SHA384`, …).
pub fn parse_suites(list: &str) -> anyhow::Result<Vec<CipherSuite>> {
    split(list)
        .map(|name| {
            SUITES
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name) || alias(n).eq_ignore_ascii_case(name))
                .map(|(_, s)| *s)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown cipher suite {name:?} (known: {})",
                        SUITES.map(|(n, _)| n).join(", ")
                    )
                })
        })
        .collect()
}

/// Parses a comma-separated list of groups (`x25519`, `secp256r1`, `secp384r1`).
pub fn parse_groups(list: &str) -> anyhow::Result<Vec<NamedGroup>> {
    split(list)
        .map(|name| {
            GROUPS
                .iter()
                .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
                .map(|(_, g)| *g)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown group {name:?} (known: {})",
                        GROUPS.map(|(n, _)| n[0]).join(", ")
                    )
                })
        })
        .collect()
}

/// Parses a comma-separated ALPN list (`h2,http/1.1`).
pub fn parse_alpn(list: &str) -> Vec<Vec<u8>> {
    split(list).map(|p| p.as_bytes().to_vec()).collect()
}

/// The IANA name of a suite.
pub fn suite_name(suite: CipherSuite) -> String {
    SUITES
        .iter()
        .find(|(_, s)| *s == suite)
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| format!("{suite:?}"))
}

/// The command-line name of a group.
pub fn group_name(group: NamedGroup) -> String {
    GROUPS
        .iter()
        .find(|(_, g)| *g == group)
        .map(|(n, _)| n[0].to_string())
        .unwrap_or_else(|| format!("{group:?}"))
}

/// The negotiated parameters of an established connection, as `(label, value)` lines.
pub fn negotiated(conn: &Connection) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    if let Some(v) = conn.protocol_version() {
        lines.push(("protocol", version_name(format!("{v:?}"))));
    }
    if let Some(s) = conn.cipher_suite() {
        lines.push(("cipher suite", suite_name(s)));
    }
    if let Some(g) = conn.negotiated_group() {
        lines.push(("key exchange", group_name(g)));
    }
    if let Some(s) = conn.signature_scheme() {
        lines.push(("signature scheme", format!("{s:?}")));
    }
    if let Some(k) = conn.handshake_kind() {
        lines.push(("handshake", format!("{k:?}")));
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
        }
        _ => lines.push(("peer certificates", "(none)".into())),
    }
    lines
}

const SUITES: [(&str, CipherSuite); 3] = [
    (
        "TLS_AES_128_GCM_SHA256",
        CipherSuite::TLS13_AES_128_GCM_SHA256,
    ),
    (
        "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS13_AES_256_GCM_SHA384,
    ),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ),
];

const GROUPS: [(&[&str], NamedGroup); 3] = [
    (&["x25519", "X25519"], NamedGroup::X25519),
    (&["secp256r1", "P-256", "prime256v1"], NamedGroup::secp256r1),
    (&["secp384r1", "P-384"], NamedGroup::secp384r1),
];

/// `TLS13_AES_128_GCM_SHA256` is accepted for `TLS_AES_128_GCM_SHA256`.
fn alias(iana: &str) -> String {
    iana.replacen("TLS_", "TLS13_", 1)
}

fn version_name(debug: String) -> String {
    match debug.as_str() {
        "TLSv1_3" => "TLSv1.3".into(),
        "TLSv1_2" => "TLSv1.2".into(),
        _ => debug,
    }
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
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
            ]
        );
        assert!(parse_suites("TLS_RSA_WITH_RC4_128_MD5").is_err());
    }

    #[test]
    fn parses_group_names_and_aliases() {
        let groups = parse_groups("x25519, P-256,secp384r1").unwrap();
        assert_eq!(
            groups,
            [
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1
            ]
        );
        assert!(parse_groups("ffdhe2048").is_err());
    }

    #[test]
    fn names_round_trip() {
        for (name, suite) in SUITES {
            assert_eq!(suite_name(suite), name);
        }
        assert_eq!(group_name(NamedGroup::secp384r1), "secp384r1");
    }

    #[test]
    fn finds_every_certificate_in_a_pem_bundle() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n\
                    -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nAwQF\n-----END CERTIFICATE-----\n";
        assert_eq!(certificates_in_pem(pem), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    }
}
