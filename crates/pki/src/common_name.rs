//! A leaf's subject common name, held against its subjectAltNames.
//!
//! padlock never reads the common name (CN) for identity: RFC 6125 §6.4.4 says a client
//! that has subjectAltNames of the type it looks for must not, and we always require them
//! (`verify::check_name`). But the CN is still there for every other reader of the
//! certificate. CA/B Forum Baseline Requirements §7.1.4.3 say that a subscriber
//! certificate's CN, if present, is "a character-for-character copy" of one of its
//! subjectAltName entries, with an IPv4 address in RFC 3986 §3.2.2 dotted-decimal form and
//! an IPv6 address in RFC 5952 §4 text form.
//!
//! What this module refuses is the dangerous half of that rule: a CN that names **the same
//! identity as a subjectAltName, spelled differently** — another letter case, a trailing
//! dot, an IPv4 address in hex, octal, with leading zeros or with fewer than four parts, an
//! IPv6 address in capitals or not shortened per RFC 5952, or an internationalised name in
//! Unicode (U-labels) where the subjectAltName carries its ASCII form (A-labels, RFC 3492
//! Punycode). Two spellings of one name are how one certificate comes to mean different
//! things to different parsers.
//!
//! A CN that names something unrelated to every subjectAltName is left alone: it asserts
//! nothing to us, and the x509-limbo suite expects both verdicts for that shape (see
//! `tests/limbo-exceptions.txt`).

use std::net::{IpAddr, Ipv4Addr};

use crate::cert::Certificate;
use crate::error::Error;
use crate::general_name::{ip_from_bytes, GeneralName};
use crate::idna::to_a_label;
use crate::verify::Purpose;

/// The longest CN we read as a host name: a DNS name is at most 253 octets in text form
/// (RFC 1035 §2.3.4), and a U-label spelling of it can be no longer in characters.
const MAX_HOST_NAME_LEN: usize = 253;

/// Refuses a leaf whose common name repeats one of its subjectAltNames in another
/// spelling, or, for a server, spells a host name in Unicode (CA/B Forum BR §7.1.4.3,
/// which is about server certificates: a client certificate's CN is often a person's name,
/// and `josé.garcía` is a fine one).
pub(crate) fn check(leaf: &Certificate<'_>, purpose: Purpose) -> Result<(), Error> {
    for cn in leaf.subject().common_name_iter() {
        if let Some(san) = leaf.sans().find(|san| spells_differently(&cn, san)) {
            return Err(Error::CommonNameRespellsSan {
                subject: leaf.label(),
                common_name: cn.into_owned(),
                san: san.to_string(),
            });
        }
        if purpose == Purpose::ServerAuth && is_unicode_host_name(&cn) {
            return Err(Error::Malformed {
                subject: leaf.label(),
                reason:
                    "the common name is a host name in Unicode, not in its ASCII (A-label) form",
            });
        }
    }
    Ok(())
}

/// Whether `cn` is a dotted host name with Unicode labels (U-labels). BR §7.1.4.3 wants
/// the A-label form, and with reason: readers turn U-labels into A-labels by rules that
/// disagree (IDNA2003, IDNA2008 and UTS #46 map `ß`, `ς` and joiners differently), so such
/// a CN has no single meaning. A CN that is a person's or a product's name (no dots, or
/// spaces) is not a host name and is left alone.
fn is_unicode_host_name(cn: &str) -> bool {
    !cn.is_ascii()
        && cn.len() <= MAX_HOST_NAME_LEN * 4
        && cn.contains('.')
        && cn.strip_suffix('.').unwrap_or(cn).split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '*')
        })
}

/// Whether `cn` names the same thing as `san` without being its exact copy.
fn spells_differently(cn: &str, san: &GeneralName<'_>) -> bool {
    if cn.is_empty() || cn.len() > MAX_HOST_NAME_LEN * 4 {
        return false;
    }
    match san {
        GeneralName::Dns(d) => {
            let Ok(d) = std::str::from_utf8(d) else {
                return false;
            };
            cn != d && same_host_name(cn, d)
        }
        GeneralName::Ip(bytes) => match ip_from_bytes(bytes) {
            Some(ip) => cn != ip.to_string() && ip_readings(cn).contains(&Some(ip)),
            None => false,
        },
        _ => false,
    }
}

