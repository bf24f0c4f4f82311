//! The structures carried inside extensions, and the list encodings they share.

use crate::wire::codec::{
    read_list, write_opaque, write_prefixed, Codec, DecodeError, DecodeErrorKind, LengthPrefix,
    Reader,
};
use crate::wire::enums::{CertificateStatusType, NamedGroup};

/// `KeyShareEntry` (RFC 8446 §4.2.8): a group and a public value for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyShareEntry {
    /// The group the key belongs to.
    pub group: NamedGroup,
    /// `opaque key_exchange<1..2^16-1>`: the public value, in the group's format (§4.2.8.1,
    /// §4.2.8.2).
    pub key_exchange: Vec<u8>,
}

/// `PskIdentity` (RFC 8446 §4.2.11).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PskIdentity {
    /// `opaque identity<1..2^16-1>`: a ticket or external PSK label.
    pub identity: Vec<u8>,
    /// The ticket age, obfuscated by `ticket_age_add` (§4.2.11.1).
    pub obfuscated_ticket_age: u32,
}

/// `OfferedPsks` (RFC 8446 §4.2.11), the ClientHello's `pre_shared_key` extension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OfferedPsks {
    /// `PskIdentity identities<7..2^16-1>`.
    pub identities: Vec<PskIdentity>,
    /// `PskBinderEntry binders<33..2^16-1>`, each `opaque PskBinderEntry<32..255>`.
    pub binders: Vec<Vec<u8>>,
}

/// `CertificateStatusRequest` (RFC 6066 §8), as sent in a ClientHello's `status_request`.
/// The request body (for OCSP, `OCSPStatusRequest`) is kept as bytes: we never act on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateStatusRequest {
    /// The kind of status wanted (`ocsp`).
    pub status_type: CertificateStatusType,
    /// The rest of the extension data, unparsed.
    pub request: Vec<u8>,
}

/// `opaque DistinguishedName<1..2^16-1>` (RFC 8446 §4.2.4): a DER-encoded X.501 Name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DistinguishedName(pub Vec<u8>);

impl Codec<'_> for KeyShareEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.group.encode(out);
        write_opaque(out, LengthPrefix::U16, &self.key_exchange);
    }

    /// An empty `key_exchange` is a share no group has: `illegal_parameter` (RFC 8446
    /// §4.2.8), like any other malformed share, rather than `decode_error`.
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        const WHAT: &str = "KeyShareEntry.key_exchange";
        let group = NamedGroup::from_wire(r.u16("KeyShareEntry.group")?);
        let key_exchange = r.opaque(LengthPrefix::U16, 0, 0xffff, WHAT)?;
        if key_exchange.is_empty() {
            return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
        }
        Ok(Self {
            group,
            key_exchange: key_exchange.to_vec(),
        })
    }
}

impl KeyShareEntry {
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

impl Codec<'_> for OfferedPsks {
    fn encode(&self, out: &mut Vec<u8>) {
        write_prefixed(out, LengthPrefix::U16, |out| {
            for id in &self.identities {
                write_opaque(out, LengthPrefix::U16, &id.identity);
                out.extend_from_slice(&id.obfuscated_ticket_age.to_be_bytes());
            }
        });
        write_prefixed(out, LengthPrefix::U16, |out| {
            for binder in &self.binders {
                write_opaque(out, LengthPrefix::U8, binder);
            }
        });
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        const WHAT: &str = "ClientHello.pre_shared_key";
        let identities = read_list(r, LengthPrefix::U16, 7, 0xffff, WHAT, |r| {
            Ok(PskIdentity {
                identity: r.opaque(LengthPrefix::U16, 1, 0xffff, WHAT)?.to_vec(),
                obfuscated_ticket_age: r.u32(WHAT)?,
            })
        })?;
        let binders = read_list(r, LengthPrefix::U16, 33, 0xffff, WHAT, |r| {
            Ok(r.opaque(LengthPrefix::U8, 32, 255, WHAT)?.to_vec())
        })?;
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

impl Codec<'_> for CertificateStatusRequest {
    fn encode(&self, out: &mut Vec<u8>) {
        self.status_type.encode(out);
        out.extend_from_slice(&self.request);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            status_type: CertificateStatusType::from_wire(r.u8("status_request.status_type")?),
            request: r.rest().to_vec(),
        })
    }
}

