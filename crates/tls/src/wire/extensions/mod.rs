//! Extensions (RFC 8446 §4.2): one struct per message, one `Option` field per extension.
//!
//! Every block is decoded the same way: walk `Extension extensions<..2^16-1>` (§4.2),
//! reject a type seen twice ("There MUST NOT be more than one extension of the same type in
//! a given extension block", §4.2), parse the extensions the message knows into their
//! fields, and keep every other one — unknown, GREASE (RFC 8701) or recognised but not ours
//! — in `other`, untouched. Policy is the state machine's: [`ExtensionBlock::check_allowed`]
//! applies the §4.2 table (→ `illegal_parameter`) and
//! [`ExtensionBlock::first_unsolicited`] finds responses to requests never made
//! (→ `unsupported_extension`).
//!
//! Encoding writes the known fields in declaration order, then `other`, and — in a
//! ClientHello — `pre_shared_key` last (§4.2.11).

mod certificate;
mod client_hello;
pub(crate) mod payloads;
mod server;
mod tls12;

pub use certificate::{
    CertificateEntryExtensions, CertificateRequestExtensions, NewSessionTicketExtensions,
};
pub use client_hello::ClientHelloExtensions;
pub use payloads::{
    CertificateStatusRequest, DistinguishedName, KeyShareEntry, OfferedPsks, ProtocolName,
    PskBinderEntry, PskIdentity,
};
pub use server::{
    EncryptedExtensionsExtensions, HelloRetryRequestExtensions, ServerHelloExtensions,
};
pub use tls12::Tls12ServerHelloExtensions;

use std::borrow::Cow;

use crate::wire::codec::{Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
use crate::wire::enums::ExtensionType;
use crate::wire::list::Inline;

/// The message an extension block belongs to: the columns of the RFC 8446 §4.2 table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtensionContext {
    /// CH.
    ClientHello,
    /// SH.
    ServerHello,
    /// HRR.
    HelloRetryRequest,
    /// EE.
    EncryptedExtensions,
    /// CR.
    CertificateRequest,
    /// CT (per CertificateEntry).
    Certificate,
    /// NST.
    NewSessionTicket,
}

/// An extension kept as bytes: unknown, GREASE, or known but not parsed in this message.
/// Decoded, its data borrows the message's bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawExtension<'a> {
    /// The extension's type.
    pub typ: ExtensionType,
    /// Its `extension_data`, unparsed.
    pub data: Cow<'a, [u8]>,
}

/// What every per-message extension struct offers the state machines.
pub trait ExtensionBlock {
    /// The message this block belongs to.
    const CONTEXT: ExtensionContext;

