//! The authentication messages both sides send and check: Certificate (RFC 8446 §4.4.2)
//! and CertificateVerify (§4.4.3) — choosing a scheme, signing, and checking a peer's
//! signature.

use padlock_crypto::KeyKind;

use crate::certificate_chain::CertificateChain;
use crate::config::CertifiedKey;
use crate::error::{Error, PeerMisbehaved};
use crate::output::{trace, Output};
use crate::trace::TraceEvent;
use crate::transcript::Transcript;
use crate::verify::SignatureVerified;
use crate::wire::codec::{write_opaque, write_prefixed, Codec, LengthPrefix};
use crate::wire::enums::{ExtensionType, HandshakeType, SignatureScheme};
use crate::wire::extensions::{CertificateEntryExtensions, ExtensionBlock};
use crate::wire::handshake::{encode_handshake, Certificate, CertificateVerify};
use crate::{pki_verify, verify};

/// Context strings of RFC 8446 §4.4.3.
pub(crate) const SERVER_CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify";
pub(crate) const CLIENT_CONTEXT: &[u8] = b"TLS 1.3, client CertificateVerify";

/// Checks the peer's CertificateVerify (RFC 8446 §4.4.3), for either side: the scheme
/// must be one we offered, and the signature over `context` and the transcript so far must
/// verify under the key of the chain's leaf. Emits the signature-check trace event.
pub(crate) fn check_certificate_verify(
    out: &dyn Output,
    offered: &[SignatureScheme],
    transcript: &Transcript,
    context: &[u8],
    chain: &CertificateChain,
    cv: &CertificateVerify,
) -> Result<SignatureVerified, Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    // RFC 8446 §4.4.3: the scheme must be one we offered in signature_algorithms.
    if !offered.contains(&cv.algorithm) {
        return Err(PeerMisbehaved::UnofferedSignatureScheme.into());
    }
    let hash = transcript.current_hash(provider);
    let signed = certificate_verify_message(context, hash.as_ref());
    let leaf = chain.first().unwrap_or_default();
    let result =
        verify::verify_handshake_signature(provider, leaf, cv.algorithm, &signed, cv.signature);
    trace(out, || TraceEvent::SignatureCheck {
        scheme: cv.algorithm,
        ok: result.is_ok(),
    });
    result
}

/// The content a CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, the context
/// string, a zero byte, then the transcript hash.
pub(crate) fn certificate_verify_message(context: &[u8], transcript_hash: &[u8]) -> SignedContent {
    let mut m = SignedContent {
        buf: [0x20; SignedContent::MAX],
        len: 64,
    };
    for part in [context, &[0], transcript_hash] {
        m.push(part);
    }
    m
}

/// [`certificate_verify_message`]'s content, on the stack: at most 64 spaces, a context
/// string of [`SERVER_CONTEXT`]'s or [`CLIENT_CONTEXT`]'s length, a zero byte and a
/// transcript hash of up to 64 bytes.
pub(crate) struct SignedContent {
    buf: [u8; SignedContent::MAX],
    len: usize,
}

impl SignedContent {
    const MAX: usize = 64 + SERVER_CONTEXT.len() + 1 + 64;

    /// Appends `bytes`. Our callers never exceed [`Self::MAX`] (a context string and a hash
    /// output); past it the content is cut short, and its signature would not verify.
    fn push(&mut self, bytes: &[u8]) {
        let end = (self.len + bytes.len()).min(Self::MAX);
        let take = end - self.len;
        self.buf[self.len..end].copy_from_slice(&bytes[..take]);
        self.len = end;
    }
}

