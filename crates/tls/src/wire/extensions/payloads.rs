//! The structures carried inside extensions, and the list encodings they share.
//!
//! Decoded values borrow the message's bytes: opaque fields and lists are views
//! ([`Cow::Borrowed`], [`List::Received`]); a sender that must keep a value past the
//! message (the client's ClientHello) holds it owned.

use std::borrow::Cow;

use crate::wire::codec::{
    write_opaque, write_prefixed, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader,
};
use crate::wire::enums::{CertificateStatusType, NamedGroup};
use crate::wire::list::List;

/// `KeyShareEntry` (RFC 8446 §4.2.8): a group and a public value for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry<'a> {
    /// The group the key belongs to.
    pub group: NamedGroup,
    /// `opaque key_exchange<1..2^16-1>`: the public value, in the group's format (§4.2.8.1,
    /// §4.2.8.2).
    pub key_exchange: Cow<'a, [u8]>,
}

/// `PskIdentity` (RFC 8446 §4.2.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity<'a> {
    /// `opaque identity<1..2^16-1>`: a ticket or external PSK label.
    pub identity: Cow<'a, [u8]>,
    /// The ticket age, obfuscated by `ticket_age_add` (§4.2.11.1).
    pub obfuscated_ticket_age: u32,
}

/// `opaque PskBinderEntry<32..255>` (RFC 8446 §4.2.11): one HMAC over the truncated
/// ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskBinderEntry<'a>(pub Cow<'a, [u8]>);

/// `OfferedPsks` (RFC 8446 §4.2.11), the ClientHello's `pre_shared_key` extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedPsks<'a> {
    /// `PskIdentity identities<7..2^16-1>`.
    pub identities: List<'a, PskIdentity<'a>>,
    /// `PskBinderEntry binders<33..2^16-1>`.
    pub binders: List<'a, PskBinderEntry<'a>>,
}

/// `CertificateStatusRequest` (RFC 6066 §8), as sent in a ClientHello's `status_request`.
/// The request body (for OCSP, `OCSPStatusRequest`) is kept as bytes: we never act on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateStatusRequest<'a> {
    /// The kind of status wanted (`ocsp`).
    pub status_type: CertificateStatusType,
    /// The rest of the extension data, unparsed.
    pub request: Cow<'a, [u8]>,
}

/// `opaque DistinguishedName<1..2^16-1>` (RFC 8446 §4.2.4): a DER-encoded X.501 Name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistinguishedName<'a>(pub Cow<'a, [u8]>);

/// `opaque ProtocolName<1..2^8-1>` (RFC 7301 §3.1): one ALPN protocol name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolName<'a>(pub Cow<'a, [u8]>);

impl<'a> Codec<'a> for KeyShareEntry<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.group.encode(out);
        write_opaque(out, LengthPrefix::U16, &self.key_exchange);
    }

    /// An empty `key_exchange` is a share no group has: `illegal_parameter` (RFC 8446
    /// §4.2.8), like any other malformed share, rather than `decode_error`.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "KeyShareEntry.key_exchange";
        let group = NamedGroup::from_wire(r.u16("KeyShareEntry.group")?);
        let key_exchange = r.opaque(LengthPrefix::U16, 0, 0xffff, WHAT)?;
        if key_exchange.is_empty() {
            return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
        }
        Ok(Self {
            group,
            key_exchange: Cow::Borrowed(key_exchange),
        })
    }
}

