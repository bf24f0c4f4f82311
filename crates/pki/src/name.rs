//! Names: distinguished names (RFC 5280 §4.1.2.4), GeneralName (§4.2.1.6), server identity
//! matching (RFC 6125 §6), and name constraints (RFC 5280 §4.2.1.10).

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use crate::der::{oid_to_string, tag, Reader};
use crate::error::Error;
use crate::public_suffix::is_public_suffix;

/// A distinguished name, borrowed from a certificate. `Display` gives "CN=foo, O=bar".
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
                Some(l) => write!(f, "{l}={}", decode_string(*t, v))?,
                None => write!(f, "{}={}", oid_to_string(oid), decode_string(*t, v))?,
            }
        }
        Ok(())
    }
}

/// One GeneralName (RFC 5280 §4.2.1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneralName<'a> {
    /// dNSName: an IA5String host name, possibly a wildcard.
    Dns(&'a [u8]),
    /// iPAddress: 4 or 16 octets in a SAN; 8 or 32 (address and mask) in a constraint.
    Ip(&'a [u8]),
    /// directoryName.
    Directory(Name<'a>),
    /// rfc822Name: an email address, or in a constraint a host or domain.
    Email(&'a [u8]),
    /// uniformResourceIdentifier.
    Uri(&'a [u8]),
    /// otherName, x400Address, ediPartyName, registeredID: kept only as their tag.
    Other(u8),
}

impl<'a> GeneralName<'a> {
    /// Reads one GeneralName.
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let tlv = r.read_any()?;
        Ok(match tlv.tag {
            0x82 => Self::Dns(ia5(tlv.value).ok_or_else(|| r.err("dNSName is not IA5"))?),
            0x87 => Self::Ip(tlv.value),
            0xa4 => {
                let mut inner = Reader::new(tlv.value, "GeneralName.directoryName");
                let n = Name::read(&mut inner)?;
                inner.finish()?;
                Self::Directory(n)
            }
            0x81 => Self::Email(ia5(tlv.value).ok_or_else(|| r.err("rfc822Name is not IA5"))?),
            0x86 => Self::Uri(ia5(tlv.value).ok_or_else(|| r.err("URI is not IA5"))?),
            0xa0 | 0xa3 | 0xa5 | 0x88 => Self::Other(tlv.tag),
            _ => return Err(r.err("unknown GeneralName type")),
        })
    }

    /// Reads a `GeneralNames` SEQUENCE's contents (at least one entry).
    pub(crate) fn read_all(contents: &'a [u8]) -> Result<Vec<Self>, Error> {
        let mut r = Reader::new(contents, "GeneralNames");
        let mut out = Vec::new();
        while !r.is_empty() {
            out.push(Self::read(&mut r)?);
        }
        if out.is_empty() {
            return Err(r.err("empty GeneralNames"));
        }
        Ok(out)
    }
}

impl fmt::Display for GeneralName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => write!(f, "{}", String::from_utf8_lossy(d)),
            Self::Ip(ip) => match ip_from_bytes(ip) {
                Some(a) => write!(f, "{a}"),
                None => match ip.len() {
                    8 | 32 => {
                        let (a, m) = ip.split_at(ip.len() / 2);
                        let bits: u32 = m.iter().map(|b| b.count_ones()).sum();
                        match ip_from_bytes(a) {
                            Some(a) => write!(f, "{a}/{bits}"),
                            None => f.write_str("(bad IP)"),
                        }
                    }
                    _ => f.write_str("(bad IP)"),
                },
            },
            Self::Directory(n) => write!(f, "{n}"),
            Self::Email(e) => write!(f, "{}", String::from_utf8_lossy(e)),
            Self::Uri(u) => write!(f, "{}", String::from_utf8_lossy(u)),
            Self::Other(t) => write!(f, "(GeneralName type {t:#x})"),
        }
    }
}

fn ia5(v: &[u8]) -> Option<&[u8]> {
    v.is_ascii().then_some(v)
}

/// An IP address from 4 or 16 octets.
pub(crate) fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

/// The name a client expects a server (or a server a client) to have.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubjectName {
    /// A DNS host name, lowercase, without a trailing dot.
    Dns(String),
    /// An IP address.
    Ip(IpAddr),
}

impl SubjectName {
    /// Parses "example.com" or "127.0.0.1" / "::1" (brackets allowed). Fails on anything that
    /// is neither a valid host name nor an IP address.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let t = s.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        let d = s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
        if is_valid_dns_name(d.as_bytes(), false) {
            Ok(Self::Dns(d))
        } else {
            Err(Error::Decode(crate::error::DecodeError {
                context: "server name",
                reason: "not a valid host name or IP address",
            }))
        }
    }
}

