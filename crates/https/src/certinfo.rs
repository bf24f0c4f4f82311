//! Reading the certificate fields the HTTP layer shows: the client subject for the upstream
//! header and the access log, and a readable summary of each certificate of a chain.

use padlock_pki::{Certificate, PublicKeyAlgorithm};

/// The subject of a DER certificate as text (`CN=alice, O=Example`), if it parses.
pub fn subject_of(der: &[u8]) -> Option<String> {
    Certificate::from_der(der)
        .ok()
        .map(|c| c.subject().to_string())
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