impl KeyShareEntry<'_> {
    /// Whether `key_exchange` has the shape RFC 8446 gives a share of its group: the
    /// uncompressed point `04 || X || Y` for the NIST curves (§4.2.8.2), 32 or 56 raw bytes
    /// for X25519 and X448 (§4.2.8.2, RFC 7748 §6), `p`'s size for the finite-field groups
    /// (§4.2.8.1), the ML-KEM encapsulation key with the classical share (if any) in the
    /// order draft-ietf-tls-ecdhe-mlkem §3.1.1 gives (pure ML-KEM: FIPS 203 §8's `ek`
    /// size). A share of any other group must be non-empty (decoding ensures it). A
    /// malformed share → `illegal_parameter` (§4.2.8). This is a client's share: a
    /// server's share of a KEM group (a ciphertext) has another length.
    pub fn is_well_formed(&self) -> bool {
        let point = |len: usize| self.key_exchange.len() == len && self.key_exchange[0] == 0x04;
        match self.group {
            NamedGroup::secp256r1 => point(65),
            NamedGroup::secp384r1 => point(97),
            NamedGroup::secp521r1 => point(133),
            NamedGroup::x25519 => self.key_exchange.len() == 32,
            NamedGroup::x448 => self.key_exchange.len() == 56,
            NamedGroup::ffdhe2048 => self.key_exchange.len() == 256,
            NamedGroup::ffdhe3072 => self.key_exchange.len() == 384,
            NamedGroup::ffdhe4096 => self.key_exchange.len() == 512,
            NamedGroup::ffdhe6144 => self.key_exchange.len() == 768,
            NamedGroup::ffdhe8192 => self.key_exchange.len() == 1024,
            NamedGroup::X25519MLKEM768 => self.key_exchange.len() == 1184 + 32,
            NamedGroup::SecP256r1MLKEM768 => point(65 + 1184),
            NamedGroup::SecP384r1MLKEM1024 => point(97 + 1568),
            NamedGroup::MLKEM512 => self.key_exchange.len() == 800,
            NamedGroup::MLKEM768 => self.key_exchange.len() == 1184,
            NamedGroup::MLKEM1024 => self.key_exchange.len() == 1568,
            _ => !self.key_exchange.is_empty(),
        }
    }
}

/// `Cow::Owned` of a copy of `bytes`.
pub(crate) fn owned(bytes: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(bytes.into_owned())
}

impl KeyShareEntry<'_> {
    /// A copy that outlives the message.
    pub fn into_owned(self) -> KeyShareEntry<'static> {
        KeyShareEntry {
            group: self.group,
            key_exchange: owned(self.key_exchange),
        }
    }
}

impl OfferedPsks<'_> {
    /// A copy that outlives the message.
    pub fn into_owned(self) -> OfferedPsks<'static> {
        OfferedPsks {
            identities: self.identities.to_owned_with(|id| PskIdentity {
                identity: owned(id.identity),
                obfuscated_ticket_age: id.obfuscated_ticket_age,
            }),
            binders: self
                .binders
                .to_owned_with(|binder| PskBinderEntry(owned(binder.0))),
        }
    }
}

impl DistinguishedName<'_> {
    /// A copy that outlives the message.
    pub fn into_owned(self) -> DistinguishedName<'static> {
        DistinguishedName(owned(self.0))
    }
}

impl<'a> Codec<'a> for PskIdentity<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U16, &self.identity);
        out.extend_from_slice(&self.obfuscated_ticket_age.to_be_bytes());
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "PskIdentity";
        Ok(Self {
            identity: Cow::Borrowed(r.opaque(LengthPrefix::U16, 1, 0xffff, WHAT)?),
            obfuscated_ticket_age: r.u32(WHAT)?,
        })
    }
}

impl<'a> Codec<'a> for OfferedPsks<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.identities.encode(out, LengthPrefix::U16);
        self.binders.encode(out, LengthPrefix::U16);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const WHAT: &str = "ClientHello.pre_shared_key";
        let identities = List::read(r, LengthPrefix::U16, 7, 0xffff, WHAT)?;
        let binders = List::read(r, LengthPrefix::U16, 33, 0xffff, WHAT)?;
        // §4.2.11: binders are "one for each value in the identities list"; a mismatch
        // cannot be consistent with the identities.
        if identities.len() != binders.len() {
            return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
        }
        Ok(Self {
            identities,
            binders,
        })
    }
}

impl<'a> Codec<'a> for CertificateStatusRequest<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.status_type.encode(out);
        out.extend_from_slice(&self.request);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            status_type: CertificateStatusType::from_wire(r.u8("status_request.status_type")?),
            request: Cow::Borrowed(r.rest()),
        })
    }
}

/// The codec of a newtype over one opaque vector, `opaque $name<$min..$max>` behind a
/// `$prefix` length (RFC 8446 §3.4); decoded, it borrows the bytes.
macro_rules! opaque_codec {
    ($name:ident, $prefix:ident, $min:expr, $max:expr) => {
        impl<'a> Codec<'a> for $name<'a> {
            fn encode(&self, out: &mut Vec<u8>) {
                write_opaque(out, LengthPrefix::$prefix, &self.0);
            }

            fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                let bytes = r.opaque(LengthPrefix::$prefix, $min, $max, stringify!($name))?;
                Ok(Self(Cow::Borrowed(bytes)))
            }
        }
    };
}

