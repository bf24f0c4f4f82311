//! Path validation tests: each error variant produced by a chain made at test time, with its
//! message checked.

use padlock_crypto::AwsLcProvider;

use super::*;
use crate::testutil::{crl, issue, Issued, Spec, DAY, ECDSA_SHA384, NOW, SHA1_RSA};

fn roots(anchors: &[&Issued]) -> RootStore {
    let mut r = RootStore::new();
    for a in anchors {
        r.add_der(&a.der).unwrap();
    }
    r
}

fn verify(
    root: &Issued,
    leaf: &Issued,
    inters: &[&Issued],
    name: Option<&str>,
) -> Result<VerifiedPath, Error> {
    let name = name.map(|n| SubjectName::parse(n).unwrap());
    let mut o = VerifyOptions::new(NOW);
    o.name = name.as_ref();
    let inter: Vec<&[u8]> = inters.iter().map(|i| i.der.as_slice()).collect();
    verify_chain(&AwsLcProvider, &roots(&[root]), &leaf.der, &inter, &o)
}

fn root() -> Issued {
    issue(&Spec::ca("Root"), None)
}

#[test]
fn accepts_a_three_certificate_chain_and_reports_the_path() {
    let r = root();
    let i = issue(&Spec::ca("Intermediate"), Some(&r));
    let l = issue(&Spec::leaf("a.example", &["a.example"]), Some(&i));
    let path = verify(&r, &l, &[&i], Some("A.Example")).unwrap();
    assert_eq!(
        path.chain,
        vec![l.der.clone(), i.der.clone(), r.der.clone()]
    );
}

#[test]
fn check_chain_gives_the_verdict_verify_chain_gives() {
    let r = root();
    let i = issue(&Spec::ca("Intermediate"), Some(&r));
    let l = issue(&Spec::leaf("a.example", &["a.example"]), Some(&i));
    let store = roots(&[&r]);
    for name in ["a.example", "b.example"] {
        let name = SubjectName::parse(name).unwrap();
        let mut o = VerifyOptions::new(NOW);
        o.name = Some(&name);
        let full = verify_chain(&AwsLcProvider, &store, &l.der, &[&i.der], &o);
        let verdict = check_chain(&AwsLcProvider, &store, &l.der, &[&i.der], &o);
        assert_eq!(full.map(drop), verdict);
    }
}

#[test]
fn rejects_garbage_as_a_decode_error() {
    let r = root();
    let o = VerifyOptions::new(NOW);
    let e = verify_chain(&AwsLcProvider, &roots(&[&r]), &[0x30, 0x03, 1, 2], &[], &o).unwrap_err();
    assert!(matches!(e, Error::Decode(_)));
    assert!(
        e.to_string().starts_with("cannot decode Certificate"),
        "{e}"
    );
}

#[test]
fn rejects_an_expired_leaf_saying_when_and_how_long_ago() {
    let r = root();
    let mut s = Spec::leaf("localhost", &["localhost"]);
    s.not_before = UnixTime(NOW.0 - 30 * DAY);
    s.not_after = UnixTime(NOW.0 - 3 * DAY);
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::Expired { .. }));
    let date = UnixTime(NOW.0 - 3 * DAY).date();
    assert_eq!(
        e.to_string(),
        format!("certificate for localhost expired on {date} (3 days ago)")
    );
}

#[test]
fn rejects_a_leaf_that_is_not_yet_valid() {
    let r = root();
    let mut s = Spec::leaf("localhost", &["localhost"]);
    s.not_before = UnixTime(NOW.0 + 5 * DAY);
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::NotYetValid { .. }));
    assert!(
        e.to_string().contains("is not valid until") && e.to_string().ends_with("(in 5 days)"),
        "{e}"
    );
}

#[test]
fn rejects_a_name_mismatch_listing_the_names_present() {
    let r = root();
    let l = issue(&Spec::leaf("a", &["a.example", "b.example"]), Some(&r));
    let e = verify(&r, &l, &[], Some("c.example")).unwrap_err();
    assert!(matches!(e, Error::NameMismatch { .. }));
    assert_eq!(
        e.to_string(),
        "certificate is for a.example, b.example — not c.example"
    );
}

