//! Extensions of the authentication and post-handshake messages: CertificateRequest
//! (RFC 8446 §4.3.2), CertificateEntry (§4.4.2) and NewSessionTicket (§4.6.1).

use crate::wire::codec::{write_opaque, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
use crate::wire::enums::{CertificateStatusType, ExtensionType, SignatureScheme};
use crate::wire::extensions::payloads::{read_authorities, read_u16_list, DistinguishedName};
use crate::wire::extensions::{
    encode_block, read_block, write_extension, write_raw, ExtensionBlock, ExtensionContext,
    ExtensionWriter, RawExtension,
};
use crate::wire::list::List;

/// The extensions of a CertificateRequest (RFC 8446 §4.3.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateRequestExtensions<'a> {
    /// signature_algorithms (RFC 8446 §4.2.3). §4.3.2: "The "signature_algorithms"
    /// extension MUST be specified" — its absence is for the state machine to reject with
    /// `missing_extension`.
    pub signature_algorithms: Option<List<'a, SignatureScheme>>,
    /// signature_algorithms_cert (RFC 8446 §4.2.3).
    pub signature_algorithms_cert: Option<List<'a, SignatureScheme>>,
    /// certificate_authorities (RFC 8446 §4.2.4): the CAs the server accepts.
    pub certificate_authorities: Option<List<'a, DistinguishedName<'a>>>,
    /// status_request (RFC 8446 §4.4.2.1): empty; the server would like an OCSP response
    /// with the client's certificate.
    pub status_request: bool,
    /// Every other extension (including oid_filters, §4.2.5), in order.
    pub other: Vec<RawExtension<'a>>,
}

/// The extensions of one CertificateEntry (RFC 8446 §4.4.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateEntryExtensions<'a> {
    /// status_request (RFC 8446 §4.4.2.1, RFC 6066 §8): the `OCSPResponse` bytes of a
    /// `CertificateStatus` with status_type ocsp, `opaque OCSPResponse<1..2^24-1>`.
    pub ocsp_response: Option<&'a [u8]>,
    /// signed_certificate_timestamp (RFC 6962 §3.3): the SignedCertificateTimestampList,
    /// unparsed.
    pub signed_certificate_timestamp: Option<&'a [u8]>,
    /// Every other extension, in order.
    pub other: Vec<RawExtension<'a>>,
}

/// The extensions of a NewSessionTicket (RFC 8446 §4.6.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewSessionTicketExtensions<'a> {
    /// early_data (RFC 8446 §4.2.10): `uint32 max_early_data_size`.
    pub early_data: Option<u32>,
    /// Every other extension, in order.
    pub other: Vec<RawExtension<'a>>,
}

impl ExtensionBlock for CertificateRequestExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::CertificateRequest;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if let Some(schemes) = &self.signature_algorithms {
            write_extension(out, ExtensionType::SignatureAlgorithms, |out| {
                schemes.encode(out, LengthPrefix::U16)
            });
        }
        if let Some(schemes) = &self.signature_algorithms_cert {
            write_extension(out, ExtensionType::SignatureAlgorithmsCert, |out| {
                schemes.encode(out, LengthPrefix::U16)
            });
        }
        if let Some(names) = &self.certificate_authorities {
            write_extension(out, ExtensionType::CertificateAuthorities, |out| {
                names.encode(out, LengthPrefix::U16)
            });
        }
        if self.status_request {
            write_extension(out, ExtensionType::StatusRequest, |_| {});
        }
        write_raw(out, &self.other);
    }
}

impl ExtensionBlock for CertificateEntryExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::Certificate;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if let Some(response) = self.ocsp_response {
            write_extension(out, ExtensionType::StatusRequest, |out| {
                CertificateStatusType::ocsp.encode(out);
                write_opaque(out, LengthPrefix::U24, response);
            });
        }
        if let Some(scts) = self.signed_certificate_timestamp {
            write_extension(out, ExtensionType::SignedCertificateTimestamp, |out| {
                out.extend_from_slice(scts)
            });
        }
        write_raw(out, &self.other);
    }
}

impl ExtensionBlock for NewSessionTicketExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::NewSessionTicket;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if let Some(max) = self.early_data {
            write_extension(out, ExtensionType::EarlyData, |out| {
                out.extend_from_slice(&max.to_be_bytes())
            });
        }
        write_raw(out, &self.other);
    }
}

