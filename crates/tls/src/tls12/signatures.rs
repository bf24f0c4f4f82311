//! TLS 1.2 signatures, for either side: the ServerKeyExchange's signed params (RFC 8422
//! §5.4) and the client's CertificateVerify (RFC 5246 §7.4.8), both a `DigitallySigned`
//! (§4.7) over the message itself, not over a TLS 1.3-style context string.
//!
//! Unlike TLS 1.3, PKCS#1 v1.5 is legitimate here (RFC 5246 §7.4.1.4.1), and an ECDSA
//! scheme names only the hash: an `ecdsa_secp256r1_sha256` signature may come from a P-384
//! key (RFC 8422 §5.1.3 leaves the curve to the certificate). SHA-1 and MD5 are never
//! offered or accepted.

use padlock_crypto::{KeyKind, Provider, SignatureAlgorithm};
use padlock_pki::{Curve, PublicKeyAlgorithm, SubjectPublicKeyInfo};

use crate::config::CertifiedKey;
use crate::error::{Error, PeerMisbehaved};
use crate::suites::AuthKind;
use crate::wire::codec::{write_prefixed, Codec, LengthPrefix};
use crate::wire::enums::{HandshakeType, NamedGroup, SignatureScheme};
use crate::wire::handshake::encode_handshake;

/// The RSASSA-PKCS1-v1_5 schemes TLS 1.2 allows beside the configured (TLS 1.3) ones.
const PKCS1_SCHEMES: [SignatureScheme; 3] = [
    SignatureScheme::rsa_pkcs1_sha256,
    SignatureScheme::rsa_pkcs1_sha384,
    SignatureScheme::rsa_pkcs1_sha512,
];

/// The schemes we offer and accept in TLS 1.2: the configured ones (most preferred first),
/// then PKCS#1 v1.5 with SHA-2. An iterator, so choosing a scheme allocates nothing.
pub(crate) fn our_schemes(
    configured: &[SignatureScheme],
) -> impl Iterator<Item = SignatureScheme> + Clone + '_ {
    let usable = configured
        .iter()
        .copied()
        .filter(|s| algorithm_for(*s, KeyCurve::Any).is_some());
    let added = PKCS1_SCHEMES
        .into_iter()
        .filter(|s| !configured.contains(s));
    usable.chain(added)
}

/// The first of our schemes the peer accepts (`theirs`) that `key` can sign with: the
/// key's own list if it has one ([`CertifiedKey::signature_schemes`]), else
/// [`our_schemes`] of the configuration's (`configured`).
pub(crate) fn choose_scheme(
    key: &CertifiedKey,
    theirs: &[SignatureScheme],
    configured: &[SignatureScheme],
) -> Option<SignatureScheme> {
    let kind = key.key.kind();
    let fits = |s: &SignatureScheme| theirs.contains(s) && signing_algorithm(kind, *s).is_some();
    match &key.signature_schemes {
        Some(own) => own.iter().copied().find(fits),
        None => our_schemes(configured).find(fits),
    }
}

/// Whether a certificate key of `kind` can authenticate a suite of `auth`.
pub(crate) fn key_fits_suite(kind: KeyKind, auth: AuthKind) -> bool {
    matches!(
        (kind, auth),
        (
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519,
            AuthKind::Ecdsa
        ) | (KeyKind::Rsa(_), AuthKind::Rsa)
    )
}

/// RFC 8422 §5.3: an ECDSA certificate's key "MUST use a curve and point format
/// supported by the client" — one of its supported_groups (OpenSSL clients refuse any
/// other). Other keys have no curve to check.
pub(crate) fn curve_supported(kind: KeyKind, groups: &[NamedGroup]) -> bool {
    match kind {
        KeyKind::EcdsaP256 => groups.contains(&NamedGroup::secp256r1),
        KeyKind::EcdsaP384 => groups.contains(&NamedGroup::secp384r1),
        _ => true,
    }
}