/// Reads a list of two-byte values, e.g. `NamedGroup named_group_list<2..2^16-1>`
/// (§4.2.7). The byte length must lie in `min..=max` and be even.
pub(crate) fn read_u16_list<T: From<u16>>(
    r: &mut Reader<'_>,
    prefix: LengthPrefix,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<Vec<T>, DecodeError> {
    let mut sub = r.sub(prefix, min, max, what)?;
    if sub.remaining() % 2 != 0 {
        let length = sub.remaining();
        return Err(DecodeError::new(
            what,
            DecodeErrorKind::LengthOutOfRange { length, min, max },
        ));
    }
    let mut items = Vec::with_capacity(sub.remaining() / 2);
    while !sub.is_empty() {
        items.push(T::from(sub.u16(what)?));
    }
    Ok(items)
}

/// Writes a list of two-byte values with the given prefix.
pub(crate) fn write_u16_list<T: Copy + Into<u16>>(
    out: &mut Vec<u8>,
    prefix: LengthPrefix,
    items: &[T],
) {
    write_prefixed(out, prefix, |out| {
        for item in items {
            out.extend_from_slice(&(*item).into().to_be_bytes());
        }
    });
}

/// Reads a list of one-byte values, e.g. `PskKeyExchangeMode ke_modes<1..255>` (§4.2.9).
pub(crate) fn read_u8_list<T: From<u8>>(
    r: &mut Reader<'_>,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<Vec<T>, DecodeError> {
    let bytes = r.opaque(LengthPrefix::U8, min, max, what)?;
    Ok(bytes.iter().map(|b| T::from(*b)).collect())
}

/// Writes a list of one-byte values with a one-byte prefix.
pub(crate) fn write_u8_list<T: Copy + Into<u8>>(out: &mut Vec<u8>, items: &[T]) {
    write_prefixed(out, LengthPrefix::U8, |out| {
        out.extend(items.iter().map(|item| (*item).into()));
    });
}

/// Reads `ProtocolName protocol_name_list<2..2^16-1>` with `opaque ProtocolName<1..2^8-1>`
/// (RFC 7301 §3.1): names may not be empty.
pub(crate) fn read_alpn_list(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Vec<Vec<u8>>, DecodeError> {
    read_list(r, LengthPrefix::U16, 2, 0xffff, what, |r| {
        Ok(r.opaque(LengthPrefix::U8, 1, 0xff, what)?.to_vec())
    })
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
pub(crate) fn read_authorities(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Vec<DistinguishedName>, DecodeError> {
    read_list(r, LengthPrefix::U16, 3, 0xffff, what, |r| {
        Ok(DistinguishedName(
            r.opaque(LengthPrefix::U16, 1, 0xffff, what)?.to_vec(),
        ))
    })
}

/// Writes `certificate_authorities`.
pub(crate) fn write_authorities(out: &mut Vec<u8>, names: &[DistinguishedName]) {
    write_prefixed(out, LengthPrefix::U16, |out| {
        for name in names {
            write_opaque(out, LengthPrefix::U16, &name.0);
        }
    });
}

/// Reads `ServerNameList` (RFC 6066 §3) and returns its one `host_name`.
///
/// RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same
/// name_type", and host_name (0) is the only type defined; since a name of another type has
/// no defined length, it cannot be skipped and is rejected. The name must be ASCII
/// ("HostName" is "represented as a byte string using ASCII encoding without a trailing
/// dot"); whether it is a valid DNS name is the server's business.
pub(crate) fn read_server_name(r: &mut Reader<'_>) -> Result<String, DecodeError> {
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
    String::from_utf8(name.to_vec())
        .map_err(|_| DecodeError::new(WHAT, DecodeErrorKind::IllegalValue))
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
        assert_round_trip(&KeyShareEntry {
            group: NamedGroup::x25519,
            key_exchange: vec![7; 32],
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
                key_exchange,
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
        assert_round_trip(&OfferedPsks {
            identities: vec![PskIdentity {
                identity: b"ticket".to_vec(),
                obfuscated_ticket_age: 0x01020304,
            }],
            binders: vec![vec![9; 32]],
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