impl<'a> Codec<'a> for CertificateRequestExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    /// `Extension extensions<2..2^16-1>` (RFC 8446 §4.3.2).
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateRequest.extensions";
        let mut exts = Self::default();
        let other = read_block(r, 2, false, WHAT, |typ, data| {
            match typ {
                ExtensionType::SignatureAlgorithms => {
                    exts.signature_algorithms = Some(read_u16_list(
                        data,
                        LengthPrefix::U16,
                        2,
                        0xfffe,
                        "CertificateRequest.signature_algorithms",
                    )?)
                }
                ExtensionType::SignatureAlgorithmsCert => {
                    exts.signature_algorithms_cert = Some(read_u16_list(
                        data,
                        LengthPrefix::U16,
                        2,
                        0xfffe,
                        "CertificateRequest.signature_algorithms_cert",
                    )?)
                }
                ExtensionType::CertificateAuthorities => {
                    exts.certificate_authorities = Some(read_authorities(
                        data,
                        "CertificateRequest.certificate_authorities",
                    )?)
                }
                ExtensionType::StatusRequest => exts.status_request = true,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

impl<'a> Codec<'a> for CertificateEntryExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    /// `Extension extensions<0..2^16-1>` (RFC 8446 §4.4.2).
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateEntry.extensions";
        let mut exts = Self::default();
        let other = read_block(r, 0, false, WHAT, |typ, data| {
            match typ {
                ExtensionType::StatusRequest => {
                    const STATUS: &str = "CertificateEntry.status_request";
                    if data.u8(STATUS)? != CertificateStatusType::ocsp.to_wire() {
                        return Err(DecodeError::new(STATUS, DecodeErrorKind::IllegalValue));
                    }
                    exts.ocsp_response =
                        Some(data.opaque(LengthPrefix::U24, 1, 0xff_ffff, STATUS)?);
                }
                ExtensionType::SignedCertificateTimestamp => {
                    exts.signed_certificate_timestamp = Some(data.rest())
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

impl<'a> Codec<'a> for NewSessionTicketExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    /// `Extension extensions<0..2^16-2>` (RFC 8446 §4.6.1).
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "NewSessionTicket.extensions";
        let mut exts = Self::default();
        let other = read_block(r, 0, false, WHAT, |typ, data| {
            match typ {
                ExtensionType::EarlyData => {
                    exts.early_data = Some(data.u32("NewSessionTicket.early_data")?)
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::wire::codec::write_prefixed;
    use crate::wire::extensions::test_support::assert_round_trip;
    use crate::wire::extensions::write_extension_bytes;

    #[test]
    fn certificate_request_extensions_round_trip() {
        assert_round_trip!(&CertificateRequestExtensions {
            signature_algorithms: Some(List::from(&[
                SignatureScheme::ecdsa_secp256r1_sha256,
                SignatureScheme::rsa_pss_rsae_sha256,
            ])),
            signature_algorithms_cert: Some(List::from(&[SignatureScheme::rsa_pkcs1_sha256])),
            certificate_authorities: Some(
                vec![DistinguishedName(Cow::Borrowed(&[0x30, 3, 1, 2, 3]))].into(),
            ),
            status_request: true,
            other: vec![RawExtension {
                typ: ExtensionType::OidFilters,
                data: Cow::Borrowed(&[0, 0]),
            }],
        });
    }

    #[test]
    fn rejects_empty_certificate_request_extension_block() {
        let err = CertificateRequestExtensions::decode(&[0, 0]).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::LengthOutOfRange { .. }));
    }

    #[test]
    fn rejects_empty_certificate_authorities() {
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            write_extension_bytes(out, ExtensionType::CertificateAuthorities, |out| {
                write_prefixed(out, LengthPrefix::U16, |_| {})
            })
        });
        let err = CertificateRequestExtensions::decode(&block).unwrap_err();
        assert_eq!(err.what, "CertificateRequest.certificate_authorities");
    }

    #[test]
    fn certificate_entry_extensions_round_trip() {
        assert_round_trip!(&CertificateEntryExtensions {
            ocsp_response: Some(&[0x30, 0x03, 0x0a, 0x01, 0x00]),
            signed_certificate_timestamp: Some(&[0, 0]),
            other: vec![],
        });
        assert_round_trip!(&CertificateEntryExtensions::default());
    }

    #[test]
    fn new_session_ticket_extensions_round_trip() {
        assert_round_trip!(&NewSessionTicketExtensions {
            early_data: Some(16384),
            other: vec![RawExtension {
                typ: ExtensionType::Unknown(0xfafa),
                data: Cow::Borrowed(&[]),
            }],
        });
    }
}
