//! The TLS 1.2 handshake messages (RFC 5246 §7.4) that differ from TLS 1.3's or do not
//! exist there: ServerKeyExchange for ECDHE (RFC 8422 §5.4), ServerHelloDone (§7.4.5),
//! ClientKeyExchange (§7.4.7; RFC 8422 §5.7), CertificateRequest and Certificate in their
//! TLS 1.2 forms (§7.4.4, §7.4.2), HelloRequest (§7.4.1.1) and the session ticket's
//! NewSessionTicket (RFC 5077 §3.3).
//!
//! ClientHello, ServerHello, CertificateVerify (a `DigitallySigned`, §4.7) and Finished
//! have the same encoding in both versions and are shared. Which form a message of type
//! `certificate` takes depends on the version, so TLS 1.2 states decode with
//! [`HandshakePayload::decode_tls12`](super::HandshakePayload::decode_tls12).

use std::borrow::Cow;

use crate::certificate_chain::CertificateChain;
use crate::wire::codec::{write_opaque, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
use crate::wire::enums::{NamedGroup, SignatureScheme};
use crate::wire::extensions::payloads::{read_authorities, read_u16_list};
use crate::wire::extensions::DistinguishedName;
use crate::wire::handshake::CertificateVerify;
use crate::wire::list::List;

/// `ECCurveType` named_curve (RFC 8422 §5.4); the only type RFC 8422 allows.
pub const NAMED_CURVE: u8 = 3;

/// ServerECDHParams (RFC 8422 §5.4): the curve and the server's ephemeral public point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEcdhParams<'a> {
    /// `ECParameters.namedcurve`.
    pub named_group: NamedGroup,
    /// `ECPoint.point`, `opaque point <1..2^8-1>`: the uncompressed point for the NIST
    /// curves, 32 bytes for X25519 (RFC 8422 §5.4.1).
    pub public: &'a [u8],
}

/// ServerKeyExchange for ECDHE_ECDSA and ECDHE_RSA (RFC 8422 §5.4): the parameters and a
/// signature over `client_random + server_random + params`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchange<'a> {
    /// The signed parameters.
    pub params: ServerEcdhParams<'a>,
    /// `DigitallySigned signed_params` (RFC 5246 §4.7): scheme and signature.
    pub signature: CertificateVerify<'a>,
}

/// ClientKeyExchange (RFC 5246 §7.4.7). Its body depends on the key exchange the suite
/// names, which a decoder does not know: it keeps the body, and the state reads it with
/// [`ClientEcdhPublic`] or [`EncryptedPreMasterSecret`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchange<'a> {
    /// `exchange_keys`, unparsed.
    pub body: &'a [u8],
}

/// ClientECDiffieHellmanPublic (RFC 8422 §5.7): `opaque point <1..2^8-1>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEcdhPublic<'a> {
    /// The client's ephemeral public point.
    pub public: &'a [u8],
}

/// EncryptedPreMasterSecret (RFC 5246 §7.4.7.1): the RSA-encrypted pre-master secret,
/// `opaque<0..2^16-1>` (TLS 1.0 and later carry the length prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedPreMasterSecret<'a> {
    /// The PKCS #1 v1.5 ciphertext.
    pub ciphertext: &'a [u8],
}

/// NewSessionTicket in its TLS 1.2 form (RFC 5077 §3.3): a lifetime hint and the opaque
/// ticket, sent right before the server's ChangeCipherSpec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket12<'a> {
    /// `uint32 ticket_lifetime_hint`: seconds; 0 says nothing about the lifetime.
    pub lifetime_hint: u32,
    /// `opaque ticket<0..2^16-1>`.
    pub ticket: &'a [u8],
}

impl<'a> Codec<'a> for NewSessionTicket12<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.lifetime_hint.to_be_bytes());
        write_opaque(out, LengthPrefix::U16, self.ticket);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            lifetime_hint: r.u32("NewSessionTicket.ticket_lifetime_hint")?,
            ticket: r.opaque(LengthPrefix::U16, 0, 0xffff, "NewSessionTicket.ticket")?,
        })
    }
}

/// ClientCertificateType values (RFC 5246 §7.4.4, RFC 8422 §5.5).
pub mod client_certificate_type {
    /// rsa_sign(1).
    pub const RSA_SIGN: u8 = 1;
    /// ecdsa_sign(64).
    pub const ECDSA_SIGN: u8 = 64;
}

/// CertificateRequest in its TLS 1.2 form (RFC 5246 §7.4.4). A client keeps it until the
/// server's flight ends ([`Self::into_owned`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest12<'a> {
    /// `ClientCertificateType certificate_types<1..2^8-1>`.
    pub certificate_types: Cow<'a, [u8]>,
    /// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
    pub signature_algorithms: List<'a, SignatureScheme>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`.
    pub certificate_authorities: List<'a, DistinguishedName<'a>>,
}