#[test]
fn a_wildcard_over_a_public_suffix_is_named_as_such_in_the_mismatch() {
    let r = root();
    let l = issue(&Spec::leaf("a", &["*.co.uk", "www.example.org"]), Some(&r));
    let e = verify(&r, &l, &[], Some("example.co.uk")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate is for *.co.uk (a wildcard over the public suffix co.uk: no name), \
         www.example.org — not example.co.uk"
    );
}

#[test]
fn never_falls_back_to_the_common_name() {
    let r = root();
    let mut s = Spec::leaf("c.example", &[]);
    s.dns.clear();
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], Some("c.example")).unwrap_err();
    assert!(matches!(e, Error::NameMismatch { .. }), "{e}");
}

#[test]
fn rejects_an_unknown_issuer_naming_it() {
    let r = root();
    let other = issue(&Spec::ca("Foo"), None);
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&other));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert_eq!(e.to_string(), "signed by an unknown CA (issuer: CN=Foo)");
}

#[test]
fn an_anchor_key_parsed_at_first_use_checks_every_later_chain() {
    let r = root();
    let store = roots(&[&r]);
    let good = issue(&Spec::leaf("a", &["a.example"]), Some(&r));
    // The last byte is inside the signature's integer s.
    let mut altered = good.der.clone();
    let n = altered.len();
    altered[n - 1] ^= 1;
    let o = VerifyOptions::new(NOW);
    // The first check parses the anchor's key; the later ones verify with it, and a bad
    // signature is still one; a clone of the store keeps the parsed key.
    let check = |store: &RootStore| {
        check_chain(&AwsLcProvider, store, &good.der, &[], &o).unwrap();
        assert!(matches!(
            check_chain(&AwsLcProvider, store, &altered, &[], &o),
            Err(Error::BadSignature { .. })
        ));
    };
    check(&store);
    check(&store);
    check(&store.clone());
}

#[test]
fn rejects_an_altered_certificate_as_a_bad_signature() {
    let r = root();
    let mut l = issue(&Spec::leaf("a", &["a.example"]), Some(&r));
    // The last byte is inside the signature's integer s.
    let n = l.der.len();
    l.der[n - 1] ^= 1;
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::BadSignature { .. }));
    assert!(
        e.to_string()
            .starts_with("signature does not match: altered?"),
        "{e}"
    );
}

#[test]
fn rejects_an_issuer_that_is_not_a_ca() {
    let r = root();
    let mut s = Spec::ca("NotCa");
    s.ca = None;
    let i = issue(&s, Some(&r));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i));
    let e = verify(&r, &l, &[&i], None).unwrap_err();
    assert!(matches!(e, Error::NotCa { .. }));
    assert_eq!(
        e.to_string(),
        "NotCa issued a certificate but is not a certificate authority"
    );
}

#[test]
fn enforces_path_length_constraints() {
    let mut rs = Spec::ca("Root");
    rs.ca = Some(Some(0));
    let r = issue(&rs, None);
    let i = issue(&Spec::ca("Intermediate"), Some(&r));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i));
    let e = verify(&r, &l, &[&i], None).unwrap_err();
    assert!(matches!(e, Error::PathTooLong { .. }));
    assert_eq!(
        e.to_string(),
        "chain is too long: Root allows fewer intermediate CAs below it"
    );
}

#[test]
fn rejects_a_leaf_without_the_purpose_in_its_eku() {
    let r = root();
    let mut s = Spec::leaf("a", &["a.example"]);
    s.eku = Some(vec![&[1, 3, 6, 1, 5, 5, 7, 3, 2]]);
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::EkuMissing { .. }));
    assert_eq!(
        e.to_string(),
        "certificate a.example may not be used for serverAuth (extended key usage)"
    );
}