opaque_codec!(PskBinderEntry, U8, 32, 255);
opaque_codec!(DistinguishedName, U16, 1, 0xffff);
opaque_codec!(ProtocolName, U8, 1, 0xff);

/// Reads a list of two-byte values, e.g. `NamedGroup named_group_list<2..2^16-1>`
/// (§4.2.7). The byte length must lie in `min..=max` and be even.
pub(crate) fn read_u16_list<'a, T: Clone + Codec<'a>>(
    r: &mut Reader<'a>,
    prefix: LengthPrefix,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<List<'a, T>, DecodeError> {
    let mut peek = r.clone();
    let length = peek.opaque(prefix, min, max, what)?.len();
    if length % 2 != 0 {
        return Err(DecodeError::new(
            what,
            DecodeErrorKind::LengthOutOfRange { length, min, max },
        ));
    }
    List::read(r, prefix, min, max, what)
}

/// Reads a list of one-byte values, e.g. `PskKeyExchangeMode ke_modes<1..255>` (§4.2.9).
pub(crate) fn read_u8_list<'a, T: Clone + Codec<'a>>(
    r: &mut Reader<'a>,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<List<'a, T>, DecodeError> {
    List::read(r, LengthPrefix::U8, min, max, what)
}

/// Reads `ProtocolName protocol_name_list<2..2^16-1>` with `opaque ProtocolName<1..2^8-1>`
/// (RFC 7301 §3.1): names may not be empty.
pub(crate) fn read_alpn_list<'a>(
    r: &mut Reader<'a>,
    what: &'static str,
) -> Result<List<'a, ProtocolName<'a>>, DecodeError> {
    List::read(r, LengthPrefix::U16, 2, 0xffff, what)
}

/// Reads a server's `protocol_name_list` (RFC 7301 §3.1: "the "ProtocolNameList" MUST
/// contain exactly one "ProtocolName""): a well-formed list of any other length is
/// `illegal_parameter`.
pub(crate) fn read_selected_alpn<'a>(
    r: &mut Reader<'a>,
    what: &'static str,
) -> Result<&'a [u8], DecodeError> {
    match read_alpn_list(r, what)? {
        List::Received(names) if names.len() == 1 => {
            Reader::new(names.bytes()).opaque(LengthPrefix::U8, 1, 0xff, what)
        }
        _ => Err(DecodeError::new(what, DecodeErrorKind::IllegalValue)),
    }
}

/// Writes an ALPN `protocol_name_list`.
pub(crate) fn write_alpn_list<T: AsRef<[u8]>>(out: &mut Vec<u8>, names: &[T]) {
    write_prefixed(out, LengthPrefix::U16, |out| {
        for name in names {
            write_opaque(out, LengthPrefix::U8, name.as_ref());
        }
    });
}

/// Reads `DistinguishedName authorities<3..2^16-1>` (RFC 8446 §4.2.4).
pub(crate) fn read_authorities<'a>(
    r: &mut Reader<'a>,
    what: &'static str,
) -> Result<List<'a, DistinguishedName<'a>>, DecodeError> {
    List::read(r, LengthPrefix::U16, 3, 0xffff, what)
}

/// Reads `ServerNameList` (RFC 6066 §3) and returns its one `host_name`.
///
/// RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same
/// name_type", and host_name (0) is the only type defined; since a name of another type has
/// no defined length, it cannot be skipped and is rejected. The name must be ASCII
/// ("HostName" is "represented as a byte string using ASCII encoding without a trailing
/// dot"); whether it is a valid DNS name is the server's business.
pub(crate) fn read_server_name<'a>(r: &mut Reader<'a>) -> Result<&'a str, DecodeError> {
    const WHAT: &str = "ClientHello.server_name";
    let mut list = r.sub(LengthPrefix::U16, 1, 0xffff, WHAT)?;
    let name_type = list.u8(WHAT)?;
    let name = list.opaque(LengthPrefix::U16, 1, 0xffff, WHAT)?;
    if name_type != 0 || !list.is_empty() {
        return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
    }
    if !name.iter().all(|b| b.is_ascii_graphic()) || name.ends_with(b".") {
        return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
    }
    // Only ASCII graphic bytes remain, so this conversion cannot fail.
    std::str::from_utf8(name).map_err(|_| DecodeError::new(WHAT, DecodeErrorKind::IllegalValue))
}

