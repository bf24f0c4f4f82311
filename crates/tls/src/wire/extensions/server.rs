//! The server's hello-phase extensions: ServerHello (RFC 8446 §4.1.3), HelloRetryRequest
//! (§4.1.4) and EncryptedExtensions (§4.3.1).

use crate::wire::codec::{write_opaque, Codec, DecodeError, LengthPrefix, Reader};
use crate::wire::enums::{ExtensionType, NamedGroup, ProtocolVersion};
use crate::wire::extensions::client_hello::read_record_size_limit;
use crate::wire::extensions::payloads::KeyShareEntry;
use crate::wire::extensions::payloads::{read_selected_alpn, read_u16_list, write_alpn_list};
use crate::wire::extensions::{
    encode_block, read_block, write_extension, write_raw, ExtensionBlock, ExtensionContext,
    ExtensionWriter, RawExtension,
};
use crate::wire::list::List;

/// The extensions of a ServerHello (RFC 8446 §4.1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHelloExtensions<'a> {
    /// supported_versions (RFC 8446 §4.2.1): `ProtocolVersion selected_version`.
    pub supported_versions: Option<ProtocolVersion>,
    /// key_share (RFC 8446 §4.2.8): `KeyShareEntry server_share`.
    pub key_share: Option<KeyShareEntry<'a>>,
    /// pre_shared_key (RFC 8446 §4.2.11): `uint16 selected_identity`.
    pub pre_shared_key: Option<u16>,
    /// Every other extension, in order. In a TLS 1.2 ServerHello this holds its
    /// extensions (renegotiation_info, ...), which a TLS 1.3 client never parses.
    pub other: Vec<RawExtension<'a>>,
}

/// The extensions of a HelloRetryRequest (RFC 8446 §4.1.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelloRetryRequestExtensions<'a> {
    /// supported_versions (RFC 8446 §4.2.1): `ProtocolVersion selected_version`.
    pub supported_versions: Option<ProtocolVersion>,
    /// key_share (RFC 8446 §4.2.8): `NamedGroup selected_group`.
    pub key_share: Option<NamedGroup>,
    /// cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`.
    pub cookie: Option<&'a [u8]>,
    /// Every other extension, in order.
    pub other: Vec<RawExtension<'a>>,
}

/// The extensions of EncryptedExtensions (RFC 8446 §4.3.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptedExtensionsExtensions<'a> {
    /// server_name (RFC 6066 §3): the server acknowledges SNI with empty extension data.
    pub server_name: bool,
    /// supported_groups (RFC 8446 §4.2.7): the server's groups, for the client's next
    /// connection.
    pub supported_groups: Option<List<'a, NamedGroup>>,
    /// application_layer_protocol_negotiation (RFC 7301 §3.1): the one selected protocol
    /// ("the ProtocolNameList MUST contain exactly one ProtocolName").
    pub alpn: Option<&'a [u8]>,
    /// early_data (RFC 8446 §4.2.10): empty; the server accepted 0-RTT data.
    pub early_data: bool,
    /// record_size_limit (RFC 8449 §4).
    pub record_size_limit: Option<u16>,
    /// Every other extension, in order.
    pub other: Vec<RawExtension<'a>>,
}

impl ExtensionBlock for ServerHelloExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::ServerHello;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if let Some(version) = self.supported_versions {
            write_extension(out, ExtensionType::SupportedVersions, |out| {
                version.encode(out)
            });
        }
        if let Some(share) = &self.key_share {
            write_extension(out, ExtensionType::KeyShare, |out| share.encode(out));
        }
        if let Some(index) = self.pre_shared_key {
            write_extension(out, ExtensionType::PreSharedKey, |out| {
                out.extend_from_slice(&index.to_be_bytes())
            });
        }
        write_raw(out, &self.other);
    }
}

