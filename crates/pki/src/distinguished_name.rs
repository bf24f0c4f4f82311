//! Distinguished names (RFC 5280 §4.1.2.4): reading a `Name` from a certificate, its
//! attributes, and its display form.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

use crate::der::{oid_to_string, tag, Reader};
use crate::error::Error;
use crate::printable::escape_controls;
use crate::string_prep::{is_string_type, prepare, Unpreparable};

/// A distinguished name, borrowed from a certificate. `Display` gives "CN=foo, O=bar", for
/// a person, with control characters escaped (a name is peer input and is printed in logs);
/// [`Name::to_rfc4514`] gives the form a program reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name<'a> {
    /// The whole DER `Name` (a SEQUENCE of RDNs), tag and length included.
    pub der: &'a [u8],
    /// The SEQUENCE's contents: the RDNs.
    pub(crate) rdns: &'a [u8],
}

impl<'a> Name<'a> {
    /// Reads a Name from `r`, checking its structure.
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let tlv = r.read(tag::SEQUENCE)?;
        let name = Self {
            der: tlv.raw,
            rdns: tlv.value,
        };
        for rdn in name.rdn_list() {
            let rdn = rdn?;
            let mut set = Reader::new(rdn, "Name.RelativeDistinguishedName");
            if set.is_empty() {
                return Err(set.err("empty RDN"));
            }
            while !set.is_empty() {
                let mut atv = set.nested(tag::SEQUENCE, "Name.AttributeTypeAndValue")?;
                atv.oid()?;
                atv.read_any()?;
                atv.finish()?;
            }
        }
        Ok(name)
    }

    /// Whether the name has no RDNs.
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// Each RDN's SET contents.
    pub(crate) fn rdn_list(&self) -> impl Iterator<Item = Result<&'a [u8], Error>> + 'a {
        let mut r = Reader::new(self.rdns, "Name");
        std::iter::from_fn(move || {
            if r.is_empty() {
                None
            } else {
                Some(r.value(tag::SET))
            }
        })
    }

    /// Every (attribute OID, value tag, value bytes).
    pub fn attributes(&self) -> Vec<(&'a [u8], u8, &'a [u8])> {
        self.attribute_iter().collect()
    }

    /// Every (attribute OID, value tag, value bytes), without collecting them. An attribute
    /// that does not decode is skipped.
    pub(crate) fn attribute_iter(&self) -> impl Iterator<Item = (&'a [u8], u8, &'a [u8])> + 'a {
        self.rdn_list().flatten().flat_map(|rdn| {
            let mut set = Reader::new(rdn, "Name");
            std::iter::from_fn(move || loop {
                let mut atv = set.nested(tag::SEQUENCE, "Name").ok()?;
                if let (Ok(oid), Ok(v)) = (atv.oid(), atv.read_any()) {
                    return Some((oid, v.tag, v.value));
                }
            })
        })
    }

    /// The common names (CN), decoded.
    pub fn common_names(&self) -> Vec<String> {
        self.common_name_iter().map(Cow::into_owned).collect()
    }

    /// The common names (CN), decoded, borrowing those that are already UTF-8.
    pub(crate) fn common_name_iter(&self) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.attribute_iter()
            .filter(|(oid, ..)| *oid == OID_CN)
            .map(|(_, t, v)| decode_string(t, v))
    }

    /// The email addresses (PKCS#9 emailAddress attributes).
    pub(crate) fn email_addresses(&self) -> Vec<&'a [u8]> {
        self.attribute_iter()
            .filter(|(oid, t, _)| *oid == OID_EMAIL && *t == tag::IA5_STRING)
            .map(|(_, _, v)| v)
            .collect()
    }
}

