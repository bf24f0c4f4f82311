//! The extensions of a TLS 1.2 ServerHello (RFC 5246 §7.4.1.4): answers to the client's
//! server_name (RFC 6066 §3), renegotiation_info (RFC 5746 §3.2), extended_master_secret
//! (RFC 7627 §5.1), ec_point_formats (RFC 8422 §5.2), ALPN (RFC 7301 §3.1) and
//! session_ticket (RFC 5077 §3.2).
//!
//! The ServerHello is shared with TLS 1.3, whose extension block
//! ([`ServerHelloExtensions`](super::ServerHelloExtensions)) keeps every extension it does
//! not know in `other`: these are read from there, and written there.

use std::borrow::Cow;

use crate::wire::codec::{write_opaque, Codec, DecodeError, LengthPrefix, Reader};
use crate::wire::enums::{EcPointFormat, ExtensionType};
use crate::wire::extensions::payloads::{read_selected_alpn, read_u8_list, write_alpn_list};
use crate::wire::extensions::{ExtensionTypes, RawExtension};
use crate::wire::list::List;

/// The extensions of a TLS 1.2 ServerHello. `None`/`false` means absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls12ServerHelloExtensions<'a> {
    /// server_name (RFC 6066 §3): empty, acknowledging the client's.
    pub server_name: bool,
    /// renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`, empty
    /// in an initial handshake.
    pub renegotiation_info: Option<&'a [u8]>,
    /// extended_master_secret (RFC 7627 §5.1): empty.
    pub extended_master_secret: bool,
    /// ec_point_formats (RFC 8422 §5.2).
    pub ec_point_formats: Option<List<'a, EcPointFormat>>,
    /// ALPN (RFC 7301 §3.1): the one protocol selected.
    pub alpn: Option<&'a [u8]>,
    /// session_ticket (RFC 5077 §3.2): empty; the server will send a NewSessionTicket.
    pub session_ticket: bool,
    /// Every other extension, in order.
    pub other: Vec<RawExtension<'a>>,
}

const WHAT: &str = "ServerHello.extensions";