/// Certificate in its TLS 1.2 form (RFC 5246 §7.4.2): `ASN.1Cert certificate_list
/// <0..2^24-1>`, sender's certificate first, no context and no per-entry extensions.
/// Decoded, the certificates are read in place from the message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate12<'a> {
    /// DER certificates.
    pub certificate_list: List<'a, Asn1Cert<'a>>,
}

/// `opaque ASN.1Cert<1..2^24-1>` (RFC 5246 §7.4.2): one DER certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asn1Cert<'a>(pub &'a [u8]);

impl<'a> Codec<'a> for ServerEcdhParams<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(NAMED_CURVE);
        self.named_group.encode(out);
        write_opaque(out, LengthPrefix::U8, self.public);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "ServerKeyExchange.params";
        // RFC 8422 §5.4: explicit_prime and explicit_char2 are deprecated and refused.
        if r.u8(WHAT)? != NAMED_CURVE {
            return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
        }
        Ok(Self {
            named_group: NamedGroup::read(r)?,
            public: r.opaque(LengthPrefix::U8, 1, 0xff, WHAT)?,
        })
    }
}

impl<'a> Codec<'a> for ServerKeyExchange<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.params.encode(out);
        self.signature.encode(out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            params: ServerEcdhParams::read(r)?,
            signature: CertificateVerify::read(r)
                .map_err(|e| DecodeError::new("ServerKeyExchange.signed_params", e.kind))?,
        })
    }
}

impl<'a> Codec<'a> for ClientKeyExchange<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.body);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self { body: r.rest() })
    }
}

impl<'a> Codec<'a> for ClientEcdhPublic<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U8, self.public);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            public: r.opaque(LengthPrefix::U8, 1, 0xff, "ClientKeyExchange.ecdh_Yc")?,
        })
    }
}

impl<'a> Codec<'a> for EncryptedPreMasterSecret<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U16, self.ciphertext);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            ciphertext: r.opaque(
                LengthPrefix::U16,
                0,
                0xffff,
                "ClientKeyExchange.encrypted_pre_master_secret",
            )?,
        })
    }
}

impl<'a> Codec<'a> for CertificateRequest12<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U8, &self.certificate_types);
        self.signature_algorithms.encode(out, LengthPrefix::U16);
        self.certificate_authorities.encode(out, LengthPrefix::U16);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateRequest";
        let certificate_types = r
            .opaque(
                LengthPrefix::U8,
                1,
                0xff,
                "CertificateRequest.certificate_types",
            )?
            .into();
        let signature_algorithms = read_u16_list(
            r,
            LengthPrefix::U16,
            2,
            0xfffe,
            "CertificateRequest.supported_signature_algorithms",
        )?;
        // RFC 5246 §7.4.4: the list may be empty (any CA); `read_authorities` wants ≥ 3.
        let certificate_authorities = if r.peek_rest().starts_with(&[0, 0]) {
            r.u16(WHAT)?;
            List::default()
        } else {
            read_authorities(r, "CertificateRequest.certificate_authorities")?
        };
        Ok(Self {
            certificate_types,
            signature_algorithms,
            certificate_authorities,
        })
    }
}

impl<'a> Codec<'a> for Certificate12<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.certificate_list.encode(out, LengthPrefix::U24);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "Certificate.certificate_list";
        Ok(Self {
            certificate_list: List::read(r, LengthPrefix::U24, 0, 0xff_ffff, WHAT)?,
        })
    }
}

impl<'a> Codec<'a> for Asn1Cert<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U24, self.0);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self(r.opaque(
            LengthPrefix::U24,
            1,
            0xff_ffff,
            "Certificate.certificate_list",
        )?))
    }
}

impl<'a> Certificate12<'a> {
    /// The DER certificates, sender's first, borrowed from the message.
    pub fn certificates(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + Clone + '_ {
        self.certificate_list.iter().map(|cert| cert.0)
    }

    /// The DER certificates, sender's first, copied out of the message (in one
    /// allocation) for a receiver that keeps them.
    pub fn to_chain(&self) -> CertificateChain {
        CertificateChain::new(self.certificates())
    }
}

