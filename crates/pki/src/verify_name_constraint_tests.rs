//! Name constraints on chains made at test time: the escapes an adversarial review showed,
//! each as its proof of concept — a root that excludes a subtree, and a leaf it signed whose
//! name lies in that subtree, spelled another way.

use padlock_crypto::AwsLcProvider;

use super::*;
use crate::ca::der_writer::DerWriter;
use crate::testutil::{issue, Issued, Spec, NOW};

const NAME_CONSTRAINTS: &[u64] = &[2, 5, 29, 30];
const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];

fn der(f: impl FnOnce(&mut DerWriter)) -> Vec<u8> {
    let mut w = DerWriter::new();
    f(&mut w);
    w.finish()
}

/// A root whose nameConstraints exclude the one GeneralName `base` (its DER).
fn root_excluding(base: &[u8]) -> Issued {
    let mut spec = Spec::ca("Constrained Root");
    let constraints = der(|w| w.sequence(|w| w.constructed(0xa1, |w| w.sequence(|w| w.raw(base)))));
    spec.extra = vec![(NAME_CONSTRAINTS, true, constraints)];
    issue(&spec, None)
}

/// A Name of one RDN per (attribute type, string tag, value).
fn name(attributes: &[(&[u64], u8, &str)]) -> Vec<u8> {
    der(|w| {
        w.sequence(|w| {
            for (oid, t, value) in attributes {
                w.set(|w| {
                    w.sequence(|w| {
                        w.oid(oid);
                        w.primitive(*t, value.as_bytes());
                    })
                })
            }
        })
    })
}

fn verify(root: &Issued, leaf: &Issued) -> Result<VerifiedPath, Error> {
    let mut roots = RootStore::new();
    roots.add_der(&root.der).unwrap();
    verify_chain(
        &AwsLcProvider,
        &roots,
        &leaf.der,
        &[],
        &VerifyOptions::new(NOW),
    )
}

const O: &[u64] = &[2, 5, 4, 10];
const CN: &[u64] = &[2, 5, 4, 3];
const PRINTABLE_STRING: u8 = 0x13;
const UTF8_STRING: u8 = 0x0c;

#[test]
fn a_leaf_cannot_escape_an_excluded_organization_by_respelling_it() {
    let excluded = name(&[(O, PRINTABLE_STRING, "Evil")]);
    let root = root_excluding(&der(|w| w.constructed(0xa4, |w| w.raw(&excluded))));
    let leaf_named = |organization: &str| {
        let mut spec = Spec::leaf("leaf", &["leaf.example"]);
        spec.subject = Some(name(&[
            (O, UTF8_STRING, organization),
            (CN, UTF8_STRING, "leaf.example"),
        ]));
        issue(&spec, Some(&root))
    };
    for respelled in ["Evil", "evil", " EVIL "] {
        let e = verify(&root, &leaf_named(respelled)).unwrap_err();
        assert!(matches!(e, Error::NameConstraintViolated { .. }), "{e}");
        assert!(e.to_string().ends_with("(excluded: O=Evil)"), "{e}");
    }
    verify(&root, &leaf_named("Good")).unwrap();
}

#[test]
fn a_leaf_cannot_escape_an_excluded_ipv4_network_with_an_ipv4_mapped_address() {
    // excludedSubtrees: iPAddress 10.0.0.0/8.
    let root = root_excluding(&der(|w| {
        w.implicit_primitive(7, &[10, 0, 0, 0, 255, 0, 0, 0])
    }));
    let leaf_at = |address: &[u8]| {
        let mut spec = Spec::leaf("leaf", &[]);
        let san = der(|w| w.sequence(|w| w.implicit_primitive(7, address)));
        spec.extra = vec![(SUBJECT_ALT_NAME, false, san)];
        issue(&spec, Some(&root))
    };
    let mapped = |v4: [u8; 4]| {
        let mut a = vec![0; 10];
        a.extend([0xff, 0xff]);
        a.extend(v4);
        a
    };
    let e = verify(&root, &leaf_at(&mapped([10, 1, 2, 3]))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "name ::ffff:10.1.2.3 is outside what the issuing CA may certify (excluded: 10.0.0.0/8)"
    );
    assert!(verify(&root, &leaf_at(&[10, 1, 2, 3])).is_err());
    verify(&root, &leaf_at(&mapped([11, 1, 2, 3]))).unwrap();
}