#[test]
fn rejects_a_ca_without_key_cert_sign() {
    let r = root();
    let mut s = Spec::ca("Inter");
    s.ku = Some(vec![6]);
    let i = issue(&s, Some(&r));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i));
    let e = verify(&r, &l, &[&i], None).unwrap_err();
    assert!(matches!(e, Error::KeyUsageMissing { .. }));
    assert_eq!(
        e.to_string(),
        "certificate Inter lacks the keyCertSign key usage it needs"
    );
}

#[test]
fn name_constrained_root_refuses_a_name_outside_its_subtrees() {
    let mut rs = Spec::ca("Local Root");
    rs.permitted_dns = vec!["localhost".into(), "test".into()];
    let r = issue(&rs, None);
    let ok = issue(&Spec::leaf("x", &["app.test"]), Some(&r));
    verify(&r, &ok, &[], Some("app.test")).unwrap();
    let l = issue(&Spec::leaf("x", &["example.com"]), Some(&r));
    let e = verify(&r, &l, &[], Some("example.com")).unwrap_err();
    assert!(matches!(e, Error::NameConstraintViolated { .. }));
    assert_eq!(
        e.to_string(),
        "name example.com is outside what the issuing CA may certify (permitted: test, and others of its kind)"
    );
}

#[test]
fn reports_revocation_with_date_and_reason() {
    let r = root();
    let i = issue(&Spec::ca("Inter"), Some(&r));
    let mut s = Spec::leaf("a", &["a.example"]);
    s.serial = 4242;
    let l = issue(&s, Some(&i));
    let when = UnixTime(NOW.0 - 2 * DAY);
    let crls = vec![crl(&i, 4242, when, UnixTime(NOW.0 + DAY))];
    let mut o = VerifyOptions::new(NOW);
    o.crls = &crls;
    let e = verify_chain(&AwsLcProvider, &roots(&[&r]), &l.der, &[&i.der], &o).unwrap_err();
    assert!(matches!(e, Error::Revoked { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "certificate a.example was revoked on {} (reason: keyCompromise)",
            when.date()
        )
    );
    // Another serial on the list: still valid.
    let crls = vec![crl(&i, 1, when, UnixTime(NOW.0 + DAY))];
    o.crls = &crls;
    verify_chain(&AwsLcProvider, &roots(&[&r]), &l.der, &[&i.der], &o).unwrap();
}

#[test]
fn refuses_an_out_of_date_crl() {
    let r = root();
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&r));
    let crls = vec![crl(&r, 1, UnixTime(NOW.0 - 5 * DAY), UnixTime(NOW.0 - DAY))];
    let mut o = VerifyOptions::new(NOW);
    o.crls = &crls;
    let e = verify_chain(&AwsLcProvider, &roots(&[&r]), &l.der, &[], &o).unwrap_err();
    assert!(matches!(e, Error::BadCrl { .. }));
    assert_eq!(
        e.to_string(),
        "the revocation list cannot be used: it is out of date (nextUpdate has passed)"
    );
}

#[test]
fn gives_up_on_a_hostile_pile_of_self_issued_intermediates() {
    let r = root();
    // Sixteen CAs all named X, each signed by the next: every step offers all the rest
    // (16 + 15 + ... checks > the budget of 100).
    let mut chain: Vec<Issued> = vec![issue(&Spec::ca("X"), None)];
    for _ in 0..15 {
        let next = issue(&Spec::ca("X"), chain.last());
        chain.push(next);
    }
    let l = issue(&Spec::leaf("a", &["a.example"]), chain.last());
    let inters: Vec<&Issued> = chain.iter().rev().collect();
    let e = verify(&r, &l, &inters, None).unwrap_err();
    assert_eq!(e, Error::BudgetExceeded);
    assert!(e.to_string().starts_with("gave up building a chain"), "{e}");
}