impl ExtensionBlock for HelloRetryRequestExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::HelloRetryRequest;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if let Some(version) = self.supported_versions {
            write_extension(out, ExtensionType::SupportedVersions, |out| {
                version.encode(out)
            });
        }
        if let Some(group) = self.key_share {
            write_extension(out, ExtensionType::KeyShare, |out| group.encode(out));
        }
        if let Some(cookie) = self.cookie {
            write_extension(out, ExtensionType::Cookie, |out| {
                write_opaque(out, LengthPrefix::U16, cookie)
            });
        }
        write_raw(out, &self.other);
    }
}

impl ExtensionBlock for EncryptedExtensionsExtensions<'_> {
    const CONTEXT: ExtensionContext = ExtensionContext::EncryptedExtensions;

    fn write_extensions(&self, out: &mut ExtensionWriter<'_>) {
        if self.server_name {
            write_extension(out, ExtensionType::ServerName, |_| {});
        }
        if let Some(groups) = &self.supported_groups {
            write_extension(out, ExtensionType::SupportedGroups, |out| {
                groups.encode(out, LengthPrefix::U16)
            });
        }
        if let Some(name) = self.alpn {
            write_extension(
                out,
                ExtensionType::ApplicationLayerProtocolNegotiation,
                |out| write_alpn_list(out, &[name]),
            );
        }
        if self.early_data {
            write_extension(out, ExtensionType::EarlyData, |_| {});
        }
        if let Some(limit) = self.record_size_limit {
            write_extension(out, ExtensionType::RecordSizeLimit, |out| {
                out.extend_from_slice(&limit.to_be_bytes())
            });
        }
        write_raw(out, &self.other);
    }
}

