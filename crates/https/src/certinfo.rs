//! Reading the certificate fields the HTTP layer shows: the client's identity for the
//! upstream headers and the access log, and a readable summary of each certificate of a chain.

use std::fmt::Write;

use padlock_crypto::{HashAlgorithm, Provider};
use padlock_pki::{Certificate, GeneralName, PublicKeyAlgorithm};

/// What a verified client certificate says about the client, each part in a form that a
/// program reads back unambiguously and that is printable ASCII (safe in a header or a log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The subject as an RFC 4514 string (`CN=alice,O=Example`, values escaped).
    pub subject: String,
    /// The SHA-256 of the certificate's DER, lowercase hex.
    pub sha256: String,
    /// The subjectAltName entries, `DNS:a.example, IP:10.0.0.1, email:a@b, URI:https://…`;
    /// within an entry `,`, `\` and every byte outside printable ASCII are `\XX` hex pairs,
    /// so `, ` only ever separates entries. Empty when there are none.
    pub sans: String,
}

impl ClientIdentity {
    /// Reads the identity of a DER certificate; `None` if it does not parse.
    pub fn of(der: &[u8], provider: &dyn Provider) -> Option<Self> {
        let cert = Certificate::from_der(der).ok()?;
        let digest = provider.hash_once(HashAlgorithm::Sha256, der);
        let sha256 = digest.as_ref().iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        let sans = cert
            .sans()
            .filter_map(|name| match name {
                GeneralName::Dns(d) => Some(format!("DNS:{}", escape_san(d))),
                GeneralName::Ip(ip) => ip_address(ip).map(|ip| format!("IP:{ip}")),
                GeneralName::Email(e) => Some(format!("email:{}", escape_san(e))),
                GeneralName::Uri(u) => Some(format!("URI:{}", escape_san(u))),
                GeneralName::Directory(n) => {
                    Some(format!("DirName:{}", escape_san(n.to_rfc4514().as_bytes())))
                }
                GeneralName::Other(_) => None,
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some(ClientIdentity {
            subject: cert.subject().to_rfc4514(),
            sha256,
            sans,
        })
    }
}

/// An iPAddress SAN's 4 or 16 octets as an address.
fn ip_address(octets: &[u8]) -> Option<std::net::IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(octets) {
        return Some(v4.into());
    }
    <[u8; 16]>::try_from(octets).ok().map(Into::into)
}

/// One SAN value with `,`, `\` and every byte outside printable ASCII as `\XX`.
fn escape_san(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value {
        if b.is_ascii_graphic() && b != b',' && b != b'\\' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\{b:02X}");
        }
    }
    out
}

/// What `padlock get -v` shows of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Subject name.
    pub subject: String,
    /// Issuer name.
    pub issuer: String,
    /// notBefore, seconds since the epoch.
    pub not_before: u64,
    /// notAfter, seconds since the epoch.
    pub not_after: u64,
    /// DNS names and IP addresses from subjectAltName.
    pub sans: Vec<String>,
    /// The public key, e.g. "ECDSA P-256".
    pub key: String,
    /// Whether it is a CA certificate.
    pub is_ca: bool,
}

/// Summarises a DER certificate; `None` if it does not parse.
pub fn summarize(der: &[u8]) -> Option<CertSummary> {
    let c = Certificate::from_der(der).ok()?;
    let mut sans: Vec<String> = c.dns_names().map(|d| format!("DNS:{d}")).collect();
    sans.extend(c.ip_addresses().map(|ip| format!("IP:{ip}")));
    let key = match &c.subject_public_key_info().algorithm {
        PublicKeyAlgorithm::Rsa { modulus_bits } => format!("RSA {modulus_bits} bits"),
        PublicKeyAlgorithm::Ec(curve) => format!("ECDSA {curve:?}"),
        PublicKeyAlgorithm::Ed25519 => "Ed25519".to_string(),
        other => format!("{other:?}"),
    };
    Some(CertSummary {
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        not_before: c.not_before().0,
        not_after: c.not_after().0,
        sans,
        key,
        is_ca: c.is_ca(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_san_value_cannot_add_an_entry_or_a_line() {
        assert_eq!(escape_san(b"a.example"), "a.example");
        assert_eq!(
            escape_san(b"x, DNS:admin\r\nX: 1\\"),
            "x\\2C\\20DNS:admin\\0D\\0AX:\\201\\5C"
        );
    }

    #[test]
    fn reads_addresses_of_both_families() {
        assert_eq!(ip_address(&[10, 0, 0, 1]).unwrap().to_string(), "10.0.0.1");
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(ip_address(&v6).unwrap().to_string(), "::1");
        assert!(ip_address(&[1, 2, 3]).is_none());
    }
}