impl fmt::Display for SubjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => f.write_str(d),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Whether `name` is a syntactically valid DNS name (letters, digits, hyphens, labels of 1–63
/// characters, 253 in all); with `wildcard`, a leftmost label of exactly `*` is allowed.
pub(crate) fn is_valid_dns_name(name: &[u8], wildcard: bool) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let name = name.strip_suffix(b".").unwrap_or(name);
    let mut all_numeric = true;
    for (i, label) in name.split(|&b| b == b'.').enumerate() {
        if i == 0 && wildcard && label == b"*" {
            continue;
        }
        if label.is_empty() || label.len() > 63 {
            return false;
        }
        if label.first() == Some(&b'-') || label.last() == Some(&b'-') {
            return false;
        }
        if !label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return false;
        }
        all_numeric = label.iter().all(u8::is_ascii_digit);
    }
    // The last label (the TLD) is never all digits: that would be an IP address.
    !all_numeric
}

/// The public suffix a wildcard name sits directly above (`*.co.uk` → `co.uk`), if it does:
/// such a name matches nothing, and an error message should say why.
pub(crate) fn wildcard_public_suffix(presented: &[u8]) -> Option<String> {
    let rest = presented.strip_prefix(b"*.")?;
    let rest = rest.strip_suffix(b".").unwrap_or(rest);
    let rest = std::str::from_utf8(rest).ok()?.to_ascii_lowercase();
    is_public_suffix(&rest).then_some(rest)
}

/// Whether a presented SAN dNSName matches a reference host name (RFC 6125 §6.4):
/// case-insensitive; a wildcard only as the whole leftmost label, matching exactly one label,
/// and never directly above a public suffix.
pub(crate) fn dns_name_matches(presented: &[u8], reference: &str) -> bool {
    let presented = presented.strip_suffix(b".").unwrap_or(presented);
    let Ok(presented) = std::str::from_utf8(presented) else {
        return false;
    };
    let presented = presented.to_ascii_lowercase();
    let reference = reference
        .strip_suffix('.')
        .unwrap_or(reference)
        .to_ascii_lowercase();
    if !is_valid_dns_name(presented.as_bytes(), true) {
        return false;
    }
    match presented.strip_prefix("*.") {
        None => presented == reference,
        Some(rest) => {
            if is_public_suffix(rest) {
                return false;
            }
            match reference.split_once('.') {
                Some((first, ref_rest)) => !first.is_empty() && ref_rest == rest,
                None => false,
            }
        }
    }
}

/// The outcome of checking one name against one subtree.
fn dns_in_subtree(name: &str, base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    if let Some(suffix) = base.strip_prefix('.') {
        return name.len() > suffix.len() + 1 && ends_with_label(name, suffix);
    }
    name == base || ends_with_label(name, base)
}

/// Whether `name` ends with `.suffix` (a label boundary).
fn ends_with_label(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len()
        && name.ends_with(suffix)
        && name.as_bytes().get(name.len() - suffix.len() - 1) == Some(&b'.')
}

/// Whether a wildcard name `*.rest` could name something inside the subtree `base`.
fn wildcard_intersects(rest: &str, base: &str) -> bool {
    let base = base.strip_prefix('.').unwrap_or(base);
    match base.split_once('.') {
        Some((first, brest)) => !first.is_empty() && brest == rest,
        None => false,
    }
}

/// Name constraints of one CA (RFC 5280 §4.2.1.10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameConstraints<'a> {
    /// permittedSubtrees bases.
    pub permitted: Option<Vec<GeneralName<'a>>>,
    /// excludedSubtrees bases.
    pub excluded: Option<Vec<GeneralName<'a>>>,
}

impl<'a> NameConstraints<'a> {
    /// Parses the extension value.
    pub(crate) fn parse(value: &'a [u8]) -> Result<Self, Error> {
        let mut outer = Reader::new(value, "NameConstraints");
        let mut r = outer.nested(tag::SEQUENCE, "NameConstraints")?;
        outer.finish()?;
        let mut nc = Self::default();
        if let Some(p) = r.optional(tag::context_constructed(0))? {
            nc.permitted = Some(read_subtrees(p.value)?);
        }
        if let Some(e) = r.optional(tag::context_constructed(1))? {
            nc.excluded = Some(read_subtrees(e.value)?);
        }
        r.finish()?;
        if nc.permitted.is_none() && nc.excluded.is_none() {
            return Err(r.err("NameConstraints with neither subtree"));
        }
        Ok(nc)
    }