impl<'a> Tls12ServerHelloExtensions<'a> {
    /// Reads the extensions a TLS 1.3 decoder left unparsed (`ServerHelloExtensions::other`).
    /// The values borrow `raw`'s data.
    pub fn from_raw(raw: &'a [RawExtension<'_>]) -> Result<Self, DecodeError> {
        let mut exts = Self::default();
        for ext in raw {
            let mut r = Reader::new(&ext.data);
            if !exts.read_one(ext.typ, &mut r)? {
                exts.other.push(RawExtension {
                    typ: ext.typ,
                    data: Cow::Borrowed(&ext.data),
                });
                continue;
            }
            r.expect_empty(WHAT)?;
        }
        Ok(exts)
    }

    /// Parses one extension into its field; `Ok(false)` leaves it for `other`.
    fn read_one(&mut self, typ: ExtensionType, r: &mut Reader<'a>) -> Result<bool, DecodeError> {
        match typ {
            ExtensionType::ServerName => self.server_name = true,
            ExtensionType::RenegotiationInfo => {
                self.renegotiation_info =
                    Some(r.opaque(LengthPrefix::U8, 0, 0xff, "ServerHello.renegotiation_info")?)
            }
            ExtensionType::ExtendedMasterSecret => self.extended_master_secret = true,
            ExtensionType::SessionTicket => self.session_ticket = true,
            ExtensionType::EcPointFormats => {
                self.ec_point_formats =
                    Some(read_u8_list(r, 1, 0xff, "ServerHello.ec_point_formats")?)
            }
            ExtensionType::ApplicationLayerProtocolNegotiation => {
                self.alpn = Some(read_selected_alpn(r, "ServerHello.alpn")?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The extensions as raw entries for `ServerHelloExtensions::other`.
    pub fn to_raw(&self) -> Vec<RawExtension<'static>> {
        let mut raw = Vec::new();
        let mut push = |typ, body: &dyn Fn(&mut Vec<u8>)| {
            let mut data = Vec::new();
            body(&mut data);
            raw.push(RawExtension {
                typ,
                data: Cow::Owned(data),
            });
        };
        if self.server_name {
            push(ExtensionType::ServerName, &|_| {});
        }
        if let Some(info) = self.renegotiation_info {
            push(ExtensionType::RenegotiationInfo, &|out| {
                write_opaque(out, LengthPrefix::U8, info)
            });
        }
        if self.extended_master_secret {
            push(ExtensionType::ExtendedMasterSecret, &|_| {});
        }
        if let Some(formats) = &self.ec_point_formats {
            push(ExtensionType::EcPointFormats, &|out| {
                formats.encode(out, LengthPrefix::U8)
            });
        }
        if let Some(name) = self.alpn {
            push(ExtensionType::ApplicationLayerProtocolNegotiation, &|out| {
                write_alpn_list(out, &[name])
            });
        }
        if self.session_ticket {
            push(ExtensionType::SessionTicket, &|_| {});
        }
        raw.extend(self.other.iter().map(|ext| RawExtension {
            typ: ext.typ,
            data: Cow::Owned(ext.data.to_vec()),
        }));
        raw
    }

    /// The types present, in [`Self::to_raw`]'s order, for the unsolicited-extension check
    /// (RFC 5246 §7.4.1.4); nothing is encoded on the way.
    pub fn extension_types(&self) -> ExtensionTypes {
        let mut types = ExtensionTypes::default();
        let known = [
            (self.server_name, ExtensionType::ServerName),
            (
                self.renegotiation_info.is_some(),
                ExtensionType::RenegotiationInfo,
            ),
            (
                self.extended_master_secret,
                ExtensionType::ExtendedMasterSecret,
            ),
            (
                self.ec_point_formats.is_some(),
                ExtensionType::EcPointFormats,
            ),
            (
                self.alpn.is_some(),
                ExtensionType::ApplicationLayerProtocolNegotiation,
            ),
            (self.session_ticket, ExtensionType::SessionTicket),
        ];
        for (_, typ) in known.into_iter().filter(|(present, _)| *present) {
            types.push(typ);
        }
        for ext in &self.other {
            types.push(ext.typ);
        }
        types
    }
}

// A codec for tests and fuzzing: the block as it appears in a ServerHello.
impl<'a> Codec<'a> for Tls12ServerHelloExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        crate::wire::codec::write_prefixed(out, LengthPrefix::U16, |out| {
            let out = &mut crate::wire::extensions::ExtensionWriter::Bytes(out);
            crate::wire::extensions::write_raw(out, &self.to_raw())
        });
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let mut exts = Self::default();
        let other = crate::wire::extensions::read_block(r, 0, true, WHAT, |typ, data| {
            exts.read_one(typ, data)
        })?;
        exts.other = other;
        Ok(exts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::extensions::test_support::assert_round_trip;

    fn full() -> Tls12ServerHelloExtensions<'static> {
        Tls12ServerHelloExtensions {
            server_name: true,
            renegotiation_info: Some(&[]),
            extended_master_secret: true,
            ec_point_formats: Some(List::from(&[EcPointFormat::uncompressed])),
            alpn: Some(b"h2"),
            session_ticket: true,
            other: vec![RawExtension {
                typ: ExtensionType::Unknown(0x1234),
                data: Cow::Borrowed(&[1]),
            }],
        }
    }

    #[test]
    fn every_extension_round_trips() {
        assert_round_trip!(&full());
        assert_round_trip!(&Tls12ServerHelloExtensions::default());
        assert_eq!(
            Tls12ServerHelloExtensions::from_raw(&full().to_raw()).unwrap(),
            full()
        );
    }

    #[test]
    fn lists_the_types_it_encodes_in_order() {
        for exts in [full(), Tls12ServerHelloExtensions::default()] {
            let encoded: Vec<ExtensionType> = exts.to_raw().iter().map(|e| e.typ).collect();
            assert_eq!(*exts.extension_types(), encoded[..]);
        }
    }

    #[test]
    fn refuses_malformed_answers() {
        let bad = |typ, data: &[u8]| {
            Tls12ServerHelloExtensions::from_raw(&[RawExtension {
                typ,
                data: Cow::Borrowed(data),
            }])
            .is_err()
        };
        assert!(bad(ExtensionType::ExtendedMasterSecret, &[0]));
        assert!(bad(ExtensionType::SessionTicket, &[0]));
        assert!(bad(ExtensionType::RenegotiationInfo, &[]));
        assert!(bad(ExtensionType::RenegotiationInfo, &[2, 0]));
        assert!(bad(ExtensionType::EcPointFormats, &[0]));
        // Two ALPN protocols in a ServerHello.
        assert!(bad(
            ExtensionType::ApplicationLayerProtocolNegotiation,
            &[0, 6, 2, b'h', b'2', 2, b'h', b'3']
        ));
    }
}
