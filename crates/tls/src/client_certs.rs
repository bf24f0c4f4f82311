//! Choosing our client certificate (mutual TLS): what a server's CertificateRequest asks
//! for ([`CertificateRequestInfo`]), the trait that chooses ([`ResolvesClientCert`]) and a
//! list of certificates tried in order ([`ClientCertificates`]).
//!
//! A client with no certificate that fits sends an empty Certificate and the server decides
//! whether to go on (RFC 8446 §4.4.2, RFC 5246 §7.4.6).

use std::fmt;
use std::sync::Arc;

use crate::auth_messages;
use crate::config::CertifiedKey;
use crate::suites::AuthKind;
use crate::tls12::signatures;
use crate::wire::enums::{ProtocolVersion, SignatureScheme};
use crate::wire::handshake::tls12::client_certificate_type;

/// What a server's CertificateRequest accepts, for choosing our certificate.
#[non_exhaustive]
pub struct CertificateRequestInfo<'a> {
    /// The version of the connection: TLS 1.3 or TLS 1.2.
    pub version: ProtocolVersion,
    /// The signature schemes the server accepts in our CertificateVerify (RFC 8446
    /// §4.3.2's signature_algorithms, RFC 5246 §7.4.4's supported_signature_algorithms).
    pub signature_schemes: &'a [SignatureScheme],
    /// TLS 1.2's certificate_types (RFC 5246 §7.4.4, RFC 8422 §5.5): rsa_sign(1) for an
    /// RSA key, ecdsa_sign(64) for an ECDSA or Ed25519 one. Empty in TLS 1.3, which has
    /// no such field.
    pub certificate_types: &'a [u8],
    /// The DER distinguished names of the CAs whose certificates the server accepts
    /// (RFC 8446 §4.2.4 certificate_authorities, RFC 5246 §7.4.4); empty when it named
    /// none, which says nothing about what it accepts.
    pub certificate_authorities: &'a [&'a [u8]],
    /// Our configuration's signature_schemes: the order we sign in for a key without its
    /// own list ([`CertifiedKey::signature_schemes`]).
    pub(crate) configured: &'a [SignatureScheme],
}

impl CertificateRequestInfo<'_> {
    /// The scheme `cert` would sign our CertificateVerify with: the first of its schemes
    /// (its own list, else the configuration's) that the server accepts and its key can
    /// make. In TLS 1.3 an ECDSA scheme names its curve and PKCS#1 v1.5 is refused
    /// (RFC 8446 §4.2.3); TLS 1.2 allows PKCS#1 v1.5 (RFC 5246 §7.4.1.4.1).
    pub fn signature_scheme(&self, cert: &CertifiedKey) -> Option<SignatureScheme> {
        match self.version {
            ProtocolVersion::TLSv1_2 => {
                signatures::choose_scheme(cert, self.signature_schemes, self.configured)
            }
            _ => auth_messages::choose_scheme(cert, self.signature_schemes, self.configured),
        }
    }

    /// Whether `cert`'s key is of a type the server asked for (TLS 1.2's
    /// certificate_types, RFC 5246 §7.4.4); always in TLS 1.3.
    pub fn certificate_type_fits(&self, cert: &CertifiedKey) -> bool {
        if self.version != ProtocolVersion::TLSv1_2 {
            return true;
        }
        let wanted = if signatures::key_fits_suite(cert.key.kind(), AuthKind::Rsa) {
            client_certificate_type::RSA_SIGN
        } else {
            client_certificate_type::ECDSA_SIGN
        };
        self.certificate_types.contains(&wanted)
    }

    /// Whether the server can take `cert`: a type it asked for and a signature it accepts.
    /// The CAs it named are not looked at (see [`Self::names_issuer_of`]).
    pub fn accepts(&self, cert: &CertifiedKey) -> bool {
        self.certificate_type_fits(cert) && self.signature_scheme(cert).is_some()
    }

    /// The certificate `resolver` chooses for this request and the scheme it signs with;
    /// `None` when it chooses none, or one the server cannot take (a type it did not ask
    /// for, no scheme in common), which is then not sent either.
    pub(crate) fn resolve(
        &self,
        resolver: &dyn ResolvesClientCert,
    ) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
        let cert = resolver.resolve(self)?;
        if !self.certificate_type_fits(&cert) {
            return None;
        }
        let scheme = self.signature_scheme(&cert)?;
        Some((cert, scheme))
    }

    /// Whether the server named, in certificate_authorities, the issuer of a certificate
    /// in `cert`'s chain (RFC 8446 §4.2.4: the names guide the client's choice;
    /// [`CertifiedKey::issued_by_one_of`]). False when it named none.
    pub fn names_issuer_of(&self, cert: &CertifiedKey) -> bool {
        cert.issued_by_one_of(self.certificate_authorities)
    }
}

