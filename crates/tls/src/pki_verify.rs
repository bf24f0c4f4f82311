//! The seam between the handshake and `padlock_pki`: chain validation, root hints, and
//! CertificateVerify signatures.

use padlock_crypto::{Provider, SignatureAlgorithm};
use padlock_pki::{Certificate, Purpose, SubjectName, VerifyOptions};

use padlock_pki::{RootStore, UnixTime};

use crate::error::{Error, PeerMisbehaved};
use crate::verify::ServerName;
use crate::wire::enums::SignatureScheme;

/// RFC 5280 path validation for a server certificate (EKU serverAuth) and RFC 6125 name
/// check against `name`.
pub(crate) fn verify_server(
    provider: &dyn Provider,
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[&[u8]],
    name: &ServerName,
    now: UnixTime,
) -> Result<(), Error> {
    let subject = match name {
        ServerName::Dns(d) => SubjectName::Dns(d.clone()),
        ServerName::Ip(ip) => SubjectName::Ip(*ip),
    };
    let mut options = VerifyOptions::new(now);
    options.purpose = Purpose::ServerAuth;
    options.name = Some(&subject);
    padlock_pki::check_chain(provider, roots, end_entity, intermediates, &options)?;
    Ok(())
}

/// RFC 5280 path validation for a client certificate (EKU clientAuth).
pub(crate) fn verify_client(
    provider: &dyn Provider,
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[&[u8]],
    now: UnixTime,
) -> Result<(), Error> {
    let mut options = VerifyOptions::new(now);
    options.purpose = Purpose::ClientAuth;
    padlock_pki::check_chain(provider, roots, end_entity, intermediates, &options)?;
    Ok(())
}

/// DER subject names of the roots, for the certificate_authorities hint.
pub(crate) fn root_subjects(roots: &RootStore) -> Vec<Vec<u8>> {
    roots.subjects()
}

/// The provider algorithm for a TLS 1.3 CertificateVerify scheme (RFC 8446 §4.2.3); `None`
/// for schemes TLS 1.3 forbids there (rsa_pkcs1_*, SHA-1) or we do not know.
pub(crate) fn handshake_algorithm(scheme: SignatureScheme) -> Option<SignatureAlgorithm> {
    Some(match scheme {
        SignatureScheme::ecdsa_secp256r1_sha256 => SignatureAlgorithm::EcdsaP256Sha256,
        SignatureScheme::ecdsa_secp384r1_sha384 => SignatureAlgorithm::EcdsaP384Sha384,
        SignatureScheme::rsa_pss_rsae_sha256 => SignatureAlgorithm::RsaPssSha256,
        SignatureScheme::rsa_pss_rsae_sha384 => SignatureAlgorithm::RsaPssSha384,
        SignatureScheme::rsa_pss_rsae_sha512 => SignatureAlgorithm::RsaPssSha512,
        SignatureScheme::ed25519 => SignatureAlgorithm::Ed25519,
        _ => return None,
    })
}

/// Verifies a CertificateVerify signature (RFC 8446 §4.4.3) with the leaf certificate's
/// public key. The scheme must be one TLS 1.3 allows there and must fit the key.
pub(crate) fn verify_signature(
    provider: &dyn Provider,
    leaf: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    // RFC 8446 §4.4.3: rsa_pkcs1_* and SHA-1 schemes are never valid in CertificateVerify.
    let algorithm = handshake_algorithm(scheme).ok_or(PeerMisbehaved::UnofferedSignatureScheme)?;
    // The chain was parsed and checked already: only the leaf's key is needed here.
    let spki = Certificate::public_key_info_from_der(leaf)?;
    padlock_pki::verify_signature(provider, &spki, algorithm, message, signature)
        .map_err(|_| PeerMisbehaved::BadCertificateVerifySignature.into())
}