    /// Checks one name from a certificate (a SAN entry, or the subject as a directoryName).
    pub(crate) fn check(&self, name: &GeneralName<'_>) -> Result<(), Error> {
        if let Some(excluded) = &self.excluded {
            for base in excluded {
                if let Some(true) = subtree_match(name, base, true)? {
                    return Err(violation(name, "excluded", base));
                }
            }
        }
        if let Some(permitted) = &self.permitted {
            let mut same_kind = None;
            for base in permitted {
                match subtree_match(name, base, false)? {
                    Some(true) => return Ok(()),
                    Some(false) => same_kind = Some(base),
                    None => {}
                }
            }
            if let Some(base) = same_kind {
                return Err(violation(name, "permitted", base));
            }
        }
        Ok(())
    }
}

fn violation(name: &GeneralName<'_>, kind: &str, base: &GeneralName<'_>) -> Error {
    let base_text = match base {
        GeneralName::Dns([]) => "(any DNS name)".to_string(),
        _ => base.to_string(),
    };
    let constraint = match kind {
        "permitted" => format!("permitted: {base_text}, and others of its kind"),
        _ => format!("excluded: {base_text}"),
    };
    Error::NameConstraintViolated {
        name: name.to_string(),
        constraint,
    }
}

fn read_subtrees(contents: &[u8]) -> Result<Vec<GeneralName<'_>>, Error> {
    let mut r = Reader::new(contents, "GeneralSubtrees");
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut st = r.nested(tag::SEQUENCE, "GeneralSubtree")?;
        let base = GeneralName::read(&mut st)?;
        // RFC 5280 §4.2.1.10: minimum MUST be zero (so absent in DER), maximum MUST be absent.
        if !st.is_empty() {
            return Err(st.err("GeneralSubtree minimum/maximum are not allowed"));
        }
        out.push(base);
    }
    if out.is_empty() {
        return Err(r.err("empty GeneralSubtrees"));
    }
    Ok(out)
}

/// Whether `name` lies in the subtree `base`: `None` when they are different kinds (the
/// constraint does not apply). For excluded subtrees (`excluded`), a wildcard DNS name
/// matches when it could name something inside the subtree. Unsupported kinds fail closed.
fn subtree_match(
    name: &GeneralName<'_>,
    base: &GeneralName<'_>,
    excluded: bool,
) -> Result<Option<bool>, Error> {
    Ok(match (name, base) {
        (GeneralName::Dns(n), GeneralName::Dns(b)) => {
            let n = String::from_utf8_lossy(n).to_ascii_lowercase();
            let n = n.strip_suffix('.').unwrap_or(&n).to_string();
            let b = String::from_utf8_lossy(b).to_ascii_lowercase();
            if !b.is_empty() && !is_valid_dns_name(b.as_bytes(), false) {
                return Err(malformed_constraint(base));
            }
            // A presented name that is not a valid host name is never inside a subtree.
            if !is_valid_dns_name(n.as_bytes(), true) {
                return Err(Error::NameConstraintViolated {
                    name: name.to_string(),
                    constraint: "not a valid DNS name, so not inside any subtree".to_string(),
                });
            }
            let inside = dns_in_subtree(&n, &b)
                || (excluded
                    && n.strip_prefix("*.")
                        .is_some_and(|rest| wildcard_intersects(rest, &b)));
            Some(inside)
        }
        (GeneralName::Ip(n), GeneralName::Ip(b)) => {
            if b.len() != 8 && b.len() != 32 {
                return Err(malformed_constraint(base));
            }
            let (addr, mask) = b.split_at(b.len() / 2);
            if !is_contiguous_mask(mask) {
                return Err(malformed_constraint(base));
            }
            if n.len() != addr.len() {
                Some(false)
            } else {
                Some(
                    n.iter()
                        .zip(addr)
                        .zip(mask)
                        .all(|((x, a), m)| x & m == a & m),
                )
            }
        }
        (GeneralName::Directory(n), GeneralName::Directory(b)) => {
            let nr: Vec<_> = n.rdn_list().collect::<Result<_, _>>()?;
            let br: Vec<_> = b.rdn_list().collect::<Result<_, _>>()?;
            Some(br.len() <= nr.len() && nr.iter().zip(&br).all(|(x, y)| x == y))
        }
        (GeneralName::Email(n), GeneralName::Email(b)) => {
            // A presented address that is not a Mailbox is never inside a subtree.
            if !is_valid_mailbox(n) {
                return Err(Error::NameConstraintViolated {
                    name: name.to_string(),
                    constraint: "not a valid email address, so not inside any subtree".to_string(),
                });
            }
            Some(email_in_subtree(n, b))
        }
        (GeneralName::Uri(_), GeneralName::Uri(_)) => {
            return Err(Error::NameConstraintViolated {
                name: name.to_string(),
                constraint: "URI name constraints are not supported".to_string(),
            })
        }
        // RFC 5280 §4.2.1.10: a constraint on a name form we cannot process, applied to a
        // name of that form, is a failure.
        (GeneralName::Other(a), GeneralName::Other(b)) if a == b => {
            return Err(Error::NameConstraintViolated {
                name: name.to_string(),
                constraint: "constraints on this name form are not supported".to_string(),
            })
        }
        (_, GeneralName::Other(_)) | (GeneralName::Other(_), _) => None,
        _ => None,
    })
}