impl Name<'_> {
    /// The name as an RFC 4514 string, for a program to read back unambiguously: the RDNs
    /// from the last to the first, joined by `,`; the attributes of a multi-valued RDN joined
    /// by `+` (RFC 4514 §2.1–2.2); each value escaped as RFC 4514 §2.4 requires (`"` `+` `,`
    /// `;` `<` `>` `\`, a leading `#` or space, a trailing space), so a CN of
    /// `mallory, CN=admin` reads `CN=mallory\, CN\=admin`, never as a second RDN. Every byte
    /// outside printable ASCII (control characters, and the UTF-8 of non-ASCII letters) is
    /// written as a `\XX` hex pair, which §2.4 allows, so the result is printable ASCII:
    /// safe in an HTTP header field and in a log line. An attribute type without a short
    /// name is its dotted OID with the value's DER in hex after `#` (§2.4).
    pub fn to_rfc4514(&self) -> String {
        let mut out = String::new();
        let rdns: Vec<&[u8]> = self.rdn_list().flatten().collect();
        for (i, rdn) in rdns.iter().rev().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut set = Reader::new(rdn, "Name.RelativeDistinguishedName");
            let mut first = true;
            while let Ok(mut atv) = set.nested(tag::SEQUENCE, "Name.AttributeTypeAndValue") {
                let (Ok(oid), Ok(value)) = (atv.oid(), atv.read_any()) else {
                    continue;
                };
                if !first {
                    out.push('+');
                }
                first = false;
                match attribute_label(oid) {
                    Some(label) if is_string_type(value.tag) => {
                        out.push_str(label);
                        out.push('=');
                        push_rfc4514_value(&mut out, &decode_string(value.tag, value.value));
                    }
                    label => {
                        out.push_str(
                            label
                                .map_or_else(|| oid_to_string(oid), str::to_string)
                                .as_str(),
                        );
                        out.push_str("=#");
                        for b in value.raw {
                            out.push_str(&format!("{b:02X}"));
                        }
                    }
                }
            }
        }
        out
    }
}

/// Appends one attribute value, escaped (RFC 4514 §2.4), as printable ASCII.
fn push_rfc4514_value(out: &mut String, value: &str) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
            out.push(c);
        } else if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            let mut utf8 = [0u8; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                out.push_str(&format!("\\{b:02X}"));
            }
        }
    }
}

/// A presented name read for comparing with subtrees of directory names: its RDNs are
/// read once, and each attribute value is prepared (RFC 4518) at most once, the first time
/// it is compared, however many subtrees it is compared with.
pub(crate) struct ComparableName<'a> {
    /// Each RDN's attributes, or why they cannot be compared (reported only when a
    /// comparison reaches that RDN).
    rdns: Vec<Result<Vec<PresentedAttribute<'a>>, Unpreparable>>,
}

impl<'a> ComparableName<'a> {
    /// Reads `name`'s RDNs; nothing is prepared yet.
    pub(crate) fn new(name: &Name<'a>) -> Self {
        let rdns = name
            .rdn_list()
            .map(|rdn| {
                let rdn =
                    rdn.map_err(|_| Unpreparable("a malformed relative distinguished name"))?;
                Ok(rdn_attributes(rdn)?
                    .into_iter()
                    .map(|attribute| PresentedAttribute {
                        attribute,
                        comparable: OnceCell::new(),
                    })
                    .collect())
            })
            .collect();
        Self { rdns }
    }

