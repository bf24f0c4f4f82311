//! The certificates the shim presents: the default one (`-cert-file`, `-key-file`) and
//! those of `-new-x509-credential`, chosen per connection as BoringSSL does: the
//! credentials in the order given, the default one last, the first that fits what the
//! peer offered.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use padlock_crypto::{KeyKind, Provider};
use padlock_tls::{
    CertificateRequestInfo, CertifiedKey, ClientCertificates, ClientHelloInfo, ResolvesClientCert,
    ResolvesServerCert, SignatureScheme,
};

use crate::flags::{Refusal, Settings};
use crate::shim::Failure;

/// Which credential was chosen: its index among `-new-x509-credential`s, -1 for the
/// default one (BoringSSL's numbering for `-expect-selected-credential`).
pub type Selected = Arc<AtomicI64>;

/// What the peer asked of the shim's certificate, as the resolver saw it: a server's
/// CertificateRequest, or a client's ClientHello (its signature schemes only).
#[derive(Debug, Default, PartialEq)]
pub struct PeerRequest {
    pub schemes: Vec<u16>,
    pub certificate_types: Vec<u8>,
    pub authorities: Vec<Vec<u8>>,
}

/// The last [`PeerRequest`] of a connection, `None` before the resolver ran.
pub type Seen = Arc<Mutex<Option<PeerRequest>>>;

fn record(seen: &Seen, request: PeerRequest) {
    if let Ok(mut slot) = seen.lock() {
        *slot = Some(request);
    }
}

/// A certificate the shim may present; its key's `signature_schemes` are its
/// `-signing-prefs`.
pub struct Candidate {
    pub index: i64,
    pub key: Arc<CertifiedKey>,
    /// `-must-match-issuer`.
    pub must_match_issuer: bool,
}

/// The shim's certificates in preference order: each `-new-x509-credential`, then the
/// default one.
pub fn candidates(s: &Settings, provider: &Arc<dyn Provider>) -> Result<Vec<Candidate>, Failure> {
    let mut out = Vec::new();
    for (i, credential) in s.credentials.iter().enumerate() {
        let (Some(cert), Some(key)) = (&credential.cert_file, &credential.key_file) else {
            return Err(Failure::Refused(Refusal::Unimplemented(
                "a -new-x509-credential without -cert-file and -key-file".into(),
            )));
        };
        let mut loaded = load(provider, cert, key)?;
        loaded.signature_schemes = signing_schemes(&credential.signing_prefs, s);
        out.push(Candidate {
            index: i64::try_from(i).unwrap_or(i64::MAX),
            key: Arc::new(loaded),
            must_match_issuer: credential.must_match_issuer,
        });
    }
    if let (Some(cert), Some(key)) = (&s.cert_file, &s.key_file) {
        let mut loaded = load(provider, cert, key)?;
        loaded.signature_schemes = signing_schemes(&s.signing_prefs, s);
        out.push(Candidate {
            index: -1,
            key: Arc::new(loaded),
            must_match_issuer: false,
        });
    }
    Ok(out)
}

/// The schemes a credential signs with: its `-signing-prefs`. Without them, padlock's
/// defaults (the configuration's list, to which TLS 1.2 adds PKCS#1 v1.5), named here
/// when `-verify-prefs` makes the configuration's list say only what the shim accepts.
fn signing_schemes(prefs: &[u16], s: &Settings) -> Option<Vec<SignatureScheme>> {
    use SignatureScheme as S;
    if !prefs.is_empty() {
        return Some(schemes(prefs));
    }
    (!s.verify_prefs.is_empty()).then(|| {
        vec![
            S::ecdsa_secp256r1_sha256,
            S::ecdsa_secp384r1_sha384,
            S::ed25519,
            S::rsa_pss_rsae_sha256,
            S::rsa_pss_rsae_sha384,
            S::rsa_pss_rsae_sha512,
            S::rsa_pkcs1_sha256,
            S::rsa_pkcs1_sha384,
            S::rsa_pkcs1_sha512,
        ]
    })
}

/// Signature schemes by their wire values.
pub fn schemes(prefs: &[u16]) -> Vec<SignatureScheme> {
    prefs
        .iter()
        .map(|&v| SignatureScheme::from_wire(v))
        .collect()
}

fn load(provider: &Arc<dyn Provider>, cert: &str, key: &str) -> Result<CertifiedKey, Failure> {
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| Failure::Refused(Refusal::Invalid(format!("{path}: {e}"))))
    };
    // A key padlock cannot load is one of a kind it does not implement (P-521, ML-DSA, …).
    CertifiedKey::from_pem(provider.as_ref(), &read(cert)?, &read(key)?)
        .map_err(|e| Failure::Refused(Refusal::Unimplemented(format!("the key in {key}: {e}"))))
}