/// Whether two host names are one name: equal ignoring ASCII case (RFC 4343) and a final
/// root dot, once the CN's Unicode labels are put in their Punycode form (RFC 3492).
fn same_host_name(cn: &str, san: &str) -> bool {
    let cn = cn.strip_suffix('.').unwrap_or(cn);
    let san = san.strip_suffix('.').unwrap_or(san);
    if cn.is_ascii() {
        return cn.eq_ignore_ascii_case(san);
    }
    let mut san_labels = san.split('.');
    for label in cn.split('.') {
        let Some(san_label) = san_labels.next() else {
            return false;
        };
        let same = if label.is_ascii() {
            label.eq_ignore_ascii_case(san_label)
        } else {
            match to_a_label(label) {
                Some(a) => a.eq_ignore_ascii_case(san_label),
                None => false,
            }
        };
        if !same {
            return false;
        }
    }
    san_labels.next().is_none()
}

/// The ways a CN could be read as an IP address by some parser: strictly (Rust's
/// `IpAddr` grammar, which takes any RFC 4291 §2.2 IPv6 text), and as the BSD
/// `inet_aton` reading of IPv4, in which a part may be hex (`0x…`) or octal (a leading
/// `0`) and the last part fills the remaining bytes — or its variant that reads leading
/// zeros as decimal.
fn ip_readings(cn: &str) -> [Option<IpAddr>; 3] {
    [
        cn.parse().ok(),
        legacy_ipv4(cn, true).map(IpAddr::V4),
        legacy_ipv4(cn, false).map(IpAddr::V4),
    ]
}

/// An IPv4 address in `inet_aton`'s grammar: one to four parts separated by dots, each
/// decimal, `0x` hex, or (if `octal`) octal when it has a leading zero.
fn legacy_ipv4(s: &str, octal: bool) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut value: u32 = 0;
    for (i, part) in parts.iter().enumerate() {
        let n = parse_part(part, octal)?;
        if i + 1 < parts.len() {
            // Every part but the last is one byte.
            value = value
                .checked_mul(256)?
                .checked_add(u32::try_from(n).ok().filter(|n| *n <= 255)?)?;
        } else {
            // The last part fills the bytes that are left.
            let bytes_left = 4 - i as u32;
            let limit = if bytes_left == 4 {
                u64::from(u32::MAX)
            } else {
                (1u64 << (8 * bytes_left)) - 1
            };
            if n > limit {
                return None;
            }
            let shifted = u64::from(value) << (8 * bytes_left);
            value = u32::try_from(shifted | n).ok()?;
        }
    }
    Some(Ipv4Addr::from(value))
}

