//! The ClientHello's extensions (RFC 8446 §4.1.2, §4.2).

use std::borrow::Cow;

use crate::wire::codec::{write_opaque, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
use crate::wire::enums::{
    EcPointFormat, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
};
use crate::wire::extensions::payloads::{
    owned, read_alpn_list, read_authorities, read_server_name, read_u16_list, read_u8_list,
    write_server_name, CertificateStatusRequest, DistinguishedName, KeyShareEntry, OfferedPsks,
    ProtocolName,
};
use crate::wire::extensions::{
    encode_block, read_block, write_extension, write_raw, ExtensionBlock, ExtensionContext,
    ExtensionWriter, RawExtension, SeenTypes,
};
use crate::wire::list::List;

/// The extensions of a ClientHello. `None`/`false` means absent. Decoded, every value
/// borrows the message's bytes; the client keeps the ClientHello it sends owned
/// (`ClientHelloExtensions<'static>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHelloExtensions<'a> {
    /// server_name (RFC 6066 §3): the one `host_name` of the ServerNameList.
    pub server_name: Option<Cow<'a, str>>,
    /// supported_versions (RFC 8446 §4.2.1): `ProtocolVersion versions<2..254>`.
    pub supported_versions: Option<List<'a, ProtocolVersion>>,
    /// supported_groups (RFC 8446 §4.2.7): `NamedGroup named_group_list<2..2^16-1>`.
    pub supported_groups: Option<List<'a, NamedGroup>>,
    /// key_share (RFC 8446 §4.2.8): `KeyShareEntry client_shares<0..2^16-1>`, which may be
    /// empty (to ask for a HelloRetryRequest). Two entries for one group are rejected
    /// while decoding (§4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for
    /// the same group"; servers MAY check, with `illegal_parameter`).
    pub key_share: Option<List<'a, KeyShareEntry<'a>>>,
    /// signature_algorithms (RFC 8446 §4.2.3):
    /// `SignatureScheme supported_signature_algorithms<2..2^16-2>`.
    pub signature_algorithms: Option<List<'a, SignatureScheme>>,
    /// signature_algorithms_cert (RFC 8446 §4.2.3), same encoding.
    pub signature_algorithms_cert: Option<List<'a, SignatureScheme>>,
    /// application_layer_protocol_negotiation (RFC 7301 §3.1): non-empty protocol names.
    pub alpn: Option<List<'a, ProtocolName<'a>>>,
    /// cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`, echoed from a
    /// HelloRetryRequest.
    pub cookie: Option<Cow<'a, [u8]>>,
    /// psk_key_exchange_modes (RFC 8446 §4.2.9): `PskKeyExchangeMode ke_modes<1..255>`.
    pub psk_key_exchange_modes: Option<List<'a, PskKeyExchangeMode>>,
    /// early_data (RFC 8446 §4.2.10): empty in a ClientHello.
    pub early_data: bool,
    /// certificate_authorities (RFC 8446 §4.2.4): `DistinguishedName authorities<3..2^16-1>`.
    pub certificate_authorities: Option<List<'a, DistinguishedName<'a>>>,
    /// post_handshake_auth (RFC 8446 §4.2.6): empty.
    pub post_handshake_auth: bool,
    /// status_request (RFC 6066 §8): an OCSP stapling request, kept unparsed.
    pub status_request: Option<CertificateStatusRequest<'a>>,
    /// record_size_limit (RFC 8449 §4): at least 64, else `illegal_parameter`.
    pub record_size_limit: Option<u16>,
    /// renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`;
    /// TLS 1.2 only.
    pub renegotiation_info: Option<Cow<'a, [u8]>>,
    /// extended_master_secret (RFC 7627 §5.1): empty; TLS 1.2 only.
    pub extended_master_secret: bool,
    /// ec_point_formats (RFC 8422 §5.1.2): `ECPointFormat ec_point_format_list<1..2^8-1>`;
    /// TLS 1.2 only.
    pub ec_point_formats: Option<List<'a, EcPointFormat>>,
    /// session_ticket (RFC 5077 §3.2): the ticket (possibly empty); TLS 1.2 only.
    pub session_ticket: Option<Cow<'a, [u8]>>,
    /// Every other extension (unknown, GREASE, or known but not parsed here), in order.
    pub other: Vec<RawExtension<'a>>,
    /// pre_shared_key (RFC 8446 §4.2.11). It must be the last extension: one anywhere else
    /// is rejected while decoding with `MisplacedExtension` (→ `illegal_parameter`), and it
    /// is always encoded last.
    pub pre_shared_key: Option<OfferedPsks<'a>>,
}