/// Appends to `out` the handshake message `kind` whose body is what `head` writes, then a
/// `DigitallySigned` (RFC 5246 §4.7) of `message` by `key` under `scheme` (chosen by
/// [`choose_scheme`]): the scheme, then the signature behind its two-byte length, signed
/// straight into the message with no vector of its own. The ServerKeyExchange's signed
/// params (RFC 8422 §5.4) and the client's CertificateVerify (RFC 5246 §7.4.8) are both
/// this shape. On failure `out` is as it was.
pub(crate) fn encode_signed_message(
    out: &mut Vec<u8>,
    kind: HandshakeType,
    head: impl FnOnce(&mut Vec<u8>),
    key: &CertifiedKey,
    scheme: SignatureScheme,
    message: &[u8],
) -> Result<(), Error> {
    let algorithm = signing_algorithm(key.key.kind(), scheme).ok_or(Error::Internal(
        "no signature algorithm for the chosen scheme",
    ))?;
    let start = out.len();
    let mut signed = Ok(());
    encode_handshake(kind, out, |out| {
        head(out);
        scheme.encode(out);
        write_prefixed(out, LengthPrefix::U16, |out| {
            signed = key.key.sign_to(algorithm, message, out);
        });
    });
    if signed.is_err() {
        out.truncate(start);
        return Err(Error::Internal("signing failed"));
    }
    Ok(())
}

/// Whether the leaf certificate's key (of `algorithm`) fits `auth` (an ECDSA suite needs an
/// EC or Ed25519 key, an RSA suite an RSA key).
pub(crate) fn leaf_fits_suite(algorithm: PublicKeyAlgorithm, auth: AuthKind) -> Result<(), Error> {
    let fits = matches!(
        (algorithm, auth),
        (
            PublicKeyAlgorithm::Ec(_) | PublicKeyAlgorithm::Ed25519,
            AuthKind::Ecdsa
        ) | (PublicKeyAlgorithm::Rsa { .. }, AuthKind::Rsa)
    );
    if fits {
        Ok(())
    } else {
        Err(PeerMisbehaved::WrongCertificateKeyForSuite.into())
    }
}

/// RFC 8422 §5.3: in TLS 1.2 an ECDSA certificate's curve is one of the client's
/// supported_groups (the signature scheme names only the hash), so a client refuses a
/// server key on a curve it did not list (`offered`). Other keys have no curve to check.
pub(crate) fn leaf_curve_offered(
    algorithm: PublicKeyAlgorithm,
    offered: &[NamedGroup],
) -> Result<(), Error> {
    let group = match algorithm {
        PublicKeyAlgorithm::Ec(Curve::P256) => NamedGroup::secp256r1,
        PublicKeyAlgorithm::Ec(Curve::P384) => NamedGroup::secp384r1,
        PublicKeyAlgorithm::Ec(Curve::P521) => NamedGroup::secp521r1,
        _ => return Ok(()),
    };
    if offered.contains(&group) {
        Ok(())
    } else {
        Err(PeerMisbehaved::UnofferedCertificateCurve.into())
    }
}

/// Verifies the peer's `signature` over `message` with its leaf certificate's key `spki`.
/// `offered` are the schemes we offered (RFC 5246 §7.4.1.4.1: the peer must use one);
/// `bad` is the violation a failed check is.
pub(crate) fn verify(
    provider: &dyn Provider,
    spki: &SubjectPublicKeyInfo<'_>,
    offered: &[SignatureScheme],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    bad: PeerMisbehaved,
) -> Result<(), Error> {
    if !offered.contains(&scheme) {
        return Err(PeerMisbehaved::UnofferedSignatureScheme.into());
    }
    let curve = match spki.algorithm {
        PublicKeyAlgorithm::Ec(Curve::P256) => KeyCurve::P256,
        PublicKeyAlgorithm::Ec(Curve::P384) => KeyCurve::P384,
        _ => KeyCurve::Any,
    };
    let algorithm = algorithm_for(scheme, curve).ok_or(PeerMisbehaved::UnofferedSignatureScheme)?;
    padlock_pki::verify_signature(provider, spki, algorithm, message, signature)
        .map_err(|_| bad.into())
}

/// The curve of an ECDSA key, which picks the provider algorithm with the scheme's hash.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyCurve {
    P256,
    P384,
    /// Not an ECDSA key, or not known yet (any curve will do).
    Any,
}