fn malformed_constraint(base: &GeneralName<'_>) -> Error {
    Error::NameConstraintViolated {
        name: base.to_string(),
        constraint: "the constraint itself is malformed".to_string(),
    }
}

fn is_contiguous_mask(mask: &[u8]) -> bool {
    let mut seen_zero = false;
    for &b in mask {
        for i in (0..8).rev() {
            let bit = b >> i & 1 == 1;
            if bit && seen_zero {
                return false;
            }
            if !bit {
                seen_zero = true;
            }
        }
    }
    true
}

/// RFC 5280 §4.2.1.6: an rfc822Name is a "Mailbox" of RFC 2821 §4.1.2, `Local-part@Domain`:
/// the local part a dot-atom or a quoted string, the domain a host name or an address
/// literal in brackets.
fn is_valid_mailbox(name: &[u8]) -> bool {
    let Some(at) = name.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let (local, at_domain) = name.split_at(at);
    let domain = at_domain.get(1..).unwrap_or_default();
    let domain_ok = is_valid_dns_name(domain, false)
        || (domain.len() > 2 && domain.first() == Some(&b'[') && domain.last() == Some(&b']'));
    let quoted = local.len() >= 2 && local.first() == Some(&b'"') && local.last() == Some(&b'"');
    // RFC 2821 §4.1.2 atext: letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~.
    let atext = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(b);
    let local_ok = quoted
        || local
            .split(|&b| b == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(atext));
    domain_ok && local_ok
}