#[test]
fn refuses_sha1_signatures_by_name() {
    let r = root();
    let mut s = Spec::leaf("a", &["a.example"]);
    s.tbs_alg = SHA1_RSA;
    s.outer_alg = SHA1_RSA;
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert_eq!(e, Error::UnsupportedSignatureAlgorithm("SHA-1".into()));
    assert_eq!(e.to_string(), "signature algorithm SHA-1 is not accepted");
}

#[test]
fn refuses_an_unsupported_public_key_type() {
    let r = root();
    let mut s = Spec::leaf("a", &["a.example"]);
    // A DSA SubjectPublicKeyInfo (1.2.840.10040.4.1) with a dummy key.
    s.spki = Some(vec![
        0x30, 0x0e, 0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01, 0x03, 0x01,
        0x00,
    ]);
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::UnsupportedPublicKey(_)));
    assert_eq!(e.to_string(), "public key not supported: DSA");
}

#[test]
fn rejects_differing_inner_and_outer_signature_algorithms() {
    let r = root();
    let mut s = Spec::leaf("a", &["a.example"]);
    s.tbs_alg = ECDSA_SHA384;
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::SignatureAlgorithmMismatch { .. }));
    assert_eq!(
        e.to_string(),
        "certificate a.example names two different signature algorithms"
    );
}

#[test]
fn rejects_unknown_critical_extensions() {
    let r = root();
    let mut s = Spec::leaf("a", &["a.example"]);
    s.extra = vec![(&[1, 2, 3, 4], true, vec![0x05, 0x00])];
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate a.example has a critical extension we do not understand (1.2.3.4)"
    );
    // The same extension, non-critical, is ignored.
    s.extra = vec![(&[1, 2, 3, 4], false, vec![0x05, 0x00])];
    let l = issue(&s, Some(&r));
    verify(&r, &l, &[], None).unwrap();
}

#[test]
fn rejects_a_ca_certificate_presented_as_the_leaf() {
    let r = root();
    let i = issue(&Spec::ca("Inter"), Some(&r));
    let e = verify(&r, &i, &[], None).unwrap_err();
    assert!(matches!(e, Error::CaUsedAsEndEntity { .. }));
    assert_eq!(
        e.to_string(),
        "certificate Inter is a CA certificate, not one for a server or client"
    );
}

#[test]
fn rejects_a_zero_serial_as_malformed() {
    let r = root();
    let mut s = Spec::leaf("a", &["a.example"]);
    s.serial = 0;
    let l = issue(&s, Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate a.example is malformed: serial number is not positive"
    );
}

#[test]
fn builds_through_shuffled_duplicated_intermediates_and_cross_signs() {
    let old_root = root();
    let new_root = issue(&Spec::ca("New Root"), None);
    // "Inter" exists twice with one key: signed by the old root and cross-signed by the new.
    let i_old = issue(&Spec::ca("Inter"), Some(&old_root));
    let mut s = Spec::ca("Inter");
    s.key = Some(i_old.pkcs8.clone());
    let i_new = issue(&s, Some(&new_root));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i_old));
    let o = VerifyOptions::new(NOW);
    // Only the new root is trusted and the cross-sign is missing: no path.
    let e = verify_chain(
        &AwsLcProvider,
        &roots(&[&new_root]),
        &l.der,
        &[&i_old.der, &i_old.der, &old_root.der],
        &o,
    )
    .unwrap_err();
    assert!(matches!(e, Error::UnknownIssuer { .. }), "{e}");
    // With the cross-sign somewhere in a shuffled, duplicated pile, the path is found.
    let path = verify_chain(
        &AwsLcProvider,
        &roots(&[&new_root]),
        &l.der,
        &[&old_root.der, &i_old.der, &i_old.der, &i_new.der],
        &o,
    )
    .unwrap();
    assert_eq!(
        path.chain,
        vec![l.der.clone(), i_new.der.clone(), new_root.der.clone()]
    );
}