    /// Writes each extension present, in encoding order: its bytes when encoding, only its
    /// type when the checks below ask which are present. One list of the block's
    /// extensions serves both, so they cannot disagree.
    fn write_extensions(&self, out: &mut ExtensionWriter<'_>);

    /// The types present, in encoding order.
    fn extension_types(&self) -> ExtensionTypes {
        let mut types = ExtensionTypes::default();
        self.write_extensions(&mut ExtensionWriter::Types(&mut |typ| types.push(typ)));
        types
    }

    /// The first type present (in encoding order) for which `found` says yes; nothing is
    /// encoded or collected on the way.
    fn find_type(&self, mut found: impl FnMut(ExtensionType) -> bool) -> Option<ExtensionType> {
        let mut first = None;
        self.write_extensions(&mut ExtensionWriter::Types(&mut |typ| {
            if first.is_none() && found(typ) {
                first = Some(typ);
            }
        }));
        first
    }

    /// RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and
    /// which is not specified for the message in which it appears, it MUST abort the
    /// handshake with an "illegal_parameter" alert." Returns the first such extension.
    fn check_allowed(&self) -> Result<(), ExtensionType> {
        match self.find_type(|typ| !typ.allowed_in(Self::CONTEXT)) {
            Some(typ) => Err(typ),
            None => Ok(()),
        }
    }

    /// RFC 8446 §4.2: "Implementations MUST NOT send extension responses if the remote
    /// endpoint did not send the corresponding extension requests, with the exception of
    /// the "cookie" extension in the HelloRetryRequest. Upon receiving such an extension,
    /// an endpoint MUST abort the handshake with an "unsupported_extension" alert."
    /// Returns the first extension in this block whose type is not in `offered`.
    fn first_unsolicited(&self, offered: &[ExtensionType]) -> Option<ExtensionType> {
        let exempt = |typ: &ExtensionType| {
            Self::CONTEXT == ExtensionContext::HelloRetryRequest && *typ == ExtensionType::Cookie
        };
        self.find_type(|typ| !offered.contains(&typ) && !exempt(&typ))
    }
}

/// A list of extension types (see [`ExtensionBlock::extension_types`]), read as a slice:
/// inline up to the most a block of ours holds (a ClientHello offering both versions), so
/// listing one costs no allocation; a longer list moves to the heap.
pub type ExtensionTypes = Inline<ExtensionType, 24>;

impl ExtensionType {
    /// Whether this extension may appear in `context`, per the table of RFC 8446 §4.2
    /// (plus RFC 8449 record_size_limit in CH/EE, RFC 8879 compress_certificate in CH/CR,
    /// and the TLS 1.2-only extensions in CH). Unknown types are always allowed: they are
    /// ignored (§4.2, RFC 8701).
    pub fn allowed_in(self, context: ExtensionContext) -> bool {
        use ExtensionContext::{
            Certificate as CT, CertificateRequest as CR, ClientHello as CH,
            EncryptedExtensions as EE, HelloRetryRequest as HRR, NewSessionTicket as NST,
            ServerHello as SH,
        };
        let allowed: &[ExtensionContext] = match self {
            Self::ServerName
            | Self::MaxFragmentLength
            | Self::SupportedGroups
            | Self::UseSrtp
            | Self::Heartbeat
            | Self::ApplicationLayerProtocolNegotiation
            | Self::ClientCertificateType
            | Self::ServerCertificateType
            | Self::RecordSizeLimit => &[CH, EE],
            Self::StatusRequest | Self::SignedCertificateTimestamp => &[CH, CR, CT],
            Self::SignatureAlgorithms
            | Self::SignatureAlgorithmsCert
            | Self::CertificateAuthorities
            | Self::CompressCertificate => &[CH, CR],
            Self::Padding
            | Self::PskKeyExchangeModes
            | Self::PostHandshakeAuth
            | Self::EcPointFormats
            | Self::EncryptThenMac
            | Self::ExtendedMasterSecret
            | Self::SessionTicket
            | Self::RenegotiationInfo => &[CH],
            Self::KeyShare | Self::SupportedVersions => &[CH, SH, HRR],
            Self::PreSharedKey => &[CH, SH],
            Self::EarlyData => &[CH, EE, NST],
            Self::Cookie => &[CH, HRR],
            Self::OidFilters => &[CR],
            // draft-ietf-tls-esni §5: CH and EE (retry configs), HRR (confirmation).
            Self::EncryptedClientHello => &[CH, EE, HRR],
            Self::Unknown(_) => return true,
        };
        allowed.contains(&context)
    }
}

/// Room made for a block's unparsed extensions when the first arrives: a browser's
/// ClientHello keeps about this many (GREASE, padding, ECH, …), so their vector is
/// allocated once.
const OTHER_ROOM: usize = 8;

/// Walks an extension block `Extension extensions<min..2^16-1>` (RFC 8446 §4.2), calling
/// `each` with every extension's type and a reader over its data. `each` returns `true` if
/// it parsed the extension (and must consume all of its data), `false` to have it kept as a
/// [`RawExtension`] (borrowing the block; the vector of them is the one allocation a
/// decoded message may make). Duplicated types are rejected.
///
/// An absent block (no bytes left at all) is read as empty when `optional` is set: TLS 1.2
/// hellos may omit it (RFC 5246 §7.4.1.2), and a TLS 1.3 endpoint must still parse such a
/// hello to answer it with `protocol_version` rather than `decode_error`.
pub(crate) fn read_block<'a>(
    r: &mut Reader<'a>,
    min: usize,
    optional: bool,
    what: &'static str,
    mut each: impl FnMut(ExtensionType, &mut Reader<'a>) -> Result<bool, DecodeError>,
) -> Result<Vec<RawExtension<'a>>, DecodeError> {
    let mut other = Vec::new();
    if optional && r.is_empty() {
        return Ok(other);
    }
    let mut block = r.sub(LengthPrefix::U16, min, 0xffff, what)?;
    let mut seen = SeenTypes::default();
    while !block.is_empty() {
        let typ = ExtensionType::from_wire(block.u16(what)?);
        let mut data = block.sub(LengthPrefix::U16, 0, 0xffff, what)?;
        seen.push(typ.to_wire());
        if !each(typ, &mut data)? {
            if other.is_empty() {
                // One vector for them, with room for what a browser's ClientHello keeps.
                other.reserve(OTHER_ROOM);
            }
            other.push(RawExtension {
                typ,
                data: Cow::Borrowed(data.rest()),
            });
        }
        data.expect_empty(what)?;
    }
    if let Some(typ) = seen.duplicate() {
        return Err(DecodeError::new(
            what,
            DecodeErrorKind::DuplicateExtension(ExtensionType::from_wire(typ)),
        ));
    }
    Ok(other)
}

