//! Names the CA puts in nameConstraints (RFC 5280 §4.2.1.10).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::CaError;
use crate::host_name::SubjectName;

/// A permitted subtree of a nameConstraints extension (RFC 5280 §4.2.1.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Permitted {
    /// A DNS domain: the name itself and every name under it.
    Dns(String),
    /// An address range: network address and prefix length.
    Ip(IpAddr, u8),
}

impl Permitted {
    /// The default constraints of a local root: `localhost`, `test`, `internal`, `local`
    /// and `home.arpa` (and their subdomains; RFC 6761, ICANN's `.internal`, multicast DNS's
    /// `.local` of RFC 6762 and RFC 8375's home networks), 127.0.0.0/8, ::1/128, the RFC 1918
    /// ranges and fc00::/7 (RFC 4193). None of these names can be registered on the public
    /// internet, so a root limited to them vouches for nothing a stranger could visit.
    pub fn local_defaults() -> Vec<Self> {
        vec![
            Self::Dns("localhost".into()),
            Self::Dns("test".into()),
            Self::Dns("internal".into()),
            Self::Dns("local".into()),
            Self::Dns("home.arpa".into()),
            Self::Ip(Ipv4Addr::new(127, 0, 0, 0).into(), 8),
            Self::Ip(Ipv6Addr::LOCALHOST.into(), 128),
            Self::Ip(Ipv4Addr::new(10, 0, 0, 0).into(), 8),
            Self::Ip(Ipv4Addr::new(172, 16, 0, 0).into(), 12),
            Self::Ip(Ipv4Addr::new(192, 168, 0, 0).into(), 16),
            Self::Ip(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0).into(), 7),
        ]
    }

    /// Parses `example.lan` (a leading dot is accepted and dropped: the constraint covers
    /// the domain and its subdomains either way), `10.1.0.0/16`, or a single address.
    pub fn parse(s: &str) -> Result<Self, CaError> {
        let bad = || CaError::BadName(s.to_string());
        let t = s.trim();
        if let Some((addr, prefix)) = t.split_once('/') {
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            let prefix: u8 = prefix.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if prefix > max {
                return Err(bad());
            }
            return Ok(Self::Ip(addr, prefix));
        }
        if let Ok(addr) = t.parse::<IpAddr>() {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            return Ok(Self::Ip(addr, max));
        }
        let name = t.strip_prefix('.').unwrap_or(t);
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if is_dns_name(&name) {
            Ok(Self::Dns(name))
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for Permitted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => f.write_str(d),
            Self::Ip(ip, p) => write!(f, "{ip}/{p}"),
        }
    }
}

/// Whether `name` lies within `permitted` (RFC 5280 §4.2.1.10): a DNS name equals a
/// constraint or ends with `.` + constraint; an address lies in a range of its family. A
/// name type with no permitted subtree at all is unconstrained.
pub(super) fn is_permitted(permitted: &[Permitted], name: &SubjectName) -> bool {
    match name {
        SubjectName::Dns(d) => {
            let host = d.strip_prefix("*.").unwrap_or(d);
            let mut dns = permitted.iter().filter_map(|p| match p {
                Permitted::Dns(c) => Some(c),
                Permitted::Ip(..) => None,
            });
            let mut any = false;
            let ok = dns.any(|c| {
                any = true;
                host == c || host.ends_with(&format!(".{c}"))
            });
            ok || !any
        }
        SubjectName::Ip(ip) => {
            let ranges: Vec<_> = permitted
                .iter()
                .filter_map(|p| match p {
                    Permitted::Ip(net, prefix) if net.is_ipv4() == ip.is_ipv4() => {
                        Some((net, *prefix))
                    }
                    _ => None,
                })
                .collect();
            let any_ip = permitted.iter().any(|p| matches!(p, Permitted::Ip(..)));
            !any_ip
                || ranges
                    .iter()
                    .any(|(net, prefix)| in_range(ip, net, *prefix))
        }
    }
}

fn in_range(ip: &IpAddr, net: &IpAddr, prefix: u8) -> bool {
    let (a, b): (u128, u128) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(*a).into(), u32::from(*b).into()),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(*a), u128::from(*b)),
        _ => return false,
    };
    let width = if ip.is_ipv4() { 32 } else { 128 };
    let shift = width - u32::from(prefix).min(width);
    if shift >= 128 {
        return true;
    }
    (a >> shift) == (b >> shift)
}

/// A preferred-syntax host name (RFC 1034 §3.5, as relaxed by RFC 1123 §2.1): labels of
/// letters, digits and hyphens, 1..=63 octets, not starting or ending with a hyphen; at
/// most 253 octets. Underscores are allowed too (common in internal names).
fn is_dns_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permitted_subtrees_parse_networks_and_domains() {
        assert_eq!(
            Permitted::parse("10.1.0.0/16").unwrap(),
            Permitted::Ip(Ipv4Addr::new(10, 1, 0, 0).into(), 16)
        );
        assert_eq!(
            Permitted::parse(".lan").unwrap(),
            Permitted::Dns("lan".into())
        );
        assert_eq!(
            Permitted::parse("::1").unwrap(),
            Permitted::Ip(Ipv6Addr::LOCALHOST.into(), 128)
        );
        assert!(Permitted::parse("10.0.0.0/33").is_err());
        assert!(Permitted::parse("a b").is_err());
    }

    #[test]
    fn local_defaults_permit_local_names_only() {
        let p = Permitted::local_defaults();
        let ok = |s: &str| is_permitted(&p, &SubjectName::parse(s).unwrap());
        assert!(ok("localhost"));
        assert!(ok("app.localhost"));
        assert!(ok("a.b.test"));
        assert!(is_permitted(&p, &SubjectName::Dns("*.svc.internal".into())));
        assert!(ok("myapp.local"));
        assert!(ok("nas.home.arpa"));
        assert!(!ok("arpa"));
        assert!(!ok("localdomain.com"));
        assert!(ok("127.0.0.1"));
        assert!(ok("::1"));
        assert!(ok("172.31.255.1"));
        assert!(ok("fd00::5"));
        assert!(!ok("example.com"));
        assert!(!ok("nottest"));
        assert!(!ok("172.32.0.1"));
        assert!(!ok("8.8.8.8"));
        assert!(!ok("2001:db8::1"));
    }
}