/// The provider algorithm for `scheme` with a key on `curve`; `None` for schemes TLS 1.2
/// must not use (SHA-1, MD5) or that we do not implement.
fn algorithm_for(scheme: SignatureScheme, curve: KeyCurve) -> Option<SignatureAlgorithm> {
    use SignatureAlgorithm as A;
    use SignatureScheme as S;
    Some(match (scheme, curve) {
        (S::ecdsa_secp256r1_sha256, KeyCurve::P384) => A::EcdsaP384Sha256,
        (S::ecdsa_secp256r1_sha256, _) => A::EcdsaP256Sha256,
        (S::ecdsa_secp384r1_sha384, KeyCurve::P256) => A::EcdsaP256Sha384,
        (S::ecdsa_secp384r1_sha384, _) => A::EcdsaP384Sha384,
        (S::rsa_pss_rsae_sha256, _) => A::RsaPssSha256,
        (S::rsa_pss_rsae_sha384, _) => A::RsaPssSha384,
        (S::rsa_pss_rsae_sha512, _) => A::RsaPssSha512,
        (S::rsa_pkcs1_sha256, _) => A::RsaPkcs1Sha256,
        (S::rsa_pkcs1_sha384, _) => A::RsaPkcs1Sha384,
        (S::rsa_pkcs1_sha512, _) => A::RsaPkcs1Sha512,
        (S::ed25519, _) => A::Ed25519,
        _ => return None,
    })
}

