//! Profile rules checked during path validation, each shown with a chain made at test time:
//! trust anchors held to the rules of every certificate, key identifiers, EKU lints.

use padlock_crypto::AwsLcProvider;

use super::*;
use crate::testutil::{issue, Issued, Spec, NOW};

fn verify(root: &Issued, leaf: &Issued, inters: &[&Issued]) -> Result<VerifiedPath, Error> {
    let mut roots = RootStore::new();
    roots.add_der(&root.der).unwrap();
    let o = VerifyOptions::new(NOW);
    let inter: Vec<&[u8]> = inters.iter().map(|i| i.der.as_slice()).collect();
    verify_chain(&AwsLcProvider, &roots, &leaf.der, &inter, &o)
}

fn chain_from(root_spec: &Spec) -> (Issued, Issued) {
    let r = issue(root_spec, None);
    let l = issue(&Spec::leaf("a.example", &["a.example"]), Some(&r));
    (r, l)
}

#[test]
fn refuses_a_trust_anchor_with_an_unknown_critical_extension() {
    let mut s = Spec::ca("Root");
    s.extra = vec![(&[1, 2, 3, 4], true, vec![0x05, 0x00])];
    let (r, l) = chain_from(&s);
    let e = verify(&r, &l, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate Root has a critical extension we do not understand (1.2.3.4)"
    );
    // Non-critical, the same extension is ignored.
    s.extra = vec![(&[1, 2, 3, 4], false, vec![0x05, 0x00])];
    let (r, l) = chain_from(&s);
    verify(&r, &l, &[]).unwrap();
}

#[test]
fn refuses_a_trust_anchor_with_a_critical_key_identifier() {
    let mut s = Spec::ca("Root");
    s.ski_critical = true;
    let (r, l) = chain_from(&s);
    let e = verify(&r, &l, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate Root is malformed: a critical key identifier extension"
    );
    let mut s = Spec::ca("Root");
    s.aki = Some((true, vec![]));
    let (r, l) = chain_from(&s);
    let e = verify(&r, &l, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate Root is malformed: a critical key identifier extension"
    );
}

#[test]
fn refuses_a_root_whose_authority_key_identifier_names_a_serial() {
    let mut s = Spec::ca("Root");
    // authorityCertSerialNumber [2] 1234.
    s.aki = Some((false, vec![0x82, 0x02, 0x04, 0xd2]));
    let (r, l) = chain_from(&s);
    let e = verify(&r, &l, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate Root is malformed: a root's authorityKeyIdentifier must hold only a keyIdentifier"
    );
}

#[test]
fn refuses_a_leaf_without_an_authority_key_identifier() {
    let r = issue(&Spec::ca("Root"), None);
    let mut s = Spec::leaf("a.example", &["a.example"]);
    s.aki = None;
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate a.example is malformed: no authorityKeyIdentifier naming the issuer's key"
    );
}

#[test]
fn gives_up_on_more_name_constraint_comparisons_than_the_budget() {
    let mut s = Spec::ca("Root");
    s.permitted_dns = (0..600).map(|i| format!("n{i}.test")).collect();
    let r = issue(&s, None);
    let few = issue(&Spec::leaf("n1.test", &["n1.test", "n2.test"]), Some(&r));
    verify(&r, &few, &[]).unwrap();
    let names: Vec<String> = (0..500).map(|i| format!("n{i}.test")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let many = issue(&Spec::leaf("n0.test", &names), Some(&r));
    let e = verify(&r, &many, &[]).unwrap_err();
    // 500 SANs and the subject, each against 600 subtrees.
    assert_eq!(
        e.to_string(),
        format!(
            "gave up checking name constraints: the names of certificate n0.test need 300600 \
             comparisons with the subtrees above them, over the limit of {MAX_NAME_CONSTRAINT_CHECKS} \
             (hostile or broken chain?)"
        )
    );
}

#[test]
fn refuses_a_crl_that_lists_a_serial_twice() {
    use crate::testutil::{crl_listing, DAY};
    let r = issue(&Spec::ca("Root"), None);
    let l = issue(&Spec::leaf("a.example", &["a.example"]), Some(&r));
    let when = UnixTime(NOW.0 - DAY);
    let next = UnixTime(NOW.0 + DAY);
    let mut roots = RootStore::new();
    roots.add_der(&r.der).unwrap();
    let mut o = VerifyOptions::new(NOW);
    // Serial 7 is the leaf's; 99 and 100 are others.
    let fine = vec![crl_listing(&r, &[99, 100], when, next)];
    o.crls = &fine;
    verify_chain(&AwsLcProvider, &roots, &l.der, &[], &o).unwrap();
    let twice = vec![crl_listing(&r, &[99, 100, 99], when, next)];
    o.crls = &twice;
    let e = verify_chain(&AwsLcProvider, &roots, &l.der, &[], &o).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the revocation list cannot be used: it lists a serial number twice (RFC 5280 §5.1.2.6)"
    );
}