#[test]
fn the_most_specific_failure_wins_across_paths() {
    let r = root();
    // Two intermediates named Inter: one expired, one with a bad key usage; the leaf is
    // signed by the expired one, so "expired" (rank 25) beats "bad signature" (rank 15).
    let mut s = Spec::ca("Inter");
    s.not_after = UnixTime(NOW.0 - DAY);
    let expired = issue(&s, Some(&r));
    let other = issue(&Spec::ca("Inter"), Some(&r));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&expired));
    let e = verify(&r, &l, &[&other, &expired], None).unwrap_err();
    assert!(matches!(e, Error::Expired { .. }), "{e}");
}

#[test]
fn verify_signature_checks_key_type_and_signature() {
    let p = AwsLcProvider;
    let (key, _) = p
        .generate_signing_key(padlock_crypto::KeyKind::EcdsaP256)
        .unwrap();
    let spki_der = key.public_key_spki();
    let spki = SubjectPublicKeyInfo::from_der(&spki_der).unwrap();
    let sig = key
        .sign(
            padlock_crypto::SignatureAlgorithm::EcdsaP256Sha256,
            b"hello",
        )
        .unwrap();
    crate::verify_signature(
        &p,
        &spki,
        padlock_crypto::SignatureAlgorithm::EcdsaP256Sha256,
        b"hello",
        &sig,
    )
    .unwrap();
    assert!(matches!(
        crate::verify_signature(
            &p,
            &spki,
            padlock_crypto::SignatureAlgorithm::EcdsaP256Sha256,
            b"hellO",
            &sig
        ),
        Err(Error::BadSignature { .. })
    ));
    assert!(matches!(
        crate::verify_signature(
            &p,
            &spki,
            padlock_crypto::SignatureAlgorithm::Ed25519,
            b"hello",
            &sig
        ),
        Err(Error::UnsupportedSignatureAlgorithm(_))
    ));
}

#[test]
fn system_store_anchors_are_usable_despite_legacy_profiles() {
    // Curated roots such as Go Daddy Class 2 predate the CA/B Forum root profile
    // (non-critical basicConstraints, no subjectKeyIdentifier): they are checked leniently.
    let data = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap_or_default();
    let Ok(blocks) = crate::pem::parse_all(&data) else {
        return;
    };
    for b in blocks {
        if let Ok(c) = Certificate::from_der(&b.der) {
            let time = UnixTime(c.not_before().0 + 1);
            let r = check_anchor(&c, &VerifyOptions::new(time), false);
            assert!(r.is_ok(), "{}: {r:?}", c.subject());
        }
    }
}

#[test]
fn matches_ip_addresses_from_san_only() {
    let r = root();
    let mut s = Spec::leaf("127.0.0.1", &[]);
    s.dns.clear();
    s.extra = vec![(
        &[2, 5, 29, 17],
        false,
        vec![0x30, 0x06, 0x87, 0x04, 127, 0, 0, 1],
    )];
    let l = issue(&s, Some(&r));
    verify(&r, &l, &[], Some("127.0.0.1")).unwrap();
    let e = verify(&r, &l, &[], Some("127.0.0.2")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate is for 127.0.0.1 — not 127.0.0.2"
    );
    let e = verify(&r, &l, &[], Some("::1")).unwrap_err();
    assert!(matches!(e, Error::NameMismatch { .. }));
}

#[test]
fn root_store_counts_pem_certificates_and_lists_subjects() {
    let a = root();
    let b = issue(&Spec::ca("Other Root"), None);
    let text = format!(
        "{}{}",
        crate::pem::encode("CERTIFICATE", &a.der),
        crate::pem::encode("CERTIFICATE", &b.der)
    );
    let mut store = RootStore::new();
    assert_eq!(store.add_pem(text.as_bytes()).unwrap(), 2);
    assert_eq!(store.len(), 2);
    assert_eq!(store.subjects(), vec![a.name.clone(), b.name.clone()]);
    // Adding the same anchor again changes nothing.
    store.add_der(&a.der).unwrap();
    assert_eq!(store.len(), 2);
    assert!(store.add_der(b"not a certificate").is_err());
}