/// Writes a `ServerNameList` holding one `host_name`.
pub(crate) fn write_server_name(out: &mut Vec<u8>, host_name: &str) {
    write_prefixed(out, LengthPrefix::U16, |out| {
        out.push(0);
        write_opaque(out, LengthPrefix::U16, host_name.as_bytes());
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::extensions::test_support::assert_round_trip;

    #[test]
    fn key_share_entry_round_trips() {
        assert_round_trip!(&KeyShareEntry {
            group: NamedGroup::x25519,
            key_exchange: Cow::Borrowed(&[7; 32]),
        });
    }

    #[test]
    fn rejects_empty_key_exchange_as_illegal_parameter() {
        let e = KeyShareEntry::decode(&[0, 0x1d, 0, 0]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::IllegalValue);
    }

    #[test]
    fn key_shares_have_the_shape_of_their_group() {
        let share = |group, len: usize, first: u8| {
            let mut key_exchange = vec![first; len];
            key_exchange[1..].fill(7);
            KeyShareEntry {
                group,
                key_exchange: key_exchange.into(),
            }
            .is_well_formed()
        };
        assert!(share(NamedGroup::x25519, 32, 7));
        assert!(!share(NamedGroup::x25519, 31, 7));
        assert!(!share(NamedGroup::x25519, 33, 7));
        assert!(share(NamedGroup::secp256r1, 65, 4));
        assert!(!share(NamedGroup::secp256r1, 33, 2));
        assert!(!share(NamedGroup::secp256r1, 65, 2));
        assert!(share(NamedGroup::X25519MLKEM768, 1216, 7));
        assert!(!share(NamedGroup::X25519MLKEM768, 1215, 7));
        assert!(!share(NamedGroup::X25519MLKEM768, 32, 7));
        assert!(share(NamedGroup::SecP256r1MLKEM768, 1249, 4));
        assert!(!share(NamedGroup::SecP256r1MLKEM768, 1249, 2));
        assert!(share(NamedGroup::MLKEM1024, 1568, 7));
        assert!(share(NamedGroup::secp384r1, 97, 4));
        assert!(!share(NamedGroup::secp384r1, 65, 4));
        assert!(share(NamedGroup::ffdhe2048, 256, 1));
        assert!(share(NamedGroup::from_wire(0x1a1a), 1, 0));
    }

    #[test]
    fn offered_psks_round_trip() {
        assert_round_trip!(&OfferedPsks {
            identities: vec![PskIdentity {
                identity: Cow::Borrowed(b"ticket"),
                obfuscated_ticket_age: 0x01020304,
            }]
            .into(),
            binders: vec![PskBinderEntry(Cow::Borrowed(&[9; 32]))].into(),
        });
    }

    #[test]
    fn rejects_odd_length_u16_list() {
        let err = read_u16_list::<NamedGroup>(
            &mut Reader::new(&[0, 3, 0, 0x1d, 0]),
            LengthPrefix::U16,
            2,
            0xffff,
            "g",
        )
        .unwrap_err();
        assert!(matches!(
            err.kind,
            DecodeErrorKind::LengthOutOfRange { length: 3, .. }
        ));
    }

    #[test]
    fn rejects_server_name_with_non_ascii_or_second_entry() {
        let mut ok = Vec::new();
        write_server_name(&mut ok, "example.com");
        assert_eq!(
            read_server_name(&mut Reader::new(&ok)).unwrap(),
            "example.com"
        );
        let bad = [0, 4, 0, 0, 1, 0xff];
        assert!(read_server_name(&mut Reader::new(&bad)).is_err());
        let two = [0, 8, 0, 0, 1, b'a', 0, 0, 1, b'b'];
        assert!(read_server_name(&mut Reader::new(&two)).is_err());
    }

    #[test]
    fn rejects_empty_alpn_name() {
        let bytes = [0, 3, 0, 1, b'h'];
        assert!(read_alpn_list(&mut Reader::new(&bytes), "alpn").is_err());
    }
}