/// RFC 5280 §4.2.1.10 rfc822Name constraints: a full address, a host, or `.domain`.
fn email_in_subtree(name: &[u8], base: &[u8]) -> bool {
    let name = String::from_utf8_lossy(name);
    let base = String::from_utf8_lossy(base).to_ascii_lowercase();
    let Some((_, host)) = name.rsplit_once('@') else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    if base.contains('@') {
        name.eq_ignore_ascii_case(&base)
    } else if let Some(domain) = base.strip_prefix('.') {
        ends_with_label(&host, domain)
    } else {
        host == base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_exactly_one_leftmost_label() {
        assert!(dns_name_matches(b"*.example.com", "www.example.com"));
        assert!(dns_name_matches(b"*.EXAMPLE.com", "WWW.example.COM"));
        assert!(!dns_name_matches(b"*.example.com", "example.com"));
        assert!(!dns_name_matches(b"*.example.com", "a.b.example.com"));
        assert!(!dns_name_matches(b"w*.example.com", "www.example.com"));
        assert!(!dns_name_matches(b"www.*.com", "www.example.com"));
    }

    #[test]
    fn wildcard_never_covers_a_public_suffix() {
        assert!(!dns_name_matches(b"*.com", "example.com"));
        assert!(!dns_name_matches(b"*.co.uk", "example.co.uk"));
        assert!(!dns_name_matches(b"*.foo.kawasaki.jp", "a.foo.kawasaki.jp"));
        assert!(!dns_name_matches(b"*.xn--55qx5d.cn", "a.xn--55qx5d.cn"));
        assert!(dns_name_matches(
            b"*.city.kawasaki.jp",
            "www.city.kawasaki.jp"
        ));
        assert!(dns_name_matches(b"*.example.co.uk", "www.example.co.uk"));
        // A private registry's own wildcard (GitHub Pages' certificate is for *.github.io).
        assert!(dns_name_matches(b"*.github.io", "octocat.github.io"));
        assert_eq!(
            wildcard_public_suffix(b"*.CO.uk.").as_deref(),
            Some("co.uk")
        );
        assert_eq!(wildcard_public_suffix(b"*.example.co.uk"), None);
        assert_eq!(wildcard_public_suffix(b"www.co.uk"), None);
    }

    #[test]
    fn subject_names_parse_hosts_and_ips() {
        assert_eq!(
            SubjectName::parse("Example.COM.").unwrap(),
            SubjectName::Dns("example.com".into())
        );
        assert!(matches!(
            SubjectName::parse("::1").unwrap(),
            SubjectName::Ip(_)
        ));
        assert!(SubjectName::parse("bad name").is_err());
    }

    #[test]
    fn dns_constraints_follow_label_boundaries() {
        assert!(dns_in_subtree("example.com", "example.com"));
        assert!(dns_in_subtree("a.example.com", "example.com"));
        assert!(!dns_in_subtree("badexample.com", "example.com"));
        assert!(!dns_in_subtree("example.com", ".example.com"));
        assert!(dns_in_subtree("a.example.com", ".example.com"));
    }

    #[test]
    fn excluded_wildcard_names_count_when_they_could_match() {
        assert!(wildcard_intersects("example.com", "bad.example.com"));
        assert!(!wildcard_intersects("example.com", "a.bad.example.com"));
    }

    #[test]
    fn ip_constraints_compare_under_the_mask() {
        let nc = NameConstraints {
            permitted: Some(vec![GeneralName::Ip(&[10, 0, 0, 0, 255, 0, 0, 0])]),
            excluded: Some(vec![GeneralName::Ip(&[10, 9, 0, 0, 255, 255, 0, 0])]),
        };
        assert!(nc.check(&GeneralName::Ip(&[10, 1, 2, 3])).is_ok());
        let e = nc.check(&GeneralName::Ip(&[11, 1, 2, 3])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "name 11.1.2.3 is outside what the issuing CA may certify (permitted: 10.0.0.0/8, and others of its kind)"
        );
        let e = nc.check(&GeneralName::Ip(&[10, 9, 2, 3])).unwrap_err();
        assert!(e.to_string().ends_with("(excluded: 10.9.0.0/16)"), "{e}");
        // An IPv6 address lies in no IPv4 subtree, so it is outside the permitted ones.
        assert!(nc.check(&GeneralName::Ip(&[0; 16])).is_err());
        // A DNS name is a different kind: the IP constraints do not apply.
        assert!(nc.check(&GeneralName::Dns(b"example.com")).is_ok());
    }

    #[test]
    fn malformed_constraints_fail_closed() {
        let nc = NameConstraints {
            permitted: Some(vec![GeneralName::Ip(&[10, 0, 0, 0, 255, 0, 255, 0])]),
            excluded: None,
        };
        assert!(nc.check(&GeneralName::Ip(&[10, 0, 0, 1])).is_err());
        let nc = NameConstraints {
            permitted: Some(vec![GeneralName::Dns(b".example.com")]),
            excluded: None,
        };
        assert!(nc.check(&GeneralName::Dns(b"a.example.com")).is_err());
    }

    #[test]
    fn an_address_that_is_not_a_mailbox_is_outside_every_email_subtree() {
        let nc = NameConstraints {
            permitted: Some(vec![GeneralName::Email(b"example.com")]),
            excluded: None,
        };
        assert!(nc.check(&GeneralName::Email(b"good@example.com")).is_ok());
        assert!(nc
            .check(&GeneralName::Email(b"\"a@b\"@example.com"))
            .is_ok());
        let e = nc
            .check(&GeneralName::Email(b"invalid@address@example.com"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "name invalid@address@example.com is outside what the issuing CA may certify (not a valid email address, so not inside any subtree)"
        );
        for bad in [
            &b"@example.com"[..],
            b"a..b@example.com",
            b"a@",
            b"a b@example.com",
        ] {
            assert!(nc.check(&GeneralName::Email(bad)).is_err());
        }
    }

    #[test]
    fn excluded_dns_subtrees_catch_wildcards_that_could_match() {
        let nc = NameConstraints {
            permitted: None,
            excluded: Some(vec![GeneralName::Dns(b"bad.example.com")]),
        };
        assert!(nc.check(&GeneralName::Dns(b"*.example.com")).is_err());
        assert!(nc.check(&GeneralName::Dns(b"good.example.com")).is_ok());
        assert!(nc.check(&GeneralName::Dns(b"x.bad.example.com")).is_err());
    }
}
