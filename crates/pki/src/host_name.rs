//! Host names: their syntax (RFC 1035 §2.3.1, as certificates use it), the name a peer is
//! expected to have ([`SubjectName`]), and matching it against a certificate's dNSName
//! (RFC 6125 §6.4), wildcards included.

use std::fmt;
use std::net::IpAddr;

use crate::error::{DecodeError, Error};
use crate::public_suffix::is_public_suffix;

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
            Err(Error::Decode(DecodeError {
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
    let reference = reference.strip_suffix('.').unwrap_or(reference);
    // Validity does not depend on case.
    if !is_valid_dns_name(presented.as_bytes(), true) {
        return false;
    }
    match presented.strip_prefix("*.") {
        // A plain name: compared without copying either side to lowercase.
        None => presented.eq_ignore_ascii_case(reference),
        // The public-suffix rules are lowercase, so a wildcard is compared in lowercase.
        Some(rest) => {
            let rest = rest.to_ascii_lowercase();
            !is_public_suffix(&rest) && wildcard_covers(&rest, &reference.to_ascii_lowercase())
        }
    }
}

/// Whether the wildcard name `*.rest` covers the host name `host` (both lowercase, without
/// a trailing dot): the wildcard stands for exactly one whole, non-empty label (RFC 6125
/// §6.4.3).
pub(crate) fn wildcard_covers(rest: &str, host: &str) -> bool {
    match host.split_once('.') {
        Some((first, host_rest)) => !first.is_empty() && host_rest == rest,
        None => false,
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
}