/// The algorithm our key of `kind` signs `scheme` with: ECDSA keys sign with their own
/// curve's hash (as TLS 1.3 requires, which every TLS 1.2 peer accepts too).
fn signing_algorithm(kind: KeyKind, scheme: SignatureScheme) -> Option<SignatureAlgorithm> {
    use SignatureScheme as S;
    let fits = matches!(
        (kind, scheme),
        (KeyKind::EcdsaP256, S::ecdsa_secp256r1_sha256)
            | (KeyKind::EcdsaP384, S::ecdsa_secp384r1_sha384)
            | (KeyKind::Ed25519, S::ed25519)
            | (
                KeyKind::Rsa(_),
                S::rsa_pss_rsae_sha256
                    | S::rsa_pss_rsae_sha384
                    | S::rsa_pss_rsae_sha512
                    | S::rsa_pkcs1_sha256
                    | S::rsa_pkcs1_sha384
                    | S::rsa_pkcs1_sha512
            )
    );
    fits.then(|| algorithm_for(scheme, KeyCurve::Any)).flatten()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use padlock_crypto::AwsLcProvider;

    use super::*;

    fn key(kind: KeyKind) -> CertifiedKey {
        let (key, _) = AwsLcProvider.generate_signing_key(kind).unwrap();
        CertifiedKey {
            chain: vec![],
            key: Arc::from(key),
            signature_schemes: None,
        }
    }

    #[test]
    fn signed_messages_are_written_as_the_wire_types_encode_them() {
        use crate::wire::handshake::{
            CertificateVerify, HandshakePayload, ServerEcdhParams, ServerKeyExchange,
        };
        // Ed25519 signatures are deterministic, so both encodings carry the same one.
        let cert = key(KeyKind::Ed25519);
        let scheme = SignatureScheme::ed25519;
        let message = [3u8; 100];
        let signature = cert
            .key
            .sign(SignatureAlgorithm::Ed25519, &message)
            .unwrap();
        let signature = CertificateVerify {
            algorithm: scheme,
            signature: &signature,
        };
        let params = ServerEcdhParams {
            named_group: NamedGroup::x25519,
            public: &[5; 32],
        };
        let ske = HandshakePayload::ServerKeyExchange(ServerKeyExchange {
            params: params.clone(),
            signature: signature.clone(),
        });
        let cv = HandshakePayload::CertificateVerify(signature);
        let check = |kind, head: &dyn Fn(&mut Vec<u8>), payload: HandshakePayload| {
            let mut written = b"earlier messages".to_vec();
            encode_signed_message(&mut written, kind, head, &cert, scheme, &message).unwrap();
            let mut expected = b"earlier messages".to_vec();
            payload.encode(&mut expected);
            assert_eq!(written, expected, "{kind:?}");
        };
        check(
            HandshakeType::ServerKeyExchange,
            &|out| params.encode(out),
            ske,
        );
        check(HandshakeType::CertificateVerify, &|_| {}, cv);
        // A scheme the key cannot make leaves `out` as it was.
        let mut out = b"earlier messages".to_vec();
        let wrong = SignatureScheme::ecdsa_secp256r1_sha256;
        let kind = HandshakeType::CertificateVerify;
        assert!(encode_signed_message(&mut out, kind, |_| {}, &cert, wrong, &message).is_err());
        assert_eq!(out, b"earlier messages");
    }

    #[test]
    fn our_schemes_add_pkcs1_and_never_sha1() {
        let ours: Vec<_> = our_schemes(&[
            SignatureScheme::ecdsa_secp256r1_sha256,
            SignatureScheme::rsa_pkcs1_sha1,
            SignatureScheme::ecdsa_sha1,
        ])
        .collect();
        assert_eq!(
            ours,
            [
                SignatureScheme::ecdsa_secp256r1_sha256,
                SignatureScheme::rsa_pkcs1_sha256,
                SignatureScheme::rsa_pkcs1_sha384,
                SignatureScheme::rsa_pkcs1_sha512,
            ]
        );
    }

    #[test]
    fn rsa_keys_may_sign_pkcs1_in_tls12() {
        let rsa = key(KeyKind::Rsa(2048));
        let ours = || &[SignatureScheme::rsa_pss_rsae_sha256][..];
        assert_eq!(
            choose_scheme(&rsa, &[SignatureScheme::rsa_pkcs1_sha256], ours()),
            Some(SignatureScheme::rsa_pkcs1_sha256)
        );
        assert_eq!(
            choose_scheme(&rsa, &[SignatureScheme::rsa_pkcs1_sha1], ours()),
            None
        );
        let ecdsa = key(KeyKind::EcdsaP256);
        assert_eq!(
            choose_scheme(&ecdsa, &[SignatureScheme::rsa_pkcs1_sha256], ours()),
            None
        );
    }

    #[test]
    fn a_key_with_its_own_schemes_signs_by_them_and_adds_no_pkcs1() {
        let mut rsa = key(KeyKind::Rsa(2048));
        rsa.signature_schemes = Some(vec![
            SignatureScheme::rsa_pkcs1_sha1,
            SignatureScheme::rsa_pss_rsae_sha384,
            SignatureScheme::rsa_pkcs1_sha512,
        ]);
        let configured = [SignatureScheme::rsa_pss_rsae_sha256];
        let theirs = [
            SignatureScheme::rsa_pkcs1_sha1,
            SignatureScheme::rsa_pkcs1_sha256,
            SignatureScheme::rsa_pkcs1_sha512,
            SignatureScheme::rsa_pss_rsae_sha256,
        ];
        // SHA-1 is never signed; PKCS#1 v1.5 is allowed in TLS 1.2.
        assert_eq!(
            choose_scheme(&rsa, &theirs, &configured),
            Some(SignatureScheme::rsa_pkcs1_sha512)
        );
        // The configuration's list, and the PKCS#1 schemes it would add, are not used.
        let pkcs1_256 = [SignatureScheme::rsa_pkcs1_sha256];
        assert_eq!(choose_scheme(&rsa, &pkcs1_256, &configured), None);
    }

    #[test]
    fn an_ecdsa_leaf_must_be_on_an_offered_curve() {
        let offered = [NamedGroup::x25519, NamedGroup::secp384r1];
        let p256 = PublicKeyAlgorithm::Ec(Curve::P256);
        assert_eq!(
            leaf_curve_offered(p256, &offered),
            Err(PeerMisbehaved::UnofferedCertificateCurve.into())
        );
        assert!(leaf_curve_offered(PublicKeyAlgorithm::Ec(Curve::P384), &offered).is_ok());
        // RSA and Ed25519 keys have no curve in supported_groups.
        assert!(leaf_curve_offered(PublicKeyAlgorithm::Ed25519, &offered).is_ok());
        let rsa = PublicKeyAlgorithm::Rsa { modulus_bits: 2048 };
        assert!(leaf_curve_offered(rsa, &[]).is_ok());
    }

    #[test]
    fn suites_need_their_key_type() {
        assert!(key_fits_suite(KeyKind::EcdsaP384, AuthKind::Ecdsa));
        assert!(key_fits_suite(KeyKind::Rsa(2048), AuthKind::Rsa));
        assert!(!key_fits_suite(KeyKind::Rsa(2048), AuthKind::Ecdsa));
        assert!(!key_fits_suite(KeyKind::EcdsaP256, AuthKind::Rsa));
    }
}