/// A DistributionPointName `[0]` holding fullName `[0]` with one URI.
fn point_name(uri: &str) -> impl Fn(&mut crate::ca::der_writer::DerWriter) + '_ {
    move |w| {
        w.constructed(0xa0, |w| {
            w.constructed(0xa0, |w| w.implicit_primitive(6, uri.as_bytes()))
        })
    }
}

fn der_of(f: impl FnOnce(&mut crate::ca::der_writer::DerWriter)) -> Vec<u8> {
    let mut w = crate::ca::der_writer::DerWriter::new();
    f(&mut w);
    w.finish()
}

#[test]
fn a_crl_applies_only_within_its_issuing_distribution_point() {
    use crate::testutil::{crl_with, DAY};
    const CDP: &[u64] = &[2, 5, 29, 31];
    const IDP: &[u64] = &[2, 5, 29, 28];
    let r = issue(&Spec::ca("Root"), None);
    let mut s = Spec::leaf("a.example", &["a.example"]);
    let cdp = der_of(|w| w.sequence(|w| w.sequence(point_name("http://crl.test/a.crl"))));
    s.extra = vec![(CDP, false, cdp)];
    let l = issue(&s, Some(&r));
    let (when, next) = (UnixTime(NOW.0 - DAY), UnixTime(NOW.0 + DAY));
    let mut roots = RootStore::new();
    roots.add_der(&r.der).unwrap();
    let run = |idp: Vec<u8>, serials: &[u64]| {
        let crls = vec![crl_with(&r, serials, when, next, &[(IDP, true, idp)])];
        let mut o = VerifyOptions::new(NOW);
        o.crls = &crls;
        verify_chain(&AwsLcProvider, &roots, &l.der, &[], &o)
    };
    // The partition the leaf names: consulted, and its revocation found.
    let same = der_of(|w| w.sequence(point_name("http://crl.test/a.crl")));
    run(same.clone(), &[99]).unwrap();
    let e = run(same, &[7]).unwrap_err();
    assert!(matches!(e, Error::Revoked { .. }), "{e}");
    // Another partition, or one for CA certificates only, does not cover the leaf.
    let other = der_of(|w| w.sequence(point_name("http://crl.test/b.crl")));
    let e = run(other, &[99]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the revocation list cannot be used: none of those from CN=Root covers a.example \
         (RFC 5280 §6.3.3: issuingDistributionPoint)"
    );
    let ca_only = der_of(|w| w.sequence(|w| w.implicit_primitive(2, &[0xff])));
    assert!(run(ca_only, &[99]).is_err());
    // Partitions by reason are not supported.
    let reasons = der_of(|w| {
        w.sequence(|w| {
            point_name("http://crl.test/a.crl")(w);
            w.implicit_primitive(3, &[0x06, 0x40]);
        })
    });
    let e = run(reasons, &[99]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the revocation list cannot be used: it covers only some revocation reasons"
    );
}
