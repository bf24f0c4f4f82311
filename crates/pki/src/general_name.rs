//! GeneralName (RFC 5280 §4.2.1.6): the name forms of subjectAltName, name constraints and
//! CRL distribution points.

use std::fmt;
use std::net::IpAddr;

use crate::der::Reader;
use crate::distinguished_name::Name;
use crate::error::Error;
use crate::inline_list::InlineList;

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
    /// Up to `N` names are held inline (no allocation), more on the heap.
    pub(crate) fn read_all<const N: usize>(
        contents: &'a [u8],
    ) -> Result<InlineList<Self, N>, Error> {
        let mut r = Reader::new(contents, "GeneralNames");
        let mut out = InlineList::new();
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