#[test]
fn wrong_purpose_is_refused_for_client_authentication() {
    let r = root();
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&r));
    let mut o = VerifyOptions::new(NOW);
    o.purpose = Purpose::ClientAuth;
    let e = verify_chain(&AwsLcProvider, &roots(&[&r]), &l.der, &[], &o).unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate a.example may not be used for clientAuth (extended key usage)"
    );
}

#[test]
fn caller_max_depth_limits_intermediates() {
    let r = root();
    let i1 = issue(&Spec::ca("I1"), Some(&r));
    let i2 = issue(&Spec::ca("I2"), Some(&i1));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i2));
    let mut o = VerifyOptions::new(NOW);
    o.max_depth = Some(1);
    let e = verify_chain(
        &AwsLcProvider,
        &roots(&[&r]),
        &l.der,
        &[&i1.der, &i2.der],
        &o,
    )
    .unwrap_err();
    assert!(matches!(e, Error::PathTooLong { .. }), "{e}");
    o.max_depth = Some(2);
    verify_chain(
        &AwsLcProvider,
        &roots(&[&r]),
        &l.der,
        &[&i1.der, &i2.der],
        &o,
    )
    .unwrap();
}

#[test]
fn mutated_chains_never_panic_and_never_validate_a_changed_leaf() {
    // A small deterministic fuzz pass (the cargo-fuzz targets go further): flip, drop and
    // insert bytes in a valid leaf and run the whole validator on each variant.
    let r = root();
    let i = issue(&Spec::ca("Inter"), Some(&r));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i));
    let store = roots(&[&r]);
    let name = SubjectName::parse("a.example").unwrap();
    let mut o = VerifyOptions::new(NOW);
    o.name = Some(&name);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..2000 {
        let mut der = l.der.clone();
        let at = (next() as usize) % der.len();
        match next() % 3 {
            0 => der[at] ^= 1 << (next() % 8),
            1 => {
                der.remove(at);
            }
            _ => der.insert(at, next() as u8),
        }
        let res = verify_chain(&AwsLcProvider, &store, &der, &[&i.der], &o);
        assert!(res.is_err() || der == l.der, "a mutated leaf validated");
    }
}

#[test]
fn rejects_an_expired_anchor_naming_it() {
    // Anchors are summarised when added; one that has since expired is still reported exactly.
    let mut rs = Spec::ca("Old Root");
    rs.not_before = UnixTime(NOW.0 - 30 * DAY);
    rs.not_after = UnixTime(NOW.0 - 2 * DAY);
    let r = issue(&rs, None);
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&r));
    let e = verify(&r, &l, &[], None).unwrap_err();
    assert!(matches!(e, Error::Expired { .. }), "{e}");
    assert!(e.to_string().contains("Old Root"), "{e}");
}

#[test]
fn an_anchor_crl_revokes_the_intermediate_below_it() {
    let r = root();
    let mut is = Spec::ca("Inter");
    is.serial = 99;
    let i = issue(&is, Some(&r));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&i));
    let when = UnixTime(NOW.0 - DAY);
    let crls = vec![crl(&r, 99, when, UnixTime(NOW.0 + DAY))];
    let mut o = VerifyOptions::new(NOW);
    o.crls = &crls;
    let e = verify_chain(&AwsLcProvider, &roots(&[&r]), &l.der, &[&i.der], &o).unwrap_err();
    assert!(matches!(e, Error::Revoked { .. }), "{e}");
    let crls = vec![crl(&r, 1, when, UnixTime(NOW.0 + DAY))];
    o.crls = &crls;
    verify_chain(&AwsLcProvider, &roots(&[&r]), &l.der, &[&i.der], &o).unwrap();
}

