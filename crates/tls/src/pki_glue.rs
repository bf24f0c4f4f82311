//! The seam between the handshake and `padlock_pki`: chain validation, root hints, and
//! CertificateVerify signatures.

use padlock_crypto::{Provider, SignatureAlgorithm};

use crate::{CertificateError, Error, RootStore, ServerName, SignatureScheme, UnixTime};

pub(crate) fn verify_server(
    _provider: &dyn Provider,
    _roots: &RootStore,
    _end_entity: &[u8],
    _intermediates: &[&[u8]],
    _name: &ServerName,
    _now: UnixTime,
) -> Result<(), Error> {
    Err(Error::Certificate(CertificateError(
        "chain validation is not wired up yet".into(),
    )))
}

pub(crate) fn verify_client(
    _provider: &dyn Provider,
    _roots: &RootStore,
    _end_entity: &[u8],
    _intermediates: &[&[u8]],
    _now: UnixTime,
) -> Result<(), Error> {
    Err(Error::Certificate(CertificateError(
        "chain validation is not wired up yet".into(),
    )))
}

pub(crate) fn root_subjects(_roots: &RootStore) -> Vec<Vec<u8>> {
    Vec::new()
}

/// The provider algorithm for a TLS 1.3 CertificateVerify scheme (RFC 8446 §4.2.3); `None`
/// for schemes TLS 1.3 forbids there (rsa_pkcs1_*, SHA-1) or we do not know.
pub(crate) fn handshake_algorithm(scheme: SignatureScheme) -> Option<SignatureAlgorithm> {
    Some(match scheme {
        SignatureScheme::ECDSA_NISTP256_SHA256 => SignatureAlgorithm::EcdsaP256Sha256,
        SignatureScheme::ECDSA_NISTP384_SHA384 => SignatureAlgorithm::EcdsaP384Sha384,
        SignatureScheme::RSA_PSS_SHA256 => SignatureAlgorithm::RsaPssSha256,
        SignatureScheme::RSA_PSS_SHA384 => SignatureAlgorithm::RsaPssSha384,
        SignatureScheme::RSA_PSS_SHA512 => SignatureAlgorithm::RsaPssSha512,
        SignatureScheme::ED25519 => SignatureAlgorithm::Ed25519,
        _ => return None,
    })
}

pub(crate) fn verify_signature(
    _provider: &dyn Provider,
    _leaf: &[u8],
    _scheme: SignatureScheme,
    _message: &[u8],
    _signature: &[u8],
) -> Result<(), Error> {
    Err(Error::Certificate(CertificateError(
        "signature checks are not wired up yet".into(),
    )))
}