/// One part of an `inet_aton` address.
fn parse_part(part: &str, octal: bool) -> Option<u64> {
    // A part is at most 32 bits: 11 octal digits, 10 decimal, "0x" and 8 hex (leading
    // zeros aside, which we cap too — nothing real spells an address with dozens).
    if part.is_empty() || part.len() > 12 {
        return None;
    }
    let (digits, radix) =
        if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (h, 16)
        } else if octal && part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;
    use crate::host_name::SubjectName;
    use crate::roots::RootStore;
    use crate::testutil::{issue, Spec, NOW};
    use crate::verify::{verify_chain, VerifyOptions};

    /// Validates a leaf with `cn` and `sans`, under a fresh root, for the first SAN.
    fn validate(cn: &str, sans: &[&str]) -> Result<(), Error> {
        let root = issue(&Spec::ca("Root"), None);
        let leaf = issue(&Spec::leaf(cn, sans), Some(&root));
        let mut roots = RootStore::new();
        roots.add_der(&root.der).unwrap();
        let name = SubjectName::parse(sans[0]).unwrap();
        let mut options = VerifyOptions::new(NOW);
        options.name = Some(&name);
        verify_chain(&AwsLcProvider, &roots, &leaf.der, &[], &options).map(|_| ())
    }

    #[test]
    fn a_chain_whose_leaf_repeats_a_san_in_unicode_is_refused_saying_so() {
        let e = validate("bücher.example", &["xn--bcher-kva.example"]).unwrap_err();
        assert!(matches!(e, Error::CommonNameRespellsSan { .. }));
        assert_eq!(
            e.to_string(),
            "certificate xn--bcher-kva.example has the common name \"bücher.example\", which \
             spells its subjectAltName xn--bcher-kva.example differently (CA/B Forum BR \
             §7.1.4.3 wants an exact copy)"
        );
        let e = validate("bücher.example", &["www.example"]).unwrap_err();
        assert!(
            e.to_string().ends_with("not in its ASCII (A-label) form"),
            "{e}"
        );
    }

    #[test]
    fn a_client_certificate_may_carry_a_unicode_name_with_dots() {
        let root = issue(&Spec::ca("Root"), None);
        let mut spec = Spec::leaf("josé.garcía", &["client.example"]);
        spec.eku = Some(vec![&[1, 3, 6, 1, 5, 5, 7, 3, 2]]);
        let leaf = issue(&spec, Some(&root));
        let mut roots = RootStore::new();
        roots.add_der(&root.der).unwrap();
        let mut options = VerifyOptions::new(NOW);
        options.purpose = Purpose::ClientAuth;
        verify_chain(&AwsLcProvider, &roots, &leaf.der, &[], &options).unwrap();
        assert!(validate("josé.garcía", &["client.example"]).is_err());
    }

    #[test]
    fn a_chain_whose_leaf_names_something_else_in_its_cn_is_accepted() {
        validate("xn--bcher-kva.example", &["xn--bcher-kva.example"]).unwrap();
        validate("notinsan.example.com", &["valid.example.com"]).unwrap();
        validate("padlock test server", &["valid.example.com"]).unwrap();
    }

    fn dns(s: &str) -> GeneralName<'_> {
        GeneralName::Dns(s.as_bytes())
    }

    #[test]
    fn a_unicode_common_name_is_the_same_name_as_its_a_label() {
        assert!(spells_differently(
            "test-測試.com",
            &dns("xn--test--gs1lv54n.com")
        ));
        assert!(spells_differently(
            "www.bücher.example",
            &dns("www.xn--bcher-kva.example")
        ));
        assert!(!spells_differently(
            "bücher.example",
            &dns("xn--mnchen-3ya.example")
        ));
        assert!(!spells_differently("bücher", &dns("xn--bcher-kva.example")));
    }

    #[test]
    fn a_unicode_host_name_is_told_from_other_unicode_names() {
        assert!(is_unicode_host_name("test-測試.com"));
        assert!(is_unicode_host_name("*.bücher.example."));
        assert!(!is_unicode_host_name("bücher"));
        assert!(!is_unicode_host_name("Bücher GmbH. Server"));
        assert!(!is_unicode_host_name("www.example.com"));
        assert!(!is_unicode_host_name("a..bücher"));
    }

    #[test]
    fn a_host_name_in_another_case_or_with_a_root_dot_is_the_same_name() {
        assert!(spells_differently("Example.COM", &dns("example.com")));
        assert!(spells_differently("example.com.", &dns("example.com")));
        assert!(!spells_differently("example.com", &dns("example.com")));
        assert!(!spells_differently("www.example.com", &dns("example.com")));
        assert!(!spells_differently(
            "notinsan.example.com",
            &dns("valid.example.com")
        ));
    }

    #[test]
    fn ipv4_in_legacy_spellings_is_the_same_address() {
        let ip = [192, 168, 1, 1];
        let san = GeneralName::Ip(&ip);
        for cn in [
            "0xC0A80101",
            "192.168.001.001",
            "0300.0250.01.01",
            "192.168.257",
            "192.11010305",
            "3232235777",
            "0xc0.0xa8.1.1",
        ] {
            assert!(spells_differently(cn, &san), "{cn}");
        }
        for cn in [
            "192.168.1.1",
            "192.168.1.2",
            "10.0.0.1",
            "192.168.1",
            "a.b.c.d",
            "",
        ] {
            assert!(!spells_differently(cn, &san), "{cn}");
        }
    }

    #[test]
    fn ipv6_not_in_rfc_5952_form_is_the_same_address() {
        let ip: [u8; 16] = "2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets();
        let san = GeneralName::Ip(&ip);
        assert!(spells_differently("2001:DB8::1", &san));
        assert!(spells_differently(
            "2001:0db8:0000:0000:0000:0000:0000:0001",
            &san
        ));
        assert!(spells_differently("2001:db8:0:0:0:0:0:1", &san));
        assert!(!spells_differently("2001:db8::1", &san));
        assert!(!spells_differently("2001:db8::2", &san));
    }

    #[test]
    fn legacy_ipv4_parts_are_bounded() {
        assert_eq!(legacy_ipv4("1.2.3.256", true), None);
        assert_eq!(legacy_ipv4("256.1.1.1", true), None);
        assert_eq!(legacy_ipv4("1.2.3.4.5", true), None);
        assert_eq!(legacy_ipv4("4294967296", true), None);
        assert_eq!(legacy_ipv4("4294967295", true), Some(Ipv4Addr::BROADCAST));
        assert_eq!(
            legacy_ipv4("010.0.0.1", true),
            Some(Ipv4Addr::new(8, 0, 0, 1))
        );
        assert_eq!(
            legacy_ipv4("010.0.0.1", false),
            Some(Ipv4Addr::new(10, 0, 0, 1))
        );
        assert_eq!(legacy_ipv4("09.0.0.1", true), None);
        assert_eq!(legacy_ipv4("1..1", true), None);
    }
}
