//! Name constraints (RFC 5280 §4.2.1.10): a CA's permitted and excluded subtrees, and
//! whether a name lies inside one.

use crate::der::{tag, Reader};
use crate::error::Error;
use crate::general_name::GeneralName;
use crate::host_name::{is_valid_dns_name, wildcard_covers};

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

/// The outcome of checking one name against one subtree.
fn dns_in_subtree(name: &str, base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    if let Some(suffix) = base.strip_prefix('.') {
        return labels_before(name, suffix).is_some_and(|labels| !labels.is_empty());
    }
    name == base || ends_with_label(name, base)
}

/// Whether `name` ends with `.suffix` (a label boundary).
fn ends_with_label(name: &str, suffix: &str) -> bool {
    labels_before(name, suffix).is_some()
}

/// What comes before `.suffix` in `name`, if `name` ends so.
fn labels_before<'n>(name: &'n str, suffix: &str) -> Option<&'n str> {
    name.strip_suffix(suffix)?.strip_suffix('.')
}

/// Whether a wildcard name `*.rest` could name something inside the subtree `base`: the
/// subtree's own base host is one the wildcard covers.
fn wildcard_intersects(rest: &str, base: &str) -> bool {
    wildcard_covers(rest, base.strip_prefix('.').unwrap_or(base))
}

#[cfg(test)]
mod tests {
    use super::*;

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
