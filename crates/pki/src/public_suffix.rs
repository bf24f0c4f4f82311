//! Public suffixes: the names under which anyone may register a domain (`com`, `co.uk`,
//! `kawasaki.jp`'s children). A wildcard directly above one (`*.co.uk`) would cover the
//! sites of unrelated owners, so a certificate name like that matches nothing (RFC 6125
//! §7.2 leaves the list to policy; ours is the Public Suffix List's ICANN section).
//!
//! The PRIVATE section of the list (github.io, appspot.com, cloudfront.net, ...) is left
//! out on purpose: those registries run their own sites under real wildcard certificates
//! (`*.github.io` serves GitHub Pages), and a client that refused them would break them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use crate::idna::to_a_label;

/// The list, as shipped (one rule per line; `//` comments).
const LIST: &str = include_str!("../data/public-suffixes-icann.txt");

/// The list's three kinds of rule, each kept as the name it is about, in ASCII.
struct Rules {
    /// `co.uk`: this name is a public suffix.
    exact: HashSet<Cow<'static, str>>,
    /// `*.kawasaki.jp`: every child of this name is one.
    children: HashSet<Cow<'static, str>>,
    /// `!city.kawasaki.jp`: but not this one.
    exceptions: HashSet<Cow<'static, str>>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| parse(LIST))
}

/// Reads the list. A rule that cannot be put in ASCII is skipped (none in the shipped list).
fn parse(text: &'static str) -> Rules {
    let mut rules = Rules {
        exact: HashSet::new(),
        children: HashSet::new(),
        exceptions: HashSet::new(),
    };
    for line in text.lines() {
        let Some(rule) = line.split_whitespace().next() else {
            continue;
        };
        if rule.starts_with("//") {
            continue;
        }
        let (set, name) = if let Some(name) = rule.strip_prefix('!') {
            (&mut rules.exceptions, name)
        } else if let Some(name) = rule.strip_prefix("*.") {
            (&mut rules.children, name)
        } else {
            (&mut rules.exact, rule)
        };
        if let Some(name) = to_ascii(name) {
            set.insert(name);
        }
    }
    rules
}

/// A rule's name with its Unicode labels turned into A-labels.
fn to_ascii(name: &'static str) -> Option<Cow<'static, str>> {
    if name.is_ascii() {
        return Some(Cow::Borrowed(name));
    }
    let labels: Option<Vec<String>> = name
        .split('.')
        .map(|label| {
            if label.is_ascii() {
                Some(label.to_string())
            } else {
                to_a_label(label)
            }
        })
        .collect();
    labels.map(|l| Cow::Owned(l.join(".")))
}

/// Whether `name` (lowercase ASCII, no final dot) is a public suffix: a rule names it, or a
/// `*.` rule covers it and no `!` rule takes it back. A single label is always one: that is
/// the list's implicit `*` rule, which keeps `*.example` from covering a top-level domain
/// the list does not know yet.
pub(crate) fn is_public_suffix(name: &str) -> bool {
    let Some((_, parent)) = name.split_once('.') else {
        return true;
    };
    let rules = rules();
    if rules.exact.contains(name) {
        return true;
    }
    rules.children.contains(parent) && !rules.exceptions.contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_and_registry_names_are_public_suffixes() {
        for name in ["com", "uk", "co.uk", "com.au", "kyoto.jp", "anything-new"] {
            assert!(is_public_suffix(name), "{name}");
        }
        for name in [
            "example.com",
            "example.co.uk",
            "bbc.co.uk",
            "a.b.example.com",
        ] {
            assert!(!is_public_suffix(name), "{name}");
        }
    }

    #[test]
    fn wildcard_rules_and_their_exceptions_are_followed() {
        // `*.kawasaki.jp` and `!city.kawasaki.jp`.
        assert!(is_public_suffix("foo.kawasaki.jp"));
        assert!(!is_public_suffix("city.kawasaki.jp"));
        assert!(!is_public_suffix("bar.foo.kawasaki.jp"));
        // `*.ck` and `!www.ck`.
        assert!(is_public_suffix("anything.ck"));
        assert!(!is_public_suffix("www.ck"));
    }

    #[test]
    fn unicode_rules_are_matched_in_their_ascii_form() {
        // 公司.cn and 香港 (a top-level domain, so one label).
        assert!(is_public_suffix("xn--55qx5d.cn"));
        assert!(is_public_suffix("xn--j6w193g"));
    }

    #[test]
    fn private_registries_are_not_public_suffixes_here() {
        for name in [
            "github.io",
            "appspot.com",
            "herokuapp.com",
            "cloudfront.net",
        ] {
            assert!(!is_public_suffix(name), "{name}");
        }
    }

    #[test]
    fn every_rule_of_the_shipped_list_is_read() {
        let rules = rules();
        let count = rules.exact.len() + rules.children.len() + rules.exceptions.len();
        let lines = LIST
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
            .count();
        assert_eq!(count, lines);
        assert!(count > 7000, "{count}");
    }
}