const WHAT: &str = "ClientHello.extensions";

impl ExtensionBlock for ClientHelloExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::ClientHello;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if let Some(name) = &self.server_name {
            write_extension(out, ExtensionType::ServerName, |out| {
                write_server_name(out, name)
            });
        }
        if let Some(versions) = &self.supported_versions {
            write_extension(out, ExtensionType::SupportedVersions, |out| {
                versions.encode(out, LengthPrefix::U8)
            });
        }
        if let Some(groups) = &self.supported_groups {
            write_extension(out, ExtensionType::SupportedGroups, |out| {
                groups.encode(out, LengthPrefix::U16)
            });
        }
        if let Some(shares) = &self.key_share {
            write_extension(out, ExtensionType::KeyShare, |out| {
                shares.encode(out, LengthPrefix::U16)
            });
        }
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
        if let Some(names) = &self.alpn {
            write_extension(
                out,
                ExtensionType::ApplicationLayerProtocolNegotiation,
                |out| names.encode(out, LengthPrefix::U16),
            );
        }
        if let Some(cookie) = &self.cookie {
            write_extension(out, ExtensionType::Cookie, |out| {
                write_opaque(out, LengthPrefix::U16, cookie)
            });
        }
        if let Some(modes) = &self.psk_key_exchange_modes {
            write_extension(out, ExtensionType::PskKeyExchangeModes, |out| {
                modes.encode(out, LengthPrefix::U8)
            });
        }
        if self.early_data {
            write_extension(out, ExtensionType::EarlyData, |_| {});
        }
        if let Some(names) = &self.certificate_authorities {
            write_extension(out, ExtensionType::CertificateAuthorities, |out| {
                names.encode(out, LengthPrefix::U16)
            });
        }
        if self.post_handshake_auth {
            write_extension(out, ExtensionType::PostHandshakeAuth, |_| {});
        }
        if let Some(request) = &self.status_request {
            write_extension(out, ExtensionType::StatusRequest, |out| request.encode(out));
        }
        if let Some(limit) = self.record_size_limit {
            write_extension(out, ExtensionType::RecordSizeLimit, |out| {
                out.extend_from_slice(&limit.to_be_bytes())
            });
        }
        if let Some(info) = &self.renegotiation_info {
            write_extension(out, ExtensionType::RenegotiationInfo, |out| {
                write_opaque(out, LengthPrefix::U8, info)
            });
        }
        if self.extended_master_secret {
            write_extension(out, ExtensionType::ExtendedMasterSecret, |_| {});
        }
        if let Some(formats) = &self.ec_point_formats {
            write_extension(out, ExtensionType::EcPointFormats, |out| {
                formats.encode(out, LengthPrefix::U8)
            });
        }
        if let Some(ticket) = &self.session_ticket {
            write_extension(out, ExtensionType::SessionTicket, |out| {
                out.extend_from_slice(ticket)
            });
        }
        write_raw(out, &self.other);
        if let Some(psks) = &self.pre_shared_key {
            write_extension(out, ExtensionType::PreSharedKey, |out| psks.encode(out));
        }
    }
}

impl ClientHelloExtensions<'_> {
    /// The length of the `binders` list at the end of an encoded ClientHello that carries
    /// `pre_shared_key`, including its two-byte prefix: the transcript for binder
    /// computation is the ClientHello truncated by this many bytes (RFC 8446 §4.2.11.2).
    pub fn binders_len(&self) -> Option<usize> {
        let psks = self.pre_shared_key.as_ref()?;
        Some(2 + psks.binders.elements_len(|binder| 1 + binder.0.len()))
    }
}

