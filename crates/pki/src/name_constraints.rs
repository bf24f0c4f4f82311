//! Name constraints (RFC 5280 §4.2.1.10): a CA's permitted and excluded subtrees, and
//! whether a name lies inside one.

use std::cell::OnceCell;

use crate::der::{tag, Reader};
use crate::distinguished_name::ComparableName;
use crate::error::Error;
use crate::general_name::GeneralName;
use crate::host_name::{is_valid_dns_name, wildcard_covers};

/// Name constraints of one CA (RFC 5280 §4.2.1.10).
///
/// How a name is compared with a subtree of its kind:
/// - dNSName: on label boundaries, case-insensitively; a wildcard name is inside an
///   excluded subtree when it could name something in it.
/// - directoryName: RDN by RDN from the root, attribute values compared after RFC 4518
///   string preparation (RFC 5280 §7.1), so another string type, letter case or spacing
///   is the same name; a value that cannot be prepared fails the check.
/// - iPAddress: under the subtree's mask. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`,
///   RFC 4291 §2.5.5.2) is inside an excluded IPv4 subtree that holds its IPv4 address
///   (`10.0.0.0/8`), but is admitted only by a permitted IPv6 subtree: a second reading of
///   a name may refuse more, never admit more. IPv4 addresses are compared with IPv4
///   subtrees only.
/// - rfc822Name: a whole address, a host, or a `.domain`.
/// - URIs and the other name forms: a constraint on them fails closed.
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
        let presented = Presented::new(name);
        if let Some(excluded) = &self.excluded {
            for base in excluded {
                if let Some(true) = subtree_match(&presented, base, true)? {
                    return Err(violation(name, "excluded", base));
                }
            }
        }
        if let Some(permitted) = &self.permitted {
            let mut same_kind = None;
            for base in permitted {
                match subtree_match(&presented, base, false)? {
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

/// A name being checked, with the forms it is compared in, each made once, on first use,
/// however many subtrees it is compared with.
struct Presented<'n, 'a> {
    name: &'n GeneralName<'a>,
    /// A dNSName lowercased without its trailing dot; `None` if it is not a valid one.
    dns: OnceCell<Option<String>>,
    /// A directoryName read for comparing, its values prepared as they are compared.
    directory: OnceCell<ComparableName<'a>>,
}

impl<'n, 'a> Presented<'n, 'a> {
    fn new(name: &'n GeneralName<'a>) -> Self {
        Self {
            name,
            dns: OnceCell::new(),
            directory: OnceCell::new(),
        }
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

/// Whether the presented name lies in the subtree `base`: `None` when they are different
/// kinds (the constraint does not apply). Unsupported kinds fail closed.
///
/// For excluded subtrees (`excluded`), a name counts as inside when any reading of it is,
/// so that a second spelling cannot escape an exclusion; for permitted ones, only the name
/// as written counts, so that a second spelling cannot widen a permission:
/// - a wildcard DNS name is inside an excluded subtree when it could name something in it;
/// - an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, RFC 4291 §2.5.5.2) names the IPv4
///   node `10.1.2.3`, so it is inside an excluded IPv4 subtree (`10.0.0.0/8`) that holds
///   that address, as well as any IPv6 subtree that holds it as written. RFC 5280
///   §4.2.1.10 gives IPv4 subtrees as 8 octets and IPv6 ones as 32 and says nothing of
///   mapped addresses; we read them as the address they map to only where that refuses
///   more. A permitted IPv4 subtree does not admit a mapped address (only a permitted
///   IPv6 subtree holding it does), and an IPv4 address is never compared with IPv6
///   subtrees: excluding `::/0`, as CAs that certify no IPv6 do, leaves IPv4 names alone.
fn subtree_match(
    presented: &Presented<'_, '_>,
    base: &GeneralName<'_>,
    excluded: bool,
) -> Result<Option<bool>, Error> {
    let name = presented.name;
    Ok(match (name, base) {
        (GeneralName::Dns(n), GeneralName::Dns(b)) => {
            let b = String::from_utf8_lossy(b).to_ascii_lowercase();
            if !b.is_empty() && !is_valid_dns_name(b.as_bytes(), false) {
                return Err(malformed_constraint(base));
            }
            let n = presented.dns.get_or_init(|| {
                let n = String::from_utf8_lossy(n).to_ascii_lowercase();
                let n = n.strip_suffix('.').unwrap_or(&n).to_string();
                is_valid_dns_name(n.as_bytes(), true).then_some(n)
            });
            // A presented name that is not a valid host name is never inside a subtree.
            let Some(n) = n else {
                return Err(Error::NameConstraintViolated {
                    name: name.to_string(),
                    constraint: "not a valid DNS name, so not inside any subtree".to_string(),
                });
            };
            let inside = dns_in_subtree(n, &b)
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
            let inside = address_in_subtree(n, addr, mask)
                || (excluded
                    && ipv4_mapped(n).is_some_and(|v4| address_in_subtree(v4, addr, mask)));
            Some(inside)
        }
        (GeneralName::Directory(n), GeneralName::Directory(b)) => {
            // RFC 5280 §7.1; a comparison that is Undefined fails closed.
            Some(
                presented
                    .directory
                    .get_or_init(|| ComparableName::new(n))
                    .is_within(b)
                    .map_err(|why| Error::NameConstraintViolated {
                        name: name.to_string(),
                        constraint: format!("cannot be compared with the subtree {b}: {}", why.0),
                    })?,
            )
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

/// Whether `address` (4 or 16 octets) lies under `mask` in the network `network`. An
/// address of the other family never does.
fn address_in_subtree(address: &[u8], network: &[u8], mask: &[u8]) -> bool {
    address.len() == network.len()
        && address
            .iter()
            .zip(network)
            .zip(mask)
            .all(|((x, a), m)| x & m == a & m)
}

/// The IPv4 address inside an IPv4-mapped IPv6 address, `::ffff:a.b.c.d` (RFC 4291
/// §2.5.5.2).
fn ipv4_mapped(address: &[u8]) -> Option<&[u8]> {
    const PREFIX: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
    address.strip_prefix(&PREFIX[..]).filter(|v4| v4.len() == 4)
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
    use crate::der::write_tlv;
    use crate::distinguished_name::Name;

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

    /// `10.0.0.0/8` as an iPAddress constraint: address, then mask.
    const TEN_SLASH_8: &[u8] = &[10, 0, 0, 0, 255, 0, 0, 0];

    /// `::ffff:a.b.c.d`, the IPv4-mapped IPv6 address of `a.b.c.d` (RFC 4291 §2.5.5.2).
    fn mapped(v4: [u8; 4]) -> [u8; 16] {
        let mut a = [0u8; 16];
        a[10] = 0xff;
        a[11] = 0xff;
        a[12..].copy_from_slice(&v4);
        a
    }

    #[test]
    fn an_ipv4_mapped_address_is_excluded_by_an_ipv4_exclusion() {
        let nc = NameConstraints {
            permitted: None,
            excluded: Some(vec![GeneralName::Ip(TEN_SLASH_8)]),
        };
        let e = nc
            .check(&GeneralName::Ip(&mapped([10, 1, 2, 3])))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "name ::ffff:10.1.2.3 is outside what the issuing CA may certify (excluded: 10.0.0.0/8)"
        );
        assert!(nc.check(&GeneralName::Ip(&mapped([11, 1, 2, 3]))).is_ok());
        // Only the mapped form names an IPv4 node; the deprecated IPv4-compatible form
        // ::10.1.2.3 (RFC 4291 §2.5.5.1) is an IPv6 address of its own.
        let mut compatible = [0u8; 16];
        compatible[12..].copy_from_slice(&[10, 1, 2, 3]);
        assert!(nc.check(&GeneralName::Ip(&compatible)).is_ok());
    }

    #[test]
    fn an_ipv4_mapped_address_is_permitted_only_by_an_ipv6_subtree_holding_it() {
        let ipv4_only = NameConstraints {
            permitted: Some(vec![GeneralName::Ip(TEN_SLASH_8)]),
            excluded: None,
        };
        assert!(ipv4_only.check(&GeneralName::Ip(&[10, 1, 2, 3])).is_ok());
        let e = ipv4_only
            .check(&GeneralName::Ip(&mapped([10, 1, 2, 3])))
            .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("(permitted: 10.0.0.0/8, and others of its kind)"),
            "{e}"
        );
        // ::ffff:10.0.0.0/104, the mapped form of 10.0.0.0/8.
        let mut mapped_ten = mapped([10, 0, 0, 0]).to_vec();
        mapped_ten.extend([0xff; 13]);
        mapped_ten.extend([0; 3]);
        let ipv6 = NameConstraints {
            permitted: Some(vec![GeneralName::Ip(&mapped_ten)]),
            excluded: None,
        };
        assert!(ipv6.check(&GeneralName::Ip(&mapped([10, 1, 2, 3]))).is_ok());
        // An IPv4 address is only ever compared with IPv4 subtrees.
        assert!(ipv6.check(&GeneralName::Ip(&[10, 1, 2, 3])).is_err());
    }

    #[test]
    fn excluding_all_of_ipv6_leaves_ipv4_addresses_alone() {
        let all_ipv6 = [0u8; 32];
        let nc = NameConstraints {
            permitted: Some(vec![GeneralName::Ip(TEN_SLASH_8)]),
            excluded: Some(vec![GeneralName::Ip(&all_ipv6)]),
        };
        assert!(nc.check(&GeneralName::Ip(&[10, 1, 2, 3])).is_ok());
        let e = nc
            .check(&GeneralName::Ip(&mapped([10, 1, 2, 3])))
            .unwrap_err();
        assert!(e.to_string().ends_with("(excluded: ::/0)"), "{e}");
    }

    const C: &[u8] = &[0x55, 0x04, 0x06];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const OU: &[u8] = &[0x55, 0x04, 0x0b];
    const CN: &[u8] = &[0x55, 0x04, 0x03];

    /// (attribute type, value tag, value).
    type Atv<'a> = (&'a [u8], u8, &'a [u8]);

    /// A Name's DER from its RDNs, each a list of attributes.
    fn name_der(rdns: &[&[Atv<'_>]]) -> Vec<u8> {
        let mut body = Vec::new();
        for rdn in rdns {
            let mut set = Vec::new();
            for (oid, t, v) in *rdn {
                let mut atv = Vec::new();
                write_tlv(&mut atv, tag::OID, oid);
                write_tlv(&mut atv, *t, v);
                write_tlv(&mut set, tag::SEQUENCE, &atv);
            }
            write_tlv(&mut body, tag::SET, &set);
        }
        let mut der = Vec::new();
        write_tlv(&mut der, tag::SEQUENCE, &body);
        der
    }

    fn directory(der: &[u8]) -> GeneralName<'_> {
        GeneralName::Directory(Name::read(&mut Reader::new(der, "test Name")).unwrap())
    }

    /// `O=Evil` as a PrintableString: the subtree a root excludes in the review's proof of
    /// concept.
    fn excludes_o_evil(base: &[u8]) -> NameConstraints<'_> {
        NameConstraints {
            permitted: None,
            excluded: Some(vec![directory(base)]),
        }
    }

    #[test]
    fn an_excluded_directory_name_catches_its_respellings() {
        let base = name_der(&[&[(O, tag::PRINTABLE_STRING, b"Evil")]]);
        let nc = excludes_o_evil(&base);
        let bmp: Vec<u8> = "Evil".encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (t, v) in [
            (tag::UTF8_STRING, &b"Evil"[..]),
            (tag::UTF8_STRING, b"evil"),
            (tag::PRINTABLE_STRING, b"  EVIL  "),
            (tag::BMP_STRING, &bmp),
        ] {
            let leaf = name_der(&[&[(O, t, v)], &[(CN, tag::UTF8_STRING, b"leaf")]]);
            let e = nc.check(&directory(&leaf)).unwrap_err();
            assert!(e.to_string().ends_with("(excluded: O=Evil)"), "{e}");
        }
    }

    #[test]
    fn an_excluded_directory_name_leaves_other_names_alone() {
        let base = name_der(&[&[(O, tag::PRINTABLE_STRING, b"Evil")]]);
        let nc = excludes_o_evil(&base);
        for leaf in [
            name_der(&[&[(O, tag::UTF8_STRING, b"Evil Corp")]]),
            name_der(&[&[(O, tag::UTF8_STRING, b"Evi l")]]),
            name_der(&[&[(O, tag::PRINTABLE_STRING, b"Good")]]),
            // The same value under another attribute type is another name.
            name_der(&[&[(CN, tag::PRINTABLE_STRING, b"Evil")]]),
            // O=Evil below another RDN is outside the subtree, which starts at the root.
            name_der(&[
                &[(C, tag::PRINTABLE_STRING, b"US")],
                &[(O, tag::PRINTABLE_STRING, b"Evil")],
            ]),
        ] {
            nc.check(&directory(&leaf)).unwrap();
        }
    }

    #[test]
    fn a_permitted_directory_name_admits_its_respellings_and_nothing_else() {
        let base = name_der(&[
            &[(C, tag::PRINTABLE_STRING, b"US")],
            &[(O, tag::PRINTABLE_STRING, b"Good")],
        ]);
        let nc = NameConstraints {
            permitted: Some(vec![directory(&base)]),
            excluded: None,
        };
        let inside = name_der(&[
            &[(C, tag::PRINTABLE_STRING, b"us")],
            &[(O, tag::UTF8_STRING, b"GOOD ")],
            &[(CN, tag::UTF8_STRING, b"leaf")],
        ]);
        nc.check(&directory(&inside)).unwrap();
        for outside in [
            name_der(&[
                &[(C, tag::PRINTABLE_STRING, b"US")],
                &[(O, tag::UTF8_STRING, b"Goodness")],
            ]),
            name_der(&[&[(C, tag::PRINTABLE_STRING, b"US")]]),
            name_der(&[
                &[(C, tag::PRINTABLE_STRING, b"US")],
                &[(OU, tag::PRINTABLE_STRING, b"Good")],
            ]),
        ] {
            let e = nc.check(&directory(&outside)).unwrap_err();
            assert!(
                e.to_string()
                    .ends_with("(permitted: C=US, O=Good, and others of its kind)"),
                "{e}"
            );
        }
    }

    #[test]
    fn multi_valued_rdns_match_as_sets_of_attributes() {
        let base = name_der(&[&[
            (O, tag::PRINTABLE_STRING, b"Evil"),
            (OU, tag::PRINTABLE_STRING, b"Ops"),
        ]]);
        let nc = excludes_o_evil(&base);
        let reordered = name_der(&[&[
            (OU, tag::UTF8_STRING, b"OPS"),
            (O, tag::UTF8_STRING, b"evil"),
        ]]);
        assert!(nc.check(&directory(&reordered)).is_err());
        let crowded: Vec<Atv<'_>> = vec![(OU, tag::UTF8_STRING, b"x"); 17];
        let e = nc.check(&directory(&name_der(&[&crowded]))).unwrap_err();
        assert!(e.to_string().contains("too many attributes"), "{e}");
        let fewer = name_der(&[&[(O, tag::UTF8_STRING, b"Evil")]]);
        nc.check(&directory(&fewer)).unwrap();
        let other = name_der(&[&[
            (O, tag::UTF8_STRING, b"Evil"),
            (OU, tag::UTF8_STRING, b"Dev"),
        ]]);
        nc.check(&directory(&other)).unwrap();
    }

    #[test]
    fn a_directory_name_that_cannot_be_compared_fails_closed() {
        let base = name_der(&[&[(O, tag::PRINTABLE_STRING, b"Evil")]]);
        let nc = excludes_o_evil(&base);
        // "Evil" with COMBINING ACUTE ACCENT: NFKC would compose it, which is not done here.
        let leaf = name_der(&[&[(O, tag::UTF8_STRING, "Evil\u{301}".as_bytes())]]);
        let e = nc.check(&directory(&leaf)).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot be compared with the subtree O=Evil: a combining mark"),
            "{e}"
        );
        // Nothing is prepared for an attribute type the subtree does not name.
        let leaf = name_der(&[&[(CN, tag::UTF8_STRING, "Evil\u{301}".as_bytes())]]);
        nc.check(&directory(&leaf)).unwrap();
    }
}