    /// Whether this name lies within the subtree of directory names `base` (RFC 5280 §7.1):
    /// it has at least as many RDNs, and its leading RDNs match `base`'s in order. Two RDNs
    /// match when they have as many attributes and each of this name's has a match of the
    /// same type in `base`'s; string values match after string preparation (RFC 4518, see
    /// [`string_prep`](crate::string_prep)), so that a respelling in another string type,
    /// letter case or spacing is the same name; other values match octet for octet.
    ///
    /// Every string attribute is compared with caseIgnoreMatch, which RFC 5280 §7.1 requires
    /// for the DirectoryString attributes; the few attribute types with another matching
    /// rule are compared by it too, which only ever finds more names equal.
    ///
    /// `Err` when a pair of values that must be compared cannot be prepared, or an RDN
    /// compared has more than [`MAX_RDN_ATTRIBUTES`] attributes: that comparison is
    /// Undefined (RFC 4518 §1), and the caller decides how to fail closed.
    pub(crate) fn is_within(&self, base: &Name<'_>) -> Result<bool, Unpreparable> {
        let malformed = |_| Unpreparable("a malformed relative distinguished name");
        if self.rdns.len() < base.rdn_list().count() {
            return Ok(false);
        }
        for (rdn, base_rdn) in self.rdns.iter().zip(base.rdn_list()) {
            if !rdns_match(
                rdn.as_ref().map_err(|why| *why)?,
                base_rdn.map_err(malformed)?,
            )? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Whether the presented RDN `rdn` matches `base` (a SET's contents; RFC 5280 §7.1).
/// Sorting and binary search keep this O(n log n) in the attributes, whatever a
/// certificate holds; no value is prepared unless every attribute type of `rdn` is in
/// `base`.
fn rdns_match(rdn: &[PresentedAttribute<'_>], base: &[u8]) -> Result<bool, Unpreparable> {
    let base_attributes = rdn_attributes(base)?;
    if rdn.len() != base_attributes.len() {
        return Ok(false);
    }
    let mut base_types: Vec<&[u8]> = base_attributes.iter().map(|a| a.kind).collect();
    base_types.sort_unstable();
    if rdn
        .iter()
        .any(|a| base_types.binary_search(&a.attribute.kind).is_err())
    {
        return Ok(false);
    }
    let mut base_values = base_attributes
        .iter()
        .map(Attribute::comparable)
        .collect::<Result<Vec<_>, Unpreparable>>()?;
    base_values.sort_unstable();
    for presented in rdn {
        if base_values.binary_search(presented.comparable()?).is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One attribute of a presented name, with its comparable form once it has been prepared.
struct PresentedAttribute<'a> {
    attribute: Attribute<'a>,
    comparable: OnceCell<Result<(&'a [u8], ComparableValue<'a>), Unpreparable>>,
}

impl<'a> PresentedAttribute<'a> {
    /// The type and value in the form two attributes are compared in, prepared on first use.
    fn comparable(&self) -> Result<&(&'a [u8], ComparableValue<'a>), Unpreparable> {
        self.comparable
            .get_or_init(|| self.attribute.comparable())
            .as_ref()
            .map_err(|why| *why)
    }
}

/// The most attributes an RDN may have and still be compared: real multi-valued RDNs have
/// two or three. With [`MAX_PREPARED_OCTETS`] this bounds the work of comparing one pair
/// of RDNs, however many of them a path's name-constraint checks compare.
///
/// [`MAX_PREPARED_OCTETS`]: crate::string_prep::MAX_PREPARED_OCTETS
const MAX_RDN_ATTRIBUTES: usize = 16;

/// The attributes of an RDN's SET contents.
fn rdn_attributes(rdn: &[u8]) -> Result<Vec<Attribute<'_>>, Unpreparable> {
    let malformed = |_| Unpreparable("a malformed attribute");
    let mut set = Reader::new(rdn, "Name.RelativeDistinguishedName");
    let mut out = Vec::new();
    while !set.is_empty() {
        if out.len() == MAX_RDN_ATTRIBUTES {
            return Err(Unpreparable("an RDN of too many attributes to compare"));
        }
        let mut atv = set
            .nested(tag::SEQUENCE, "Name.AttributeTypeAndValue")
            .map_err(malformed)?;
        let kind = atv.oid().map_err(malformed)?;
        let value = atv.read_any().map_err(malformed)?;
        out.push(Attribute {
            kind,
            tag: value.tag,
            value: value.value,
        });
    }
    Ok(out)
}

/// One AttributeTypeAndValue of an RDN, borrowed.
#[derive(Clone, Copy, Debug)]
struct Attribute<'a> {
    /// The attribute type's OID content octets.
    kind: &'a [u8],
    /// The value's tag.
    tag: u8,
    /// The value's contents.
    value: &'a [u8],
}

impl<'a> Attribute<'a> {
    /// The type and value in the form two attributes are compared in.
    fn comparable(&self) -> Result<(&'a [u8], ComparableValue<'a>), Unpreparable> {
        Ok((self.kind, ComparableValue::of(self.tag, self.value)?))
    }
}

/// An attribute value in the form two values are compared in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ComparableValue<'a> {
    /// A string type's value, prepared (RFC 4518).
    Prepared(String),
    /// Any other value: its tag and octets.
    Octets(u8, &'a [u8]),
}

impl<'a> ComparableValue<'a> {
    fn of(t: u8, value: &'a [u8]) -> Result<Self, Unpreparable> {
        if is_string_type(t) {
            prepare(t, value).map(Self::Prepared)
        } else {
            Ok(Self::Octets(t, value))
        }
    }
}

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

fn attribute_label(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x09] => "STREET",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        OID_EMAIL => "emailAddress",
        _ => return None,
    })
}

/// Decodes a directory string for display (lossy; never fails).
fn decode_string(t: u8, v: &[u8]) -> Cow<'_, str> {
    match t {
        tag::BMP_STRING => {
            let units: Vec<u16> = v
                .chunks(2)
                .map(|c| (u16::from(c[0]) << 8) | u16::from(*c.get(1).unwrap_or(&0)))
                .collect();
            Cow::Owned(String::from_utf16_lossy(&units))
        }
        tag::UNIVERSAL_STRING => Cow::Owned(
            v.chunks(4)
                .filter_map(|c| {
                    let b: [u8; 4] = c.try_into().ok()?;
                    char::from_u32(u32::from_be_bytes(b))
                })
                .collect(),
        ),
        tag::TELETEX_STRING => Cow::Owned(v.iter().map(|&b| char::from(b)).collect()),
        _ => String::from_utf8_lossy(v),
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attrs = self.attributes();
        if attrs.is_empty() {
            return f.write_str("(empty name)");
        }
        for (i, (oid, t, v)) in attrs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match attribute_label(oid) {
                Some(l) => write!(f, "{l}={}", escape_controls(&decode_string(*t, v)))?,
                None => write!(
                    f,
                    "{}={}",
                    oid_to_string(oid),
                    escape_controls(&decode_string(*t, v))
                )?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::der_writer::DerWriter;

    /// A Name of one RDN per (OID, value) pair, each value a UTF8String.
    fn name_der(rdns: &[&[(&[u64], &str)]]) -> Vec<u8> {
        let mut w = DerWriter::new();
        w.sequence(|w| {
            for rdn in rdns {
                w.set(|w| {
                    for (oid, value) in *rdn {
                        w.sequence(|w| {
                            w.oid(oid);
                            w.utf8_string(value);
                        });
                    }
                });
            }
        });
        w.finish()
    }

    fn rfc4514(der: &[u8]) -> String {
        let mut r = Reader::new(der, "test");
        Name::read(&mut r).unwrap().to_rfc4514()
    }

    const CN: &[u64] = &[2, 5, 4, 3];
    const O: &[u64] = &[2, 5, 4, 10];

    #[test]
    fn rfc4514_lists_rdns_last_first() {
        let der = name_der(&[&[(O, "Example")], &[(CN, "alice")]]);
        assert_eq!(rfc4514(&der), "CN=alice,O=Example");
    }

    #[test]
    fn rfc4514_escapes_a_value_that_looks_like_a_second_rdn() {
        let der = name_der(&[&[(CN, "mallory, CN=admin")]]);
        assert_eq!(rfc4514(&der), "CN=mallory\\, CN\\=admin");
        let der = name_der(&[&[(CN, "mallory+CN=admin")]]);
        assert_eq!(rfc4514(&der), "CN=mallory\\+CN\\=admin");
    }

    #[test]
    fn rfc4514_joins_a_multi_valued_rdn_with_plus() {
        let der = name_der(&[&[(CN, "a"), (O, "b")]]);
        assert_eq!(rfc4514(&der), "CN=a+O=b");
    }

    #[test]
    fn rfc4514_escapes_edges_control_characters_and_non_ascii() {
        let der = name_der(&[&[(CN, "# x ")]]);
        assert_eq!(rfc4514(&der), "CN=\\# x\\ ");
        let der = name_der(&[&[(O, "a\nCN=b\u{1b}é")]]);
        assert_eq!(rfc4514(&der), "O=a\\0ACN\\=b\\1B\\C3\\A9");
    }

    #[test]
    fn display_escapes_control_characters_so_a_name_cannot_forge_a_log_line() {
        let der = name_der(&[&[(O, "x\n127.0.0.1 [CN=admin] \"GET /\" 200")]]);
        let mut r = Reader::new(&der, "test");
        let shown = Name::read(&mut r).unwrap().to_string();
        assert_eq!(shown, "O=x\\u{a}127.0.0.1 [CN=admin] \"GET /\" 200");
    }

    #[test]
    fn rfc4514_writes_an_unknown_type_as_its_oid_and_der() {
        let der = name_der(&[&[(&[1, 2, 3], "x")]]);
        assert_eq!(rfc4514(&der), "1.2.3=#0C0178");
    }
}
