//! The extensions of a TLS 1.2 ServerHello (RFC 5246 §7.4.1.4): answers to the client's
//! server_name (RFC 6066 §3), renegotiation_info (RFC 5746 §3.2), extended_master_secret
//! (RFC 7627 §5.1), ec_point_formats (RFC 8422 §5.2), ALPN (RFC 7301 §3.1) and
//! session_ticket (RFC 5077 §3.2).
//!
//! The ServerHello is shared with TLS 1.3, whose extension block
//! ([`ServerHelloExtensions`](super::ServerHelloExtensions)) keeps every extension it does
//! not know in `other`: these are read from there, and written there.

use crate::wire::codec::{write_opaque, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
use crate::wire::enums::{EcPointFormat, ExtensionType};
use crate::wire::extensions::payloads::{
    read_alpn_list, read_u8_list, write_alpn_list, write_u8_list,
};
use crate::wire::extensions::{ExtensionTypes, RawExtension};

/// The extensions of a TLS 1.2 ServerHello. `None`/`false` means absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls12ServerHelloExtensions {
    /// server_name (RFC 6066 §3): empty, acknowledging the client's.
    pub server_name: bool,
    /// renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`, empty
    /// in an initial handshake.
    pub renegotiation_info: Option<Vec<u8>>,
    /// extended_master_secret (RFC 7627 §5.1): empty.
    pub extended_master_secret: bool,
    /// ec_point_formats (RFC 8422 §5.2).
    pub ec_point_formats: Option<Vec<EcPointFormat>>,
    /// ALPN (RFC 7301 §3.1): the one protocol selected.
    pub alpn: Option<Vec<u8>>,
    /// session_ticket (RFC 5077 §3.2): empty; the server will send a NewSessionTicket.
    pub session_ticket: bool,
    /// Every other extension, in order.
    pub other: Vec<RawExtension>,
}

const WHAT: &str = "ServerHello.extensions";

impl Tls12ServerHelloExtensions {
    /// Reads the extensions a TLS 1.3 decoder left unparsed (`ServerHelloExtensions::other`).
    pub fn from_raw(raw: &[RawExtension]) -> Result<Self, DecodeError> {
        let mut exts = Self::default();
        for ext in raw {
            let mut r = Reader::new(&ext.data);
            match ext.typ {
                ExtensionType::ServerName => exts.server_name = true,
                ExtensionType::RenegotiationInfo => {
                    exts.renegotiation_info = Some(
                        r.opaque(LengthPrefix::U8, 0, 0xff, "ServerHello.renegotiation_info")?
                            .to_vec(),
                    )
                }
                ExtensionType::ExtendedMasterSecret => exts.extended_master_secret = true,
                ExtensionType::SessionTicket => exts.session_ticket = true,
                ExtensionType::EcPointFormats => {
                    exts.ec_point_formats = Some(read_u8_list(
                        &mut r,
                        1,
                        0xff,
                        "ServerHello.ec_point_formats",
                    )?)
                }
                ExtensionType::ApplicationLayerProtocolNegotiation => {
                    let mut names = read_alpn_list(&mut r, "ServerHello.alpn")?;
                    // RFC 7301 §3.1: "the ProtocolNameList MUST contain exactly one".
                    if names.len() != 1 {
                        return Err(DecodeError::new(
                            "ServerHello.alpn",
                            DecodeErrorKind::IllegalValue,
                        ));
                    }
                    exts.alpn = names.pop();
                }
                _ => {
                    exts.other.push(ext.clone());
                    continue;
                }
            }
            r.expect_empty(WHAT)?;
        }
        Ok(exts)
    }

    /// The extensions as raw entries for `ServerHelloExtensions::other`.
    pub fn to_raw(&self) -> Vec<RawExtension> {
        let mut raw = Vec::new();
        let mut push = |typ, body: &dyn Fn(&mut Vec<u8>)| {
            let mut data = Vec::new();
            body(&mut data);
            raw.push(RawExtension { typ, data });
        };
        if self.server_name {
            push(ExtensionType::ServerName, &|_| {});
        }
        if let Some(info) = &self.renegotiation_info {
            push(ExtensionType::RenegotiationInfo, &|out| {
                write_opaque(out, LengthPrefix::U8, info)
            });
        }
        if self.extended_master_secret {
            push(ExtensionType::ExtendedMasterSecret, &|_| {});
        }
        if let Some(formats) = &self.ec_point_formats {
            push(ExtensionType::EcPointFormats, &|out| {
                write_u8_list(out, formats)
            });
        }
        if let Some(name) = &self.alpn {
            push(ExtensionType::ApplicationLayerProtocolNegotiation, &|out| {
                write_alpn_list(out, std::slice::from_ref(name))
            });
        }
        if self.session_ticket {
            push(ExtensionType::SessionTicket, &|_| {});
        }
        raw.extend(self.other.iter().cloned());
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
impl Codec<'_> for Tls12ServerHelloExtensions {
    fn encode(&self, out: &mut Vec<u8>) {
        crate::wire::codec::write_prefixed(out, LengthPrefix::U16, |out| {
            let out = &mut crate::wire::extensions::ExtensionWriter::Bytes(out);
            crate::wire::extensions::write_raw(out, &self.to_raw())
        });
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let raw = crate::wire::extensions::read_block(r, 0, true, WHAT, |_, _| Ok(false))?;
        Self::from_raw(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::extensions::test_support::assert_round_trip;

    fn full() -> Tls12ServerHelloExtensions {
        Tls12ServerHelloExtensions {
            server_name: true,
            renegotiation_info: Some(vec![]),
            extended_master_secret: true,
            ec_point_formats: Some(vec![EcPointFormat::uncompressed]),
            alpn: Some(b"h2".to_vec()),
            session_ticket: true,
            other: vec![RawExtension {
                typ: ExtensionType::Unknown(0x1234),
                data: vec![1],
            }],
        }
    }

    #[test]
    fn every_extension_round_trips() {
        assert_round_trip(&full());
        assert_round_trip(&Tls12ServerHelloExtensions::default());
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
                data: data.to_vec(),
            }])
        };
        assert!(bad(ExtensionType::ExtendedMasterSecret, &[0]).is_err());
        assert!(bad(ExtensionType::SessionTicket, &[0]).is_err());
        assert!(bad(ExtensionType::RenegotiationInfo, &[]).is_err());
        assert!(bad(ExtensionType::RenegotiationInfo, &[2, 0]).is_err());
        assert!(bad(ExtensionType::EcPointFormats, &[0]).is_err());
        // Two ALPN protocols in a ServerHello.
        assert!(bad(
            ExtensionType::ApplicationLayerProtocolNegotiation,
            &[0, 6, 2, b'h', b'2', 2, b'h', b'3']
        )
        .is_err());
    }
}