/// The extension types of one block, for the duplicate check (RFC 8446 §4.2). The first
/// [`SeenTypes::INLINE`] are kept inline and checked as they come (a block of ours, or a
/// browser's, has fewer), so an ordinary block costs no allocation; beyond that they go to
/// a vector checked by sorting, O(n log n) however many a peer sends.
pub(crate) struct SeenTypes {
    inline: [u16; SeenTypes::INLINE],
    len: usize,
    /// The smallest type seen twice among the inline ones.
    duplicate: Option<u16>,
    more: Vec<u16>,
}

impl Default for SeenTypes {
    fn default() -> Self {
        Self {
            inline: [0; Self::INLINE],
            len: 0,
            duplicate: None,
            more: Vec::new(),
        }
    }
}

impl SeenTypes {
    const INLINE: usize = 32;

    pub(crate) fn push(&mut self, typ: u16) {
        if self.len < Self::INLINE {
            if self.inline[..self.len].contains(&typ) {
                // The smallest, as the sorted check below would name.
                self.duplicate = Some(self.duplicate.map_or(typ, |d| d.min(typ)));
            }
            self.inline[self.len] = typ;
            self.len += 1;
        } else {
            self.more.push(typ);
        }
    }

    /// A type seen twice, if any.
    pub(crate) fn duplicate(mut self) -> Option<u16> {
        if self.more.is_empty() {
            return self.duplicate;
        }
        self.more.extend_from_slice(&self.inline);
        self.more.sort_unstable();
        // `windows(2)` yields slices of exactly two elements, so `pair[0]`/`pair[1]` exist.
        self.more
            .windows(2)
            .find(|pair| pair[0] == pair[1])
            .map(|pair| pair[0])
    }
}

/// Appends one extension: its type, then `body` as `extension_data<0..2^16-1>`.
pub(crate) fn write_extension(
    out: &mut ExtensionWriter<'_>,
    typ: ExtensionType,
    body: impl FnOnce(&mut Vec<u8>),
) {
    match out {
        ExtensionWriter::Bytes(out) => write_extension_bytes(out, typ, body),
        ExtensionWriter::Types(seen) => seen(typ),
    }
}

/// One extension's encoding: its type, then its body behind a two-byte length.
pub(crate) fn write_extension_bytes(
    out: &mut Vec<u8>,
    typ: ExtensionType,
    body: impl FnOnce(&mut Vec<u8>),
) {
    typ.encode(out);
    crate::wire::codec::write_prefixed(out, LengthPrefix::U16, body);
}

/// Appends the kept extensions unchanged.
pub(crate) fn write_raw(out: &mut ExtensionWriter<'_>, other: &[RawExtension<'_>]) {
    for ext in other {
        write_extension(out, ext.typ, |out| out.extend_from_slice(&ext.data));
    }
}