#[test]
fn a_name_constrained_anchor_is_checked_in_full_and_a_plain_one_is_summarised() {
    let plain = root();
    let mut store = roots(&[&plain]);
    let mut nc = Spec::ca("Constrained Root");
    nc.extra = vec![(
        &[2, 5, 29, 30],
        true,
        // NameConstraints { permittedSubtrees [0] { GeneralSubtree { dNSName "ok.test" } } }
        vec![
            0x30, 0x0d, 0xa0, 0x0b, 0x30, 0x09, 0x82, 0x07, b'o', b'k', b'.', b't', b'e', b's',
            b't',
        ],
    )];
    let constrained = issue(&nc, None);
    store.add_der(&constrained.der).unwrap();
    let facts: Vec<bool> = store
        .by_subject(Certificate::from_der(&plain.der).unwrap().subject().rdns)
        .chain(
            store.by_subject(
                Certificate::from_der(&constrained.der)
                    .unwrap()
                    .subject()
                    .rdns,
            ),
        )
        .map(|a| a.facts.is_some())
        .collect();
    assert_eq!(facts, [true, false]);
}

/// The real provider, counting signature checks.
#[derive(Debug, Default)]
struct CountingProvider(std::sync::atomic::AtomicUsize);

impl padlock_crypto::Provider for CountingProvider {
    fn fill_random(&self, out: &mut [u8]) -> Result<(), padlock_crypto::CryptoError> {
        AwsLcProvider.fill_random(out)
    }
    fn hash(
        &self,
        algorithm: padlock_crypto::HashAlgorithm,
    ) -> Box<dyn padlock_crypto::HashContext> {
        AwsLcProvider.hash(algorithm)
    }
    fn hmac(
        &self,
        algorithm: padlock_crypto::HashAlgorithm,
        key: &[u8],
        data: &[&[u8]],
    ) -> padlock_crypto::Digest {
        AwsLcProvider.hmac(algorithm, key, data)
    }
    fn aead_key(
        &self,
        algorithm: padlock_crypto::AeadAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn padlock_crypto::AeadKey>, padlock_crypto::CryptoError> {
        AwsLcProvider.aead_key(algorithm, key)
    }
    fn start_key_exchange(
        &self,
        group: padlock_crypto::KeyExchangeAlgorithm,
    ) -> Result<Box<dyn padlock_crypto::KeyExchange>, padlock_crypto::CryptoError> {
        AwsLcProvider.start_key_exchange(group)
    }
    fn verify_signature(
        &self,
        algorithm: padlock_crypto::SignatureAlgorithm,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), padlock_crypto::CryptoError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        AwsLcProvider.verify_signature(algorithm, public_key, message, signature)
    }
    fn load_signing_key(
        &self,
        der: &[u8],
        format: padlock_crypto::PrivateKeyFormat,
    ) -> Result<Box<dyn padlock_crypto::SigningKey>, padlock_crypto::CryptoError> {
        AwsLcProvider.load_signing_key(der, format)
    }
    fn generate_signing_key(
        &self,
        kind: padlock_crypto::KeyKind,
    ) -> Result<(Box<dyn padlock_crypto::SigningKey>, Vec<u8>), padlock_crypto::CryptoError> {
        AwsLcProvider.generate_signing_key(kind)
    }
}

#[test]
fn tries_first_the_issuer_whose_key_identifier_the_child_names() {
    // Two roots and two intermediates share their names but not their keys; the chain runs
    // through the second of each. Matching authorityKeyIdentifier to subjectKeyIdentifier
    // finds it with one signature check per link, whatever the order.
    let (old_root, new_root) = (root(), root());
    let old_inter = issue(&Spec::ca("Intermediate"), Some(&old_root));
    let new_inter = issue(&Spec::ca("Intermediate"), Some(&new_root));
    let l = issue(&Spec::leaf("a", &["a.example"]), Some(&new_inter));
    let provider = CountingProvider::default();
    let path = verify_chain(
        &provider,
        &roots(&[&old_root, &new_root]),
        &l.der,
        &[&old_inter.der, &new_inter.der],
        &VerifyOptions::new(NOW),
    )
    .unwrap();
    assert_eq!(
        path.chain,
        [&l.der, &new_inter.der, &new_root.der].map(Clone::clone)
    );
    assert_eq!(provider.0.load(std::sync::atomic::Ordering::Relaxed), 2);
}