/// Chooses our certificate for a server's CertificateRequest.
pub trait ResolvesClientCert: Send + Sync {
    /// The certificate to send, or `None` to send an empty Certificate (the server then
    /// decides whether to go on). A certificate for which
    /// [`CertificateRequestInfo::signature_scheme`] finds nothing is not sent either.
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// Our certificates in preference order: the first that the server accepts
/// ([`CertificateRequestInfo::accepts`]) is sent, none when none fits.
#[derive(Default)]
pub struct ClientCertificates {
    entries: Vec<Entry>,
}

struct Entry {
    cert: Arc<CertifiedKey>,
    /// Sent only to a server that names its issuer ([`ClientCertificates::add_for_named_issuers`]).
    issuer_named: bool,
}

impl ClientCertificates {
    /// No certificates yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// One certificate, sent when it fits.
    pub fn single(cert: Arc<CertifiedKey>) -> Self {
        let mut certs = Self::new();
        certs.add(cert);
        certs
    }

    /// Adds `cert` after those there are, for any server it fits.
    pub fn add(&mut self, cert: Arc<CertifiedKey>) {
        self.entries.push(Entry {
            cert,
            issuer_named: false,
        });
    }

    /// Adds `cert` after those there are, for a server that also names, in its
    /// certificate_authorities, the issuer of a certificate in its chain
    /// ([`CertificateRequestInfo::names_issuer_of`]): a certificate for one organisation's
    /// servers, not shown to others.
    pub fn add_for_named_issuers(&mut self, cert: Arc<CertifiedKey>) {
        self.entries.push(Entry {
            cert,
            issuer_named: true,
        });
    }

    /// How many certificates there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The index of the certificate chosen for `request`, if one fits.
    pub fn choose(&self, request: &CertificateRequestInfo<'_>) -> Option<usize> {
        self.entries.iter().position(|e| {
            request.accepts(&e.cert) && (!e.issuer_named || request.names_issuer_of(&e.cert))
        })
    }
}

impl ResolvesClientCert for ClientCertificates {
    fn resolve(&self, request: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        self.choose(request).map(|i| self.entries[i].cert.clone())
    }
}

impl fmt::Debug for ClientCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| (&e.cert, e.issuer_named)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::{AwsLcProvider, KeyKind, Provider};

    use super::*;

    fn cert(kind: KeyKind, tag: u8, schemes: Option<Vec<SignatureScheme>>) -> Arc<CertifiedKey> {
        let (key, _) = AwsLcProvider.generate_signing_key(kind).unwrap();
        Arc::new(CertifiedKey {
            chain: vec![vec![tag]],
            key: Arc::from(key),
            signature_schemes: schemes,
        })
    }

    const CONFIGURED: &[SignatureScheme] = &[
        SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::ed25519,
        SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pss_rsae_sha384,
    ];