impl CertificateRequest12<'_> {
    /// A copy that outlives the message, for a client that answers it only after the
    /// server's flight ends (RFC 5246 §7.4.6).
    pub fn into_owned(self) -> CertificateRequest12<'static> {
        CertificateRequest12 {
            certificate_types: Cow::Owned(self.certificate_types.into_owned()),
            signature_algorithms: self
                .signature_algorithms
                .to_owned_with(std::convert::identity),
            certificate_authorities: self
                .certificate_authorities
                .to_owned_with(DistinguishedName::into_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::extensions::test_support::assert_round_trip;
    use crate::wire::handshake::HandshakePayload;

    fn ske() -> ServerKeyExchange<'static> {
        ServerKeyExchange {
            params: ServerEcdhParams {
                named_group: NamedGroup::x25519,
                public: &[9; 32],
            },
            signature: CertificateVerify {
                algorithm: SignatureScheme::ecdsa_secp256r1_sha256,
                signature: &[1, 2, 3],
            },
        }
    }

    #[test]
    fn server_key_exchange_round_trips_with_the_rfc_layout() {
        let m = ske();
        assert_round_trip!(&m);
        let bytes = m.to_vec();
        // curve_type named_curve(3), x25519 (0x001d), point length 32.
        assert_eq!(&bytes[..4], &[3, 0, 0x1d, 32]);
        assert_eq!(m.params.to_vec(), bytes[..36]);
    }

    #[test]
    fn server_key_exchange_refuses_explicit_curves_and_empty_points() {
        let mut bytes = ske().to_vec();
        bytes[0] = 1; // explicit_prime
        let err = ServerKeyExchange::decode(&bytes).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::IllegalValue);
        let empty_point = [3, 0, 0x17, 0, 4, 3, 0, 0];
        assert!(ServerKeyExchange::decode(&empty_point).is_err());
        assert!(ServerKeyExchange::decode(&ske().to_vec()[..40]).is_err());
    }

    #[test]
    fn client_key_exchange_bodies_round_trip() {
        assert_round_trip!(&ClientEcdhPublic { public: &[4; 65] });
        assert_round_trip!(&EncryptedPreMasterSecret {
            ciphertext: &[7; 256],
        });
        assert!(ClientEcdhPublic::decode(&[0]).is_err());
        assert!(ClientEcdhPublic::decode(&[2, 1]).is_err());
    }

    #[test]
    fn certificate_request_round_trips_with_and_without_authorities() {
        let mut cr = CertificateRequest12 {
            certificate_types: Cow::Borrowed(&[
                client_certificate_type::RSA_SIGN,
                client_certificate_type::ECDSA_SIGN,
            ]),
            signature_algorithms: List::from(&[SignatureScheme::ecdsa_secp256r1_sha256]),
            certificate_authorities: List::default(),
        };
        assert_round_trip!(&cr);
        cr.certificate_authorities = vec![DistinguishedName(Cow::Borrowed(&[0x30, 0]))].into();
        assert_round_trip!(&cr);
        assert!(CertificateRequest12::decode(&[0, 0, 2, 4, 3, 0, 0]).is_err());
    }

    #[test]
    fn certificate_round_trips_and_refuses_empty_entries() {
        assert_round_trip!(&Certificate12 {
            certificate_list: List::from(&[Asn1Cert(&[1; 3]), Asn1Cert(&[2; 5])]),
        });
        assert_round_trip!(&Certificate12::default());
        assert!(Certificate12::decode(&[0, 0, 3, 0, 0, 0]).is_err());
    }

    #[test]
    fn tls12_decoder_reads_the_tls12_forms() {
        let cert = HandshakePayload::Certificate12(Certificate12 {
            certificate_list: List::from(&[Asn1Cert(&[1; 3])]),
        });
        let bytes = cert.to_vec();
        assert_eq!(HandshakePayload::decode_tls12(&bytes).unwrap(), cert);
        for m in [
            HandshakePayload::ServerHelloDone,
            HandshakePayload::HelloRequest,
            HandshakePayload::ServerKeyExchange(ske()),
            HandshakePayload::ClientKeyExchange(ClientKeyExchange { body: &[1, 4] }),
            HandshakePayload::NewSessionTicket12(NewSessionTicket12 {
                lifetime_hint: 7200,
                ticket: &[5; 40],
            }),
        ] {
            assert_eq!(HandshakePayload::decode_tls12(&m.to_vec()).unwrap(), m);
        }
        // ServerHelloDone and HelloRequest are empty (RFC 5246 §7.4.5, §7.4.1.1).
        assert!(HandshakePayload::decode_tls12(&[14, 0, 0, 1, 0]).is_err());
        assert!(HandshakePayload::decode_tls12(&[0, 0, 0, 1, 0]).is_err());
        // RFC 5077 §3.3: a hint, then the ticket; nothing after it.
        assert_eq!(
            HandshakePayload::decode_tls12(&[4, 0, 0, 6, 0, 0, 0, 9, 0, 0]).unwrap(),
            HandshakePayload::NewSessionTicket12(NewSessionTicket12 {
                lifetime_hint: 9,
                ticket: &[]
            })
        );
        assert!(HandshakePayload::decode_tls12(&[4, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn tls12_messages_decode_then_encode_stably(
            typ in proptest::sample::select(vec![0u8, 1, 2, 11, 12, 13, 14, 15, 16, 20, 24]),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let mut raw = vec![typ];
            raw.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            raw.extend_from_slice(&body);
            if let Ok(message) = HandshakePayload::decode_tls12(&raw) {
                let encoded = message.to_vec();
                let again = HandshakePayload::decode_tls12(&encoded).unwrap();
                proptest::prop_assert_eq!(&again, &message);
                proptest::prop_assert_eq!(again.to_vec(), encoded);
            }
        }
    }
}