impl std::ops::Deref for SignedContent {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The first scheme in `ours` (our preference) that the peer accepts and our key can
/// make. RSA keys sign with RSA-PSS only (RFC 8446 §4.4.3: never PKCS#1 v1.5).
pub(crate) fn choose_scheme(
    key: &CertifiedKey,
    theirs: &[SignatureScheme],
    ours: &[SignatureScheme],
) -> Option<SignatureScheme> {
    key.signing_schemes(ours)
        .iter()
        .copied()
        .find(|s| theirs.contains(s) && key_fits(key.key.kind(), *s))
}

fn key_fits(kind: KeyKind, scheme: SignatureScheme) -> bool {
    matches!(
        (kind, scheme),
        (KeyKind::EcdsaP256, SignatureScheme::ecdsa_secp256r1_sha256)
            | (KeyKind::EcdsaP384, SignatureScheme::ecdsa_secp384r1_sha384)
            | (KeyKind::Ed25519, SignatureScheme::ed25519)
            | (
                KeyKind::Rsa(_),
                SignatureScheme::rsa_pss_rsae_sha256
                    | SignatureScheme::rsa_pss_rsae_sha384
                    | SignatureScheme::rsa_pss_rsae_sha512
            )
    )
}

/// RFC 8446 §4.4.2: the extensions of each CertificateEntry must be allowed there (§4.2:
/// else illegal_parameter) and answer a request made in the ClientHello (from the server)
/// or the CertificateRequest (from the client): `requested` lists those extension types.
/// Anything else is unsolicited → unsupported_extension.
pub(crate) fn check_certificate_entry_extensions(
    certificate: &Certificate,
    requested: &[ExtensionType],
) -> Result<(), Error> {
    let none = CertificateEntryExtensions::default();
    // The usual entry has no extensions: nothing to encode and check.
    for entry in certificate
        .certificate_list
        .iter()
        .filter(|e| e.extensions != none)
    {
        entry
            .extensions
            .check_allowed()
            .map_err(|_| PeerMisbehaved::IllegalExtension)?;
        if entry.extensions.first_unsolicited(requested).is_some() {
            return Err(PeerMisbehaved::UnsolicitedExtension.into());
        }
    }
    Ok(())
}

/// Appends a Certificate message (RFC 8446 §4.4.2) to `out`, written straight from the
/// chain after reserving its size: the same bytes as encoding a [`Certificate`] of
/// [`CertificateEntry`]s with no extensions, without copying each certificate into one.
pub(crate) fn encode_certificate(out: &mut Vec<u8>, context: &[u8], chain: &[Vec<u8>]) {
    // Handshake header (4), context<0..2^8-1> (1 + len), certificate_list<0..2^24-1> (3),
    // and per entry cert_data<1..2^24-1> (3 + len) and an empty extensions<0..2^16-1> (2).
    let size = 4 + 1 + context.len() + 3 + chain.iter().map(|der| 5 + der.len()).sum::<usize>();
    out.reserve(size);
    encode_handshake(HandshakeType::Certificate, out, |out| {
        write_opaque(out, LengthPrefix::U8, context);
        write_prefixed(out, LengthPrefix::U24, |out| {
            for der in chain {
                write_opaque(out, LengthPrefix::U24, der);
                CertificateEntryExtensions::default().encode(out);
            }
        });
    });
}

/// A CertificateVerify signed by `key` (RFC 8446 §4.4.3), encoded (header included) onto
/// the end of `out`, the flight being queued: the signature is written into the message,
/// with no vector of its own. On failure `out` is as it was.
pub(crate) fn encode_certificate_verify(
    out: &mut Vec<u8>,
    key: &CertifiedKey,
    scheme: SignatureScheme,
    context: &[u8],
    transcript_hash: &[u8],
) -> Result<(), Error> {
    let algorithm = pki_verify::handshake_algorithm(scheme).ok_or(Error::Internal(
        "no signature algorithm for the chosen scheme",
    ))?;
    let message = certificate_verify_message(context, transcript_hash);
    let start = out.len();
    let mut signed = Ok(());
    // struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify;
    encode_handshake(HandshakeType::CertificateVerify, out, |out| {
        scheme.encode(out);
        write_prefixed(out, LengthPrefix::U16, |out| {
            signed = key.key.sign_to(algorithm, &message, out);
        });
    });
    if signed.is_err() {
        out.truncate(start);
        return Err(Error::Internal("signing the CertificateVerify failed"));
    }
    Ok(())
}

/// Queues our CertificateVerify over the transcript so far (RFC 8446 §4.4.3), with `context`
/// telling whose it is, and adds it to the transcript: the step both sides take after
/// sending their Certificate.
pub(crate) fn send_certificate_verify(
    key: &CertifiedKey,
    scheme: SignatureScheme,
    context: &[u8],
    transcript: &mut Transcript,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let hash = transcript.current_hash(out.provider().as_ref());
    let mut signed = Ok(());
    let message = crate::state::queue_message(out, |queue| {
        signed = encode_certificate_verify(queue, key, scheme, context, hash.as_ref());
    });
    signed?;
    transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "CertificateVerify", len, || {
        format!("scheme={scheme}")
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use padlock_crypto::{AwsLcProvider, Provider};

    use super::*;
    use crate::wire::handshake::HandshakePayload;

    fn key(kind: KeyKind) -> CertifiedKey {
        let (key, _) = AwsLcProvider.generate_signing_key(kind).unwrap();
        CertifiedKey {
            chain: vec![],
            key: Arc::from(key),
            signature_schemes: None,
        }
    }

    #[test]
    fn a_certificate_message_is_written_as_its_struct_encodes() {
        use crate::wire::handshake::CertificateEntry;
        let chain = vec![vec![0x30; 300], vec![0x31; 70_000]];
        for context in [&[][..], &[7, 8, 9][..]] {
            let expected = crate::state::encode(&HandshakePayload::Certificate(Certificate {
                certificate_request_context: context,
                certificate_list: chain
                    .iter()
                    .map(|der| CertificateEntry {
                        cert_data: der,
                        extensions: Default::default(),
                    })
                    .collect(),
            }));
            let mut written = Vec::new();
            encode_certificate(&mut written, context, &chain);
            assert_eq!(written, expected);
            assert_eq!(written.capacity(), written.len());
        }
    }

    #[test]
    fn certificate_verify_content_has_the_rfc_layout() {
        let m = certificate_verify_message(SERVER_CONTEXT, &[0xaa; 32]);
        assert_eq!(&m[..64], &[0x20; 64][..]);
        assert_eq!(&m[64..64 + SERVER_CONTEXT.len()], SERVER_CONTEXT);
        assert_eq!(m[64 + SERVER_CONTEXT.len()], 0);
        assert_eq!(m.len(), 64 + SERVER_CONTEXT.len() + 1 + 32);
    }

    #[test]
    fn rsa_keys_never_choose_pkcs1_for_certificate_verify() {
        let rsa = key(KeyKind::Rsa(2048));
        let theirs = [
            SignatureScheme::rsa_pkcs1_sha256,
            SignatureScheme::rsa_pss_rsae_sha384,
        ];
        let ours = [
            SignatureScheme::rsa_pkcs1_sha256,
            SignatureScheme::rsa_pss_rsae_sha256,
            SignatureScheme::rsa_pss_rsae_sha384,
        ];
        assert_eq!(
            choose_scheme(&rsa, &theirs, &ours),
            Some(SignatureScheme::rsa_pss_rsae_sha384)
        );
        assert_eq!(
            choose_scheme(&rsa, &[SignatureScheme::rsa_pkcs1_sha256], &ours),
            None
        );
    }

    #[test]
    fn a_key_with_its_own_schemes_signs_by_them_not_by_the_configurations() {
        let mut rsa = key(KeyKind::Rsa(2048));
        rsa.signature_schemes = Some(vec![
            SignatureScheme::rsa_pkcs1_sha256,
            SignatureScheme::ecdsa_secp256r1_sha256,
            SignatureScheme::rsa_pss_rsae_sha512,
            SignatureScheme::rsa_pss_rsae_sha256,
        ]);
        let all = [
            SignatureScheme::rsa_pss_rsae_sha256,
            SignatureScheme::rsa_pss_rsae_sha512,
            SignatureScheme::rsa_pkcs1_sha256,
        ];
        // Its first scheme that TLS 1.3 allows, the peer accepts and the key can make.
        assert_eq!(
            choose_scheme(&rsa, &all, &[SignatureScheme::rsa_pss_rsae_sha256]),
            Some(SignatureScheme::rsa_pss_rsae_sha512)
        );
        // Never one outside its list, whatever the configuration says.
        let pss384 = [SignatureScheme::rsa_pss_rsae_sha384];
        assert_eq!(choose_scheme(&rsa, &pss384, &pss384), None);
    }

    #[test]
    fn ecdsa_keys_choose_the_scheme_of_their_curve() {
        let p384 = key(KeyKind::EcdsaP384);
        let both = [
            SignatureScheme::ecdsa_secp256r1_sha256,
            SignatureScheme::ecdsa_secp384r1_sha384,
        ];
        assert_eq!(
            choose_scheme(&p384, &both, &both),
            Some(SignatureScheme::ecdsa_secp384r1_sha384)
        );
    }

    #[test]
    fn signed_certificate_verify_verifies() {
        let p = AwsLcProvider;
        let k = key(KeyKind::Ed25519);
        let mut out = b"queued".to_vec();
        encode_certificate_verify(
            &mut out,
            &k,
            SignatureScheme::ed25519,
            CLIENT_CONTEXT,
            &[1; 32],
        )
        .unwrap();
        let (queued, encoded) = out.split_at(6);
        assert_eq!(queued, b"queued");
        let HandshakePayload::CertificateVerify(cv) = HandshakePayload::decode(encoded).unwrap()
        else {
            panic!("not a CertificateVerify");
        };
        assert_eq!(cv.algorithm, SignatureScheme::ed25519);
        let spki = k.key.public_key_spki();
        let spki = padlock_pki::SubjectPublicKeyInfo::from_der(&spki).unwrap();
        let message = certificate_verify_message(CLIENT_CONTEXT, &[1; 32]);
        padlock_pki::verify_signature(
            &p,
            &spki,
            padlock_crypto::SignatureAlgorithm::Ed25519,
            &message,
            cv.signature,
        )
        .unwrap();
    }

    #[test]
    fn a_failed_signature_leaves_the_queue_as_it_was() {
        let k = key(KeyKind::Ed25519);
        let mut out = b"queued".to_vec();
        // An ECDSA scheme for an Ed25519 key: the provider refuses to sign.
        let scheme = SignatureScheme::ecdsa_secp256r1_sha256;
        assert!(encode_certificate_verify(&mut out, &k, scheme, CLIENT_CONTEXT, &[1; 32]).is_err());
        assert_eq!(out, b"queued");
    }
}