impl ClientHelloExtensions<'_> {
    /// A copy that outlives the message (a client adopting a ClientHello it was given).
    pub fn into_owned(self) -> ClientHelloExtensions<'static> {
        ClientHelloExtensions {
            server_name: self.server_name.map(|n| Cow::Owned(n.into_owned())),
            supported_versions: self
                .supported_versions
                .map(|l| l.to_owned_with(std::convert::identity)),
            supported_groups: self
                .supported_groups
                .map(|l| l.to_owned_with(std::convert::identity)),
            key_share: self
                .key_share
                .map(|l| l.to_owned_with(KeyShareEntry::into_owned)),
            signature_algorithms: self
                .signature_algorithms
                .map(|l| l.to_owned_with(std::convert::identity)),
            signature_algorithms_cert: self
                .signature_algorithms_cert
                .map(|l| l.to_owned_with(std::convert::identity)),
            alpn: self
                .alpn
                .map(|l| l.to_owned_with(|name| ProtocolName(owned(name.0)))),
            cookie: self.cookie.map(owned),
            psk_key_exchange_modes: self
                .psk_key_exchange_modes
                .map(|l| l.to_owned_with(std::convert::identity)),
            early_data: self.early_data,
            certificate_authorities: self
                .certificate_authorities
                .map(|l| l.to_owned_with(DistinguishedName::into_owned)),
            post_handshake_auth: self.post_handshake_auth,
            status_request: self.status_request.map(|r| CertificateStatusRequest {
                status_type: r.status_type,
                request: owned(r.request),
            }),
            record_size_limit: self.record_size_limit,
            renegotiation_info: self.renegotiation_info.map(owned),
            extended_master_secret: self.extended_master_secret,
            ec_point_formats: self
                .ec_point_formats
                .map(|l| l.to_owned_with(std::convert::identity)),
            session_ticket: self.session_ticket.map(owned),
            other: self
                .other
                .into_iter()
                .map(|ext| RawExtension {
                    typ: ext.typ,
                    data: owned(ext.data),
                })
                .collect(),
            pre_shared_key: self.pre_shared_key.map(OfferedPsks::into_owned),
        }
    }
}