/// The server's choice among several credentials: the first whose key fits the client's
/// suites and curves ([`ClientHelloInfo::accepts`]), can make a signature the client
/// accepts (within the credential's `-signing-prefs`) and, for `-must-match-issuer`, has
/// an issuer the client named; else the first.
pub struct CredentialResolver {
    pub candidates: Vec<Candidate>,
    pub selected: Selected,
    pub seen: Seen,
}

impl ResolvesServerCert for CredentialResolver {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        record(
            &self.seen,
            PeerRequest {
                schemes: hello
                    .signature_schemes
                    .iter()
                    .map(|s| s.to_wire())
                    .collect(),
                ..PeerRequest::default()
            },
        );
        let tls13 = hello.cipher_suites.iter().any(|s| s.is_tls13());
        // With none fitting, the first goes ahead, and the handshake fails for the reason
        // the engine finds (no suite, no signature scheme in common).
        let chosen = self
            .candidates
            .iter()
            .find(|c| {
                let own = c.key.signature_schemes.as_deref();
                (!c.must_match_issuer || hello.names_issuer_of(&c.key))
                    && hello.accepts(&c.key)
                    && hello.signature_schemes.iter().any(|&scheme| {
                        own.is_none_or(|own| own.contains(&scheme))
                            && key_signs(c.key.key.kind(), scheme, tls13)
                    })
            })
            .or(self.candidates.first())?;
        self.selected.store(chosen.index, Ordering::Relaxed);
        Some(chosen.key.clone())
    }
}

/// The client's choice: padlock's [`ClientCertificates`] over the candidates in order,
/// those of `-must-match-issuer` only for a server that names their issuer, noting which
/// was sent.
pub struct ClientCredentials {
    certs: ClientCertificates,
    indices: Vec<i64>,
    selected: Selected,
    seen: Seen,
}

impl ClientCredentials {
    pub fn new(candidates: Vec<Candidate>, selected: Selected, seen: Seen) -> Self {
        let mut certs = ClientCertificates::new();
        let mut indices = Vec::with_capacity(candidates.len());
        for c in candidates {
            match c.must_match_issuer {
                true => certs.add_for_named_issuers(c.key),
                false => certs.add(c.key),
            }
            indices.push(c.index);
        }
        Self {
            certs,
            indices,
            selected,
            seen,
        }
    }
}

impl ResolvesClientCert for ClientCredentials {
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        record(
            &self.seen,
            PeerRequest {
                schemes: request
                    .signature_schemes
                    .iter()
                    .map(|s| s.to_wire())
                    .collect(),
                certificate_types: request.certificate_types.to_vec(),
                authorities: request
                    .certificate_authorities
                    .iter()
                    .map(|n| n.to_vec())
                    .collect(),
            },
        );
        let i = self.certs.choose(request)?;
        self.selected.store(self.indices[i], Ordering::Relaxed);
        self.certs.resolve(request)
    }
}

/// Whether a key of `kind` can sign with `scheme` (RFC 8446 §4.2.3; PKCS#1 v1.5 only
/// before TLS 1.3).
fn key_signs(kind: KeyKind, scheme: SignatureScheme, tls13: bool) -> bool {
    use SignatureScheme as S;
    match kind {
        KeyKind::EcdsaP256 => scheme == S::ecdsa_secp256r1_sha256,
        KeyKind::EcdsaP384 => scheme == S::ecdsa_secp384r1_sha384,
        KeyKind::Ed25519 => scheme == S::ed25519,
        KeyKind::Rsa(_) => {
            matches!(
                scheme,
                S::rsa_pss_rsae_sha256 | S::rsa_pss_rsae_sha384 | S::rsa_pss_rsae_sha512
            ) || (!tls13
                && matches!(
                    scheme,
                    S::rsa_pkcs1_sha256 | S::rsa_pkcs1_sha384 | S::rsa_pkcs1_sha512
                ))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_keys_sign_pkcs1_only_before_tls13() {
        let rsa = KeyKind::Rsa(2048);
        assert!(key_signs(rsa, SignatureScheme::rsa_pss_rsae_sha256, true));
        assert!(!key_signs(rsa, SignatureScheme::rsa_pkcs1_sha256, true));
        assert!(key_signs(rsa, SignatureScheme::rsa_pkcs1_sha256, false));
        assert!(!key_signs(
            KeyKind::EcdsaP256,
            SignatureScheme::ecdsa_secp384r1_sha384,
            true
        ));
    }
}