impl<'a> Codec<'a> for ServerHelloExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    /// RFC 8446 §4.1.3 gives `extensions<6..2^16-1>`, but a TLS 1.2 ServerHello may omit
    /// the block or send fewer bytes (RFC 5246 §7.4.1.3); both are accepted so that the
    /// client can answer a downgrade with `protocol_version` instead of `decode_error`.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "ServerHello.extensions";
        let mut exts = Self::default();
        let other = read_block(r, 0, true, WHAT, |typ, data| {
            match typ {
                ExtensionType::SupportedVersions => {
                    exts.supported_versions = Some(ProtocolVersion::from_wire(
                        data.u16("ServerHello.supported_versions")?,
                    ))
                }
                ExtensionType::KeyShare => {
                    exts.key_share = Some(
                        KeyShareEntry::read(data)
                            .map_err(|e| DecodeError::new("ServerHello.key_share", e.kind))?,
                    )
                }
                ExtensionType::PreSharedKey => {
                    exts.pre_shared_key = Some(data.u16("ServerHello.pre_shared_key")?)
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

impl<'a> Codec<'a> for HelloRetryRequestExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    /// `extensions<6..2^16-1>` (RFC 8446 §4.1.3): a HelloRetryRequest always carries at
    /// least supported_versions.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "HelloRetryRequest.extensions";
        let mut exts = Self::default();
        let other = read_block(r, 6, false, WHAT, |typ, data| {
            match typ {
                ExtensionType::SupportedVersions => {
                    exts.supported_versions = Some(ProtocolVersion::from_wire(
                        data.u16("HelloRetryRequest.supported_versions")?,
                    ))
                }
                ExtensionType::KeyShare => {
                    exts.key_share = Some(NamedGroup::from_wire(
                        data.u16("HelloRetryRequest.key_share")?,
                    ))
                }
                ExtensionType::Cookie => {
                    exts.cookie = Some(data.opaque(
                        LengthPrefix::U16,
                        1,
                        0xffff,
                        "HelloRetryRequest.cookie",
                    )?)
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

impl<'a> Codec<'a> for EncryptedExtensionsExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_block(self, out);
    }

    /// `Extension extensions<0..2^16-1>` (RFC 8446 §4.3.1).
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "EncryptedExtensions.extensions";
        let mut exts = Self::default();
        let other = read_block(r, 0, false, WHAT, |typ, data| {
            match typ {
                ExtensionType::ServerName => exts.server_name = true,
                ExtensionType::SupportedGroups => {
                    exts.supported_groups = Some(read_u16_list(
                        data,
                        LengthPrefix::U16,
                        2,
                        0xffff,
                        "EncryptedExtensions.supported_groups",
                    )?)
                }
                ExtensionType::ApplicationLayerProtocolNegotiation => {
                    const ALPN: &str = "EncryptedExtensions.alpn";
                    exts.alpn = Some(read_selected_alpn(data, ALPN)?);
                }
                ExtensionType::EarlyData => exts.early_data = true,
                ExtensionType::RecordSizeLimit => {
                    exts.record_size_limit = Some(read_record_size_limit(
                        data,
                        "EncryptedExtensions.record_size_limit",
                    )?)
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
    use crate::wire::codec::DecodeErrorKind;
    use crate::wire::extensions::test_support::assert_round_trip;
    use crate::wire::extensions::write_extension_bytes;

    #[test]
    fn server_hello_extensions_round_trip() {
        assert_round_trip!(&ServerHelloExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(KeyShareEntry {
                group: NamedGroup::secp256r1,
                key_exchange: Cow::Borrowed(&[4; 65]),
            }),
            pre_shared_key: Some(0),
            other: vec![],
        });
    }

    #[test]
    fn hello_retry_request_extensions_round_trip() {
        assert_round_trip!(&HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(NamedGroup::secp384r1),
            cookie: Some(&[1, 2, 3]),
            other: vec![],
        });
    }

    #[test]
    fn encrypted_extensions_round_trip() {
        assert_round_trip!(&EncryptedExtensionsExtensions {
            server_name: true,
            supported_groups: Some(List::from(&[NamedGroup::x25519])),
            alpn: Some(b"h2"),
            early_data: true,
            record_size_limit: Some(1024),
            other: vec![RawExtension {
                typ: ExtensionType::Unknown(0xaaaa),
                data: Cow::Borrowed(&[1]),
            }],
        });
        assert_round_trip!(&EncryptedExtensionsExtensions::default());
    }

    #[test]
    fn rejects_two_alpn_protocols_from_the_server() {
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            write_extension_bytes(
                out,
                ExtensionType::ApplicationLayerProtocolNegotiation,
                |out| write_alpn_list(out, &[b"h2", b"h3"]),
            )
        });
        let err = EncryptedExtensionsExtensions::decode(&block).unwrap_err();
        assert_eq!(err.what, "EncryptedExtensions.alpn");
    }

    #[test]
    fn server_name_in_server_hello_is_not_allowed() {
        let exts = ServerHelloExtensions {
            other: vec![RawExtension {
                typ: ExtensionType::ServerName,
                data: Cow::Borrowed(&[]),
            }],
            ..Default::default()
        };
        assert_eq!(exts.check_allowed(), Err(ExtensionType::ServerName));
    }

    #[test]
    fn finds_unsolicited_extensions_except_hrr_cookie() {
        let sh = ServerHelloExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            pre_shared_key: Some(0),
            ..Default::default()
        };
        assert_eq!(
            sh.first_unsolicited(&[ExtensionType::SupportedVersions]),
            Some(ExtensionType::PreSharedKey)
        );
        let hrr = HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            cookie: Some(&[1]),
            ..Default::default()
        };
        assert_eq!(
            hrr.first_unsolicited(&[ExtensionType::SupportedVersions]),
            None
        );
    }

    #[test]
    fn truncated_key_share_names_server_hello_key_share() {
        let mut block = Vec::new();
        write_prefixed(&mut block, LengthPrefix::U16, |out| {
            write_extension_bytes(out, ExtensionType::KeyShare, |out| {
                out.extend_from_slice(&[0, 0x1d, 0, 32, 1])
            })
        });
        let err = ServerHelloExtensions::decode(&block).unwrap_err();
        assert_eq!(err.what, "ServerHello.key_share");
        assert_eq!(err.kind, DecodeErrorKind::Truncated);
    }
}