impl<'a> Codec<'a> for ClientHelloExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let mut exts = Self::default();
        let mut psk_seen = false;
        let other = read_block(r, 0, true, WHAT, |typ, data| {
            if psk_seen {
                // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last
                // extension in the ClientHello ... Servers MUST check that it is the last
                // extension and otherwise fail the handshake with an "illegal_parameter"
                // alert."
                return Err(DecodeError::new(
                    "ClientHello.pre_shared_key",
                    DecodeErrorKind::MisplacedExtension(ExtensionType::PreSharedKey),
                ));
            }
            psk_seen = typ == ExtensionType::PreSharedKey;
            exts.read_one(typ, data)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

impl<'a> ClientHelloExtensions<'a> {
    /// Parses one extension into its field; `Ok(false)` keeps it in `other`.
    fn read_one(&mut self, typ: ExtensionType, data: &mut Reader<'a>) -> Result<bool, DecodeError> {
        match typ {
            ExtensionType::ServerName => {
                self.server_name = Some(Cow::Borrowed(read_server_name(data)?))
            }
            ExtensionType::SupportedVersions => {
                self.supported_versions = Some(read_u16_list(
                    data,
                    LengthPrefix::U8,
                    2,
                    254,
                    "ClientHello.supported_versions",
                )?)
            }
            ExtensionType::SupportedGroups => {
                self.supported_groups = Some(read_u16_list(
                    data,
                    LengthPrefix::U16,
                    2,
                    0xffff,
                    "ClientHello.supported_groups",
                )?)
            }
            ExtensionType::KeyShare => self.key_share = Some(read_client_shares(data)?),
            ExtensionType::SignatureAlgorithms => {
                self.signature_algorithms = Some(read_u16_list(
                    data,
                    LengthPrefix::U16,
                    2,
                    0xfffe,
                    "ClientHello.signature_algorithms",
                )?)
            }
            ExtensionType::SignatureAlgorithmsCert => {
                self.signature_algorithms_cert = Some(read_u16_list(
                    data,
                    LengthPrefix::U16,
                    2,
                    0xfffe,
                    "ClientHello.signature_algorithms_cert",
                )?)
            }
            ExtensionType::ApplicationLayerProtocolNegotiation => {
                self.alpn = Some(read_alpn_list(data, "ClientHello.alpn")?)
            }
            ExtensionType::Cookie => {
                self.cookie = Some(
                    data.opaque(LengthPrefix::U16, 1, 0xffff, "ClientHello.cookie")?
                        .into(),
                )
            }
            ExtensionType::PskKeyExchangeModes => {
                self.psk_key_exchange_modes = Some(read_u8_list(
                    data,
                    1,
                    255,
                    "ClientHello.psk_key_exchange_modes",
                )?)
            }
            ExtensionType::EarlyData => self.early_data = true,
            ExtensionType::CertificateAuthorities => {
                self.certificate_authorities = Some(read_authorities(
                    data,
                    "ClientHello.certificate_authorities",
                )?)
            }
            ExtensionType::PostHandshakeAuth => self.post_handshake_auth = true,
            ExtensionType::StatusRequest => {
                self.status_request = Some(CertificateStatusRequest::read(data)?)
            }
            ExtensionType::RecordSizeLimit => {
                self.record_size_limit = Some(read_record_size_limit(
                    data,
                    "ClientHello.record_size_limit",
                )?)
            }
            // The TLS 1.2-only extensions (RFC 5746 §3.2, RFC 7627 §5.1, RFC 8422 §5.1.2),
            // which TLS 1.3 ignores: a malformed one is kept unparsed in `other` rather than
            // refused, so it cannot fail a TLS 1.3 handshake; a TLS 1.2 server finds it
            // there and refuses it.
            ExtensionType::RenegotiationInfo => {
                match parse_whole(data, |r| {
                    r.opaque(LengthPrefix::U8, 0, 255, "ClientHello.renegotiation_info")
                }) {
                    Some(info) => self.renegotiation_info = Some(Cow::Borrowed(info)),
                    None => return Ok(false),
                }
            }
            ExtensionType::ExtendedMasterSecret if data.is_empty() => {
                self.extended_master_secret = true
            }
            ExtensionType::ExtendedMasterSecret => return Ok(false),
            ExtensionType::EcPointFormats => {
                match parse_whole(data, |r| {
                    read_u8_list(r, 1, 255, "ClientHello.ec_point_formats")
                }) {
                    Some(formats) => self.ec_point_formats = Some(formats),
                    None => return Ok(false),
                }
            }
            ExtensionType::SessionTicket => self.session_ticket = Some(Cow::Borrowed(data.rest())),
            // Its position is checked by `read` when another extension follows.
            ExtensionType::PreSharedKey => self.pre_shared_key = Some(OfferedPsks::read(data)?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `parse` over all of `data`: its value if it reads every byte (consuming them), else
/// `None` with `data` untouched.
fn parse_whole<'a, T>(
    data: &mut Reader<'a>,
    parse: impl FnOnce(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Option<T> {
    let mut attempt = data.clone();
    let value = parse(&mut attempt).ok().filter(|_| attempt.is_empty())?;
    *data = attempt;
    Some(value)
}

/// Reads `KeyShareEntry client_shares<0..2^16-1>` (RFC 8446 §4.2.8), rejecting two
/// entries for one group.
fn read_client_shares<'a>(
    data: &mut Reader<'a>,
) -> Result<List<'a, KeyShareEntry<'a>>, DecodeError> {
    const WHAT: &str = "ClientHello.key_share";
    let shares: List<'a, KeyShareEntry<'a>> = List::read(data, LengthPrefix::U16, 0, 0xffff, WHAT)?;
    let mut groups = SeenTypes::default();
    shares.iter().for_each(|s| groups.push(s.group.to_wire()));
    if groups.duplicate().is_some() {
        return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
    }
    Ok(shares)
}

/// Reads `uint16 RecordSizeLimit` (RFC 8449 §4): "An endpoint MUST treat receipt of a
/// smaller value [than 64] as a fatal error and generate an "illegal_parameter" alert."
pub(crate) fn read_record_size_limit(
    data: &mut Reader<'_>,
    what: &'static str,
) -> Result<u16, DecodeError> {
    let limit = data.u16(what)?;
    if limit < 64 {
        return Err(DecodeError::new(what, DecodeErrorKind::IllegalValue));
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::write_prefixed;
    use crate::wire::enums::CertificateStatusType;
    use crate::wire::extensions::payloads::{PskBinderEntry, PskIdentity};
    use crate::wire::extensions::test_support::assert_round_trip;
    use crate::wire::extensions::write_extension_bytes;

    pub(crate) fn full() -> ClientHelloExtensions<'static> {
        ClientHelloExtensions {
            server_name: Some("example.com".into()),
            supported_versions: Some(
                vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2].into(),
            ),
            supported_groups: Some(vec![NamedGroup::x25519, NamedGroup::secp256r1].into()),
            key_share: Some(
                vec![KeyShareEntry {
                    group: NamedGroup::x25519,
                    key_exchange: Cow::Borrowed(&[1; 32]),
                }]
                .into(),
            ),
            signature_algorithms: Some(vec![SignatureScheme::ed25519].into()),
            signature_algorithms_cert: Some(vec![SignatureScheme::rsa_pkcs1_sha256].into()),
            alpn: Some(
                vec![
                    ProtocolName(Cow::Borrowed(b"h2")),
                    ProtocolName(Cow::Borrowed(b"http/1.1")),
                ]
                .into(),
            ),
            cookie: Some(Cow::Borrowed(&[5; 10])),
            psk_key_exchange_modes: Some(vec![PskKeyExchangeMode::psk_dhe_ke].into()),
            early_data: true,
            certificate_authorities: Some(
                vec![DistinguishedName(Cow::Borrowed(&[0x30, 0]))].into(),
            ),
            post_handshake_auth: true,
            status_request: Some(CertificateStatusRequest {
                status_type: CertificateStatusType::ocsp,
                request: Cow::Borrowed(&[0, 0, 0, 0]),
            }),
            record_size_limit: Some(0x4001),
            renegotiation_info: Some(Cow::Borrowed(&[])),
            extended_master_secret: true,
            ec_point_formats: Some(vec![EcPointFormat::uncompressed].into()),
            session_ticket: Some(Cow::Borrowed(&[])),
            other: vec![RawExtension {
                typ: ExtensionType::Unknown(0x3a3a),
                data: Cow::Borrowed(&[]),
            }],
            pre_shared_key: Some(OfferedPsks {
                identities: vec![PskIdentity {
                    identity: Cow::Borrowed(&[1, 2, 3]),
                    obfuscated_ticket_age: 7,
                }]
                .into(),
                binders: vec![PskBinderEntry(Cow::Borrowed(&[0; 32]))].into(),
            }),
        }
    }

    #[test]
    fn malformed_tls12_only_extensions_are_kept_unparsed() {
        let block = |typ: u16, data: &[u8]| {
            let mut out = Vec::new();
            write_prefixed(&mut out, LengthPrefix::U16, |out| {
                write_extension_bytes(out, ExtensionType::from_wire(typ), |out| {
                    out.extend_from_slice(data)
                })
            });
            out
        };
        // ec_point_formats (11), extended_master_secret (23), renegotiation_info (0xff01).
        for (typ, data) in [
            (11, &[][..]),
            (11, &[5, 0][..]),
            (11, &[1, 0, 0][..]),
            (23, &[0][..]),
            (0xff01, &[][..]),
            (0xff01, &[3, 1][..]),
        ] {
            let bytes = block(typ, data);
            let exts = ClientHelloExtensions::decode(&bytes).unwrap();
            assert_eq!(exts.ec_point_formats, None);
            assert!(!exts.extended_master_secret);
            assert_eq!(exts.renegotiation_info, None);
            assert_eq!(exts.other.len(), 1, "{typ:#x} {data:?}");
            assert_eq!(exts.other[0].data[..], *data);
        }
        let bytes = block(11, &[1, 0]);
        let exts = ClientHelloExtensions::decode(&bytes).unwrap();
        assert!(exts.ec_point_formats.unwrap() == [EcPointFormat::uncompressed]);
    }

    #[test]
    fn every_extension_round_trips() {
        assert_round_trip!(&full());
        assert_round_trip!(&ClientHelloExtensions::default());
    }

    #[test]
    fn pre_shared_key_is_encoded_last() {
        let types = full().extension_types();
        assert_eq!(types.last(), Some(&ExtensionType::PreSharedKey));
        assert_eq!(full().binders_len(), Some(2 + 33));
    }

    #[test]
    fn rejects_pre_shared_key_before_another_extension() {
        let psk = full().pre_shared_key.unwrap().to_vec();
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            write_extension_bytes(out, ExtensionType::PreSharedKey, |out| {
                out.extend_from_slice(&psk)
            });
            write_extension_bytes(out, ExtensionType::EarlyData, |_| {});
        });
        let err = ClientHelloExtensions::decode(&block).unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::MisplacedExtension(ExtensionType::PreSharedKey)
        );
        assert_eq!(err.alert(), crate::wire::AlertDescription::IllegalParameter);
    }

    #[test]
    fn rejects_duplicate_key_share() {
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            for _ in 0..2 {
                write_extension_bytes(out, ExtensionType::KeyShare, |out| {
                    write_prefixed(out, LengthPrefix::U16, |_| {})
                });
            }
        });
        let err = ClientHelloExtensions::decode(&block).unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::DuplicateExtension(ExtensionType::KeyShare)
        );
    }

    #[test]
    fn rejects_two_key_shares_for_one_group() {
        let mut exts = full();
        exts.key_share = Some(
            vec![
                KeyShareEntry {
                    group: NamedGroup::x25519,
                    key_exchange: Cow::Borrowed(&[1; 32]),
                };
                2
            ]
            .into(),
        );
        let err = ClientHelloExtensions::decode(&exts.to_vec()).unwrap_err();
        assert_eq!(err.what, "ClientHello.key_share");
    }

    #[test]
    fn rejects_empty_supported_groups_and_versions() {
        for typ in [
            ExtensionType::SupportedGroups,
            ExtensionType::SignatureAlgorithms,
        ] {
            let mut block = Vec::new();
            write_prefixed(&mut block, LengthPrefix::U16, |out| {
                write_extension_bytes(out, typ, |out| {
                    write_prefixed(out, LengthPrefix::U16, |_| {})
                })
            });
            let err = ClientHelloExtensions::decode(&block).unwrap_err();
            assert!(matches!(err.kind, DecodeErrorKind::LengthOutOfRange { .. }));
        }
    }

    #[test]
    fn rejects_record_size_limit_below_64() {
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            write_extension_bytes(out, ExtensionType::RecordSizeLimit, |out| {
                out.extend_from_slice(&[0, 63])
            })
        });
        let err = ClientHelloExtensions::decode(&block).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::IllegalValue);
    }

    #[test]
    fn rejects_data_in_an_empty_extension() {
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            write_extension_bytes(out, ExtensionType::EarlyData, |out| out.push(0))
        });
        let err = ClientHelloExtensions::decode(&block).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    }

    #[test]
    fn grease_values_are_kept_but_ignored() {
        let mut exts = ClientHelloExtensions {
            supported_groups: Some(vec![NamedGroup::Unknown(0x2a2a), NamedGroup::x25519].into()),
            ..Default::default()
        };
        exts.other.push(RawExtension {
            typ: ExtensionType::Unknown(0x4a4a),
            data: Cow::Borrowed(&[0]),
        });
        assert_round_trip!(&exts);
        assert_eq!(exts.check_allowed(), Ok(()));
    }
}