    fn request<'a>(
        version: ProtocolVersion,
        schemes: &'a [SignatureScheme],
        types: &'a [u8],
    ) -> CertificateRequestInfo<'a> {
        CertificateRequestInfo {
            version,
            signature_schemes: schemes,
            certificate_types: types,
            certificate_authorities: &[],
            configured: CONFIGURED,
        }
    }

    fn chosen(certs: &ClientCertificates, request: &CertificateRequestInfo<'_>) -> Option<u8> {
        certs.resolve(request).map(|c| c.chain[0][0])
    }

    #[test]
    fn the_first_certificate_whose_signature_the_server_accepts_is_chosen() {
        let mut certs = ClientCertificates::new();
        certs.add(cert(KeyKind::Rsa(2048), 1, None));
        certs.add(cert(KeyKind::EcdsaP384, 2, None));
        certs.add(cert(KeyKind::EcdsaP256, 3, None));
        let p256 = [SignatureScheme::ecdsa_secp256r1_sha256];
        let both = [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];
        // TLS 1.3's ecdsa_secp256r1_sha256 is P-256's alone (RFC 8446 §4.2.3).
        let r = request(ProtocolVersion::TLSv1_3, &p256, &[]);
        assert_eq!(chosen(&certs, &r), Some(3));
        // Any scheme of the first: it goes first.
        for version in both {
            let r = request(version, CONFIGURED, &[1, 64]);
            assert_eq!(chosen(&certs, &r), Some(1));
        }
        // None fits: an empty Certificate.
        let r = request(ProtocolVersion::TLSv1_3, &[SignatureScheme::ed25519], &[]);
        assert_eq!(chosen(&certs, &r), None);
    }

    #[test]
    fn a_tls12_certificate_must_be_of_a_type_the_server_asked_for() {
        let mut certs = ClientCertificates::new();
        certs.add(cert(KeyKind::Ed25519, 1, None));
        certs.add(cert(KeyKind::Rsa(2048), 2, None));
        let tls12 = ProtocolVersion::TLSv1_2;
        use client_certificate_type::{ECDSA_SIGN, RSA_SIGN};
        // Ed25519 counts as ecdsa_sign (RFC 8422 §5.5).
        assert_eq!(
            chosen(&certs, &request(tls12, CONFIGURED, &[ECDSA_SIGN])),
            Some(1)
        );
        assert_eq!(
            chosen(&certs, &request(tls12, CONFIGURED, &[RSA_SIGN])),
            Some(2)
        );
        assert_eq!(chosen(&certs, &request(tls12, CONFIGURED, &[2])), None);
        // TLS 1.3 has no certificate types.
        let tls13 = request(ProtocolVersion::TLSv1_3, CONFIGURED, &[]);
        assert_eq!(chosen(&certs, &tls13), Some(1));
    }

    #[test]
    fn a_certificates_own_schemes_decide_what_it_can_sign() {
        let pss256 = [SignatureScheme::rsa_pss_rsae_sha256];
        let mut certs = ClientCertificates::new();
        let only_384 = Some(vec![SignatureScheme::rsa_pss_rsae_sha384]);
        certs.add(cert(KeyKind::Rsa(2048), 1, only_384));
        certs.add(cert(KeyKind::Rsa(2048), 2, Some(pss256.to_vec())));
        for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
            let r = request(version, &pss256, &[client_certificate_type::RSA_SIGN]);
            assert_eq!(chosen(&certs, &r), Some(2));
        }
    }

    #[test]
    fn pkcs1_signs_a_tls12_certificate_verify_only() {
        let pkcs1 = [SignatureScheme::rsa_pkcs1_sha256];
        let certs = ClientCertificates::single(cert(KeyKind::Rsa(2048), 1, None));
        let r = request(ProtocolVersion::TLSv1_2, &pkcs1, &[1]);
        assert_eq!(chosen(&certs, &r), Some(1));
        let r = request(ProtocolVersion::TLSv1_3, &pkcs1, &[]);
        assert_eq!(chosen(&certs, &r), None);
    }

    #[test]
    fn an_issuer_gated_certificate_needs_its_issuer_named() {
        // A chain that is not a certificate has no issuer to match.
        let mut certs = ClientCertificates::new();
        certs.add_for_named_issuers(cert(KeyKind::EcdsaP256, 1, None));
        certs.add(cert(KeyKind::EcdsaP256, 2, None));
        let mut r = request(ProtocolVersion::TLSv1_3, CONFIGURED, &[]);
        assert_eq!(chosen(&certs, &r), Some(2));
        let names: &[&[u8]] = &[&[0x30, 0]];
        r.certificate_authorities = names;
        assert_eq!(chosen(&certs, &r), Some(2));
    }
}