/// Where [`ExtensionBlock::write_extensions`] writes.
pub enum ExtensionWriter<'a> {
    /// The encoding: `Extension extensions<..2^16-1>` without its length (RFC 8446 §4.2).
    Bytes(&'a mut Vec<u8>),
    /// Only the types, in order, to a callback.
    Types(&'a mut dyn FnMut(ExtensionType)),
}

/// A block's `Codec::encode`: its extensions behind their two-byte length.
pub(crate) fn encode_block(block: &impl ExtensionBlock, out: &mut Vec<u8>) {
    crate::wire::codec::write_prefixed(out, LengthPrefix::U16, |out| {
        block.write_extensions(&mut ExtensionWriter::Bytes(out))
    });
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::wire::codec::Codec;

    /// Decodes `bytes` as a value of `like`'s type (borrowing `bytes`).
    pub fn decode_like<'b, T: Codec<'b>>(_like: &T, bytes: &'b [u8]) -> T {
        T::decode(bytes).unwrap_or_else(|e| panic!("{e}: {bytes:02x?}"))
    }

    /// encode → decode → encode is the identity on bytes, and decode inverts encode.
    macro_rules! assert_round_trip {
        ($value:expr) => {{
            let value = $value;
            let bytes = $crate::wire::codec::Codec::to_vec(value);
            let decoded = $crate::wire::extensions::test_support::decode_like(value, &bytes);
            assert_eq!(&decoded, value);
            assert_eq!($crate::wire::codec::Codec::to_vec(&decoded), bytes);
        }};
    }
    pub(crate) use assert_round_trip;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_4_2_table_is_applied() {
        assert!(ExtensionType::KeyShare.allowed_in(ExtensionContext::HelloRetryRequest));
        assert!(!ExtensionType::ServerName.allowed_in(ExtensionContext::ServerHello));
        assert!(ExtensionType::ServerName.allowed_in(ExtensionContext::EncryptedExtensions));
        assert!(!ExtensionType::KeyShare.allowed_in(ExtensionContext::EncryptedExtensions));
        assert!(ExtensionType::EarlyData.allowed_in(ExtensionContext::NewSessionTicket));
        assert!(ExtensionType::StatusRequest.allowed_in(ExtensionContext::Certificate));
        assert!(ExtensionType::Unknown(0x1a1a).allowed_in(ExtensionContext::ServerHello));
    }

    #[test]
    fn rejects_duplicate_extension_in_any_position() {
        // Two unknown extensions of type 0x9999 separated by another.
        let block = [0, 12, 0x99, 0x99, 0, 0, 0x12, 0x34, 0, 0, 0x99, 0x99, 0, 0];
        let err = read_block(
            &mut Reader::new(&block),
            0,
            false,
            "X.extensions",
            |_, _| Ok(false),
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::DuplicateExtension(ExtensionType::Unknown(0x9999))
        );
    }

    #[test]
    fn rejects_duplicates_among_many_extensions() {
        // 40 distinct empty extensions, then one repeating an early or a late one, or not.
        let block = |repeat: Option<u16>| {
            let mut types: Vec<u16> = (0x9000..0x9000 + 40).collect();
            types.extend(repeat);
            let mut block = vec![0, 0];
            for typ in types {
                block.extend_from_slice(&typ.to_be_bytes());
                block.extend_from_slice(&[0, 0]);
            }
            let len = (block.len() - 2) as u16;
            block[..2].copy_from_slice(&len.to_be_bytes());
            block
        };
        let read = |bytes: &[u8]| {
            read_block(&mut Reader::new(bytes), 0, false, "X", |_, _| Ok(false)).map(|o| o.len())
        };
        assert_eq!(read(&block(None)), Ok(40));
        for repeat in [0x9000, 0x9005, 0x9021, 0x9027] {
            assert_eq!(
                read(&block(Some(repeat))).unwrap_err().kind,
                DecodeErrorKind::DuplicateExtension(ExtensionType::Unknown(repeat))
            );
        }
    }

    #[test]
    fn keeps_unknown_extensions_as_raw() {
        let block = [0, 6, 0x1a, 0x1a, 0, 2, 0xab, 0xcd];
        let other = read_block(&mut Reader::new(&block), 0, false, "X", |_, _| Ok(false)).unwrap();
        assert_eq!(
            other,
            [RawExtension {
                typ: ExtensionType::Unknown(0x1a1a),
                data: Cow::Borrowed(&[0xab, 0xcd])
            }]
        );
    }

    /// decode → encode → decode is stable for whatever bytes decode at all.
    macro_rules! assert_stable {
        ($t:ident, $data:expr) => {
            if let Ok(value) = $t::decode($data) {
                let encoded = value.to_vec();
                let again = $t::decode(&encoded).unwrap();
                assert_eq!(again, value);
                assert_eq!(again.to_vec(), encoded);
                let _ = value.check_allowed();
            }
        };
    }

    /// Well-formed blocks of arbitrary extensions (types drawn from the ones we parse, so
    /// the parsers see real data), prefixed with the block length.
    fn block_strategy() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let types = prop::sample::select(vec![
            0u16, 5, 10, 13, 16, 18, 28, 41, 42, 43, 44, 45, 47, 49, 50, 51, 0xff01, 0x1a1a,
        ]);
        proptest::collection::vec((types, proptest::collection::vec(any::<u8>(), 0..12)), 0..6)
            .prop_map(|exts| {
                let mut out = Vec::new();
                crate::wire::codec::write_prefixed(&mut out, LengthPrefix::U16, |out| {
                    for (typ, data) in exts {
                        write_extension_bytes(out, ExtensionType::from_wire(typ), |out| {
                            out.extend_from_slice(&data)
                        });
                    }
                });
                out
            })
    }

    proptest::proptest! {
        #[test]
        fn every_block_parser_is_stable_on_arbitrary_extensions(block in block_strategy()) {
            assert_stable!(ClientHelloExtensions, &block);
            assert_stable!(ServerHelloExtensions, &block);
            assert_stable!(HelloRetryRequestExtensions, &block);
            assert_stable!(EncryptedExtensionsExtensions, &block);
            assert_stable!(CertificateRequestExtensions, &block);
            assert_stable!(CertificateEntryExtensions, &block);
            assert_stable!(NewSessionTicketExtensions, &block);
        }

        #[test]
        fn every_block_parser_survives_random_bytes(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            assert_stable!(ClientHelloExtensions, &data);
            assert_stable!(ServerHelloExtensions, &data);
            assert_stable!(HelloRetryRequestExtensions, &data);
            assert_stable!(EncryptedExtensionsExtensions, &data);
            assert_stable!(CertificateRequestExtensions, &data);
            assert_stable!(CertificateEntryExtensions, &data);
            assert_stable!(NewSessionTicketExtensions, &data);
        }
    }
}
