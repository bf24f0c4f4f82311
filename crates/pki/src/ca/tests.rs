//! Local CA tests: round trips through our own validator, and cross-checks with `openssl`.

use std::path::Path;
use std::process::Command;

use padlock_crypto::{AwsLcProvider, KeyKind};
use padlock_test_support::{peer_runs, TempDir};

use super::*;
use crate::roots::RootStore;
use crate::verify::{verify_chain, Purpose, VerifyOptions};

static PROVIDER: AwsLcProvider = AwsLcProvider;

/// Whether `openssl` can run; skips (or panics under PADLOCK_REQUIRE_PEERS=1) if not.
fn have_openssl() -> bool {
    peer_runs("openssl", "version")
}

/// Runs openssl in `dir`; returns (success, stdout + stderr).
fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn names(list: &[&str]) -> Vec<SubjectName> {
    list.iter()
        .map(|n| SubjectName::parse(n).unwrap())
        .collect()
}

/// Writes `leaf.pem` and `intermediate.pem` (the two halves of a chain) into `dir`.
fn split_chain(dir: &Path, chain_pem: &str) {
    let blocks = crate::pem::parse_all(chain_pem.as_bytes()).unwrap();
    assert_eq!(blocks.len(), 2);
    std::fs::write(
        dir.join("leaf.pem"),
        crate::pem::encode("CERTIFICATE", &blocks[0].der),
    )
    .unwrap();
    std::fs::write(
        dir.join("int.pem"),
        crate::pem::encode("CERTIFICATE", &blocks[1].der),
    )
    .unwrap();
}

/// `openssl verify` of `leaf.pem` under the CA's root with `int.pem` as untrusted.
fn openssl_verify(dir: &Path, ca: &LocalCa<'_>, extra: &[&str]) -> (bool, String) {
    let root = ca.root_pem_path();
    let root = root.to_str().unwrap();
    let mut args = vec!["verify", "-CAfile", root, "-untrusted", "int.pem"];
    args.extend_from_slice(extra);
    args.push("leaf.pem");
    openssl(dir, &args)
}

/// Our own validator over an issued chain.
fn our_verify(
    ca: &LocalCa<'_>,
    chain_pem: &str,
    name: &str,
    purpose: Purpose,
    crls: &[Vec<u8>],
) -> Result<(), crate::error::Error> {
    let blocks = crate::pem::parse_all(chain_pem.as_bytes()).unwrap();
    let mut roots = RootStore::new();
    roots.add_der(ca.root_der()).unwrap();
    let name = SubjectName::parse(name).unwrap();
    let mut opts = VerifyOptions::new(UnixTime::now());
    opts.name = Some(&name);
    opts.purpose = purpose;
    opts.crls = crls;
    verify_chain(&PROVIDER, &roots, &blocks[0].der, &[&blocks[1].der], &opts).map(|_| ())
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_writes_root_and_intermediate_with_private_keys_0600() {
    let home = TempDir::new("init");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let p = ca.paths();
    assert_eq!(ca.root_pem_path(), home.join("ca/root.pem"));
    for f in [
        p.root_cert(),
        p.intermediate_cert(),
        p.root_key(),
        p.intermediate_key(),
    ] {
        assert!(f.exists(), "{}", f.display());
    }
    #[cfg(unix)]
    {
        assert_eq!(mode(&p.root_key()), 0o600);
        assert_eq!(mode(&p.intermediate_key()), 0o600);
        assert_eq!(mode(&p.dir), 0o700);
    }
    assert_eq!(ca.constraints(), Some(&Permitted::local_defaults()[..]));
    // A second init refuses to overwrite.
    assert!(matches!(
        LocalCa::init(&PROVIDER, home.path(), InitOptions::default()),
        Err(CaError::AlreadyInitialized(_))
    ));
    // And the CA reopens.
    let reopened = LocalCa::open(&PROVIDER, home.path()).unwrap();
    assert_eq!(reopened.root_der(), ca.root_der());
}

#[test]
fn opening_a_missing_ca_says_to_run_init() {
    let home = TempDir::new("missing");
    let err = LocalCa::open(&PROVIDER, home.path()).unwrap_err();
    assert!(err.to_string().contains("padlock ca init"), "{err}");
}

#[test]
fn issued_chains_validate_with_our_own_verifier() {
    let home = TempDir::new("ours");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let issued = ca
        .issue(
            &names(&["app.test", "127.0.0.1", "::1"]),
            IssueOptions::default(),
        )
        .unwrap();
    our_verify(&ca, &issued.chain_pem, "app.test", Purpose::ServerAuth, &[]).unwrap();
    our_verify(
        &ca,
        &issued.chain_pem,
        "127.0.0.1",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap();
    our_verify(&ca, &issued.chain_pem, "::1", Purpose::ServerAuth, &[]).unwrap();
    assert!(our_verify(
        &ca,
        &issued.chain_pem,
        "other.test",
        Purpose::ServerAuth,
        &[]
    )
    .is_err());
    // A server certificate is not a client certificate.
    assert!(our_verify(&ca, &issued.chain_pem, "app.test", Purpose::ClientAuth, &[]).is_err());
    let client = ca
        .issue(
            &names(&["alice.internal"]),
            IssueOptions {
                client: true,
                days: 30,
            },
        )
        .unwrap();
    our_verify(
        &ca,
        &client.chain_pem,
        "alice.internal",
        Purpose::ClientAuth,
        &[],
    )
    .unwrap();
    // The key matches the certificate: it loads, and its public key is the leaf's.
    let key_der = crate::pem::parse_all(client.key_pem.as_bytes())
        .unwrap()
        .remove(0)
        .der;
    let key = PROVIDER
        .load_signing_key(&key_der, padlock_crypto::PrivateKeyFormat::Pkcs8)
        .unwrap();
    let leaf_der = crate::pem::parse_all(client.chain_pem.as_bytes())
        .unwrap()
        .remove(0)
        .der;
    let leaf = crate::cert::Certificate::from_der(&leaf_der).unwrap();
    assert_eq!(leaf.subject_public_key_info().der, key.public_key_spki());
    let days = (leaf.not_after().0 - leaf.not_before().0) / 86_400;
    assert_eq!(days, 30);
}

#[test]
fn issue_refuses_names_outside_the_constraints_and_bad_validity() {
    let home = TempDir::new("refuse");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let err = ca
        .issue(&names(&["example.com"]), IssueOptions::default())
        .unwrap_err();
    assert!(matches!(err, CaError::NotPermitted { .. }));
    assert!(err.to_string().contains("example.com is outside"), "{err}");
    assert!(matches!(
        ca.issue(&[], IssueOptions::default()),
        Err(CaError::NoNames)
    ));
    assert!(matches!(
        ca.issue(
            &names(&["localhost"]),
            IssueOptions {
                client: false,
                days: 0
            }
        ),
        Err(CaError::BadValidity(0))
    ));
}

#[test]
fn the_name_constrained_local_root_refuses_a_leaf_for_example_com() {
    let home = TempDir::new("nc");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    // Sign one anyway, going around issue()'s own check, as a thief with the key would.
    let (key, _) = PROVIDER.generate_signing_key(KeyKind::EcdsaP256).unwrap();
    let rogue = ca
        .issue_for_key(
            &names(&["example.com"]),
            &key.public_key_spki(),
            IssueOptions::default(),
        )
        .unwrap();
    let err = our_verify(
        &ca,
        &rogue.chain_pem,
        "example.com",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(err, crate::error::Error::NameConstraintViolated { .. }),
        "{err:?}"
    );
    if !have_openssl() {
        return;
    }
    let dir = TempDir::new("nc-openssl");
    split_chain(dir.path(), &rogue.chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-verify_hostname", "example.com"]);
    assert!(
        !ok,
        "openssl accepted a leaf outside the constraints: {out}"
    );
    assert!(
        out.contains("name constraint") || out.contains("permitted"),
        "{out}"
    );
}

#[test]
fn openssl_accepts_issued_chains_for_their_names_only() {
    if !have_openssl() {
        return;
    }
    let home = TempDir::new("openssl");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let issued = ca
        .issue(&names(&["localhost", "127.0.0.1"]), IssueOptions::default())
        .unwrap();
    let dir = TempDir::new("openssl-out");
    let written = issued.write_to(dir.path(), "localhost").unwrap();
    assert_eq!(written.len(), 2);
    #[cfg(unix)]
    assert_eq!(mode(&dir.join("localhost.key.pem")), 0o600);
    split_chain(dir.path(), &issued.chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-verify_hostname", "localhost"]);
    assert!(ok, "{out}");
    let (ok, out) = openssl_verify(
        dir.path(),
        &ca,
        &["-verify_ip", "127.0.0.1", "-purpose", "sslserver"],
    );
    assert!(ok, "{out}");
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-verify_hostname", "wrong.test"]);
    assert!(!ok, "openssl accepted the wrong host: {out}");
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-purpose", "sslclient"]);
    assert!(!ok, "a server certificate passed as a client one: {out}");
    // openssl reads our key and finds it matches the certificate.
    let (ok, key_pub) = openssl(dir.path(), &["pkey", "-in", "localhost.key.pem", "-pubout"]);
    assert!(ok, "{key_pub}");
    let (ok, cert_pub) = openssl(
        dir.path(),
        &["x509", "-in", "leaf.pem", "-noout", "-pubkey"],
    );
    assert!(ok, "{cert_pub}");
    assert_eq!(key_pub, cert_pub);
}

#[test]
fn rsa_3072_and_unconstrained_cas_work_with_openssl() {
    let home = TempDir::new("rsa");
    let ca = LocalCa::init(
        &PROVIDER,
        home.path(),
        InitOptions {
            key: KeyKind::Rsa(3072),
            constraints: Constraints::Unconstrained,
        },
    )
    .unwrap();
    assert_eq!(ca.constraints(), None);
    let issued = ca
        .issue(&names(&["example.com"]), IssueOptions::default())
        .unwrap();
    our_verify(
        &ca,
        &issued.chain_pem,
        "example.com",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap();
    if !have_openssl() {
        return;
    }
    let dir = TempDir::new("rsa-out");
    split_chain(dir.path(), &issued.chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-verify_hostname", "example.com"]);
    assert!(ok, "{out}");
}

#[test]
fn permit_list_replaces_the_defaults() {
    let home = TempDir::new("permit");
    let ca = LocalCa::init(
        &PROVIDER,
        home.path(),
        InitOptions {
            key: KeyKind::EcdsaP256,
            constraints: Constraints::Permit(vec![
                Permitted::parse("corp.lan").unwrap(),
                Permitted::parse("10.1.0.0/16").unwrap(),
            ]),
        },
    )
    .unwrap();
    let issued = ca
        .issue(
            &names(&["git.corp.lan", "10.1.2.3"]),
            IssueOptions::default(),
        )
        .unwrap();
    our_verify(
        &ca,
        &issued.chain_pem,
        "git.corp.lan",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap();
    assert!(ca
        .issue(&names(&["localhost"]), IssueOptions::default())
        .is_err());
    assert!(ca
        .issue(&names(&["10.2.0.1"]), IssueOptions::default())
        .is_err());
}

#[test]
fn open_or_init_creates_the_localhost_leaf_once() {
    let home = TempDir::new("serve");
    let ca = LocalCa::open_or_init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let first = ca.localhost_leaf().unwrap();
    our_verify(&ca, &first.chain_pem, "localhost", Purpose::ServerAuth, &[]).unwrap();
    our_verify(&ca, &first.chain_pem, "::1", Purpose::ServerAuth, &[]).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&ca.paths().localhost_key()), 0o600);
    let again = LocalCa::open_or_init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    assert_eq!(again.root_der(), ca.root_der());
    let second = again.localhost_leaf().unwrap();
    assert_eq!(first.serial, second.serial);
    assert_eq!(first.key_pem, second.key_pem);
    // Close to expiry, it is renewed.
    let mut later = LocalCa::open(&PROVIDER, home.path()).unwrap();
    later.set_time(UnixTime(first.not_after.0 - 86_400));
    let renewed = later.localhost_leaf().unwrap();
    assert_ne!(renewed.serial, first.serial);
}

#[test]
fn signs_an_openssl_csr_after_checking_its_signature() {
    if !have_openssl() {
        return;
    }
    let home = TempDir::new("csr");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let dir = TempDir::new("csr-out");
    let (ok, out) = openssl(
        dir.path(),
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "req.pem",
            "-subj",
            "/CN=api.test",
            "-addext",
            "subjectAltName=DNS:api.test,DNS:www.api.test,IP:10.0.0.7",
        ],
    );
    assert!(ok, "{out}");
    let csr = std::fs::read(dir.join("req.pem")).unwrap();
    let issued = ca.sign_csr(&csr, IssueOptions::default()).unwrap();
    assert!(issued.key_pem.is_empty());
    our_verify(
        &ca,
        &issued.chain_pem,
        "www.api.test",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap();
    our_verify(&ca, &issued.chain_pem, "10.0.0.7", Purpose::ServerAuth, &[]).unwrap();
    split_chain(dir.path(), &issued.chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-verify_hostname", "api.test"]);
    assert!(ok, "{out}");

    // A CSR with only a CN gets that name.
    let (ok, out) = openssl(
        dir.path(),
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k2.pem",
            "-out",
            "req2.pem",
            "-subj",
            "/CN=db.internal",
        ],
    );
    assert!(ok, "{out}");
    let csr2 = std::fs::read(dir.join("req2.pem")).unwrap();
    let issued = ca.sign_csr(&csr2, IssueOptions::default()).unwrap();
    our_verify(
        &ca,
        &issued.chain_pem,
        "db.internal",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap();

    // A tampered request is refused: flip a byte inside the signed part.
    let mut der = crate::pem::parse_all(&csr).unwrap().remove(0).der;
    let i = der.len() / 3;
    der[i] ^= 0x01;
    let tampered = crate::pem::encode("CERTIFICATE REQUEST", &der);
    assert!(ca
        .sign_csr(tampered.as_bytes(), IssueOptions::default())
        .is_err());
}

#[test]
fn revoked_leaves_appear_on_the_crl() {
    let home = TempDir::new("crl");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let good = ca
        .issue(&names(&["ok.test"]), IssueOptions::default())
        .unwrap();
    let bad = ca
        .issue(&names(&["bad.test"]), IssueOptions::default())
        .unwrap();
    let serial = ca
        .revoke(bad.chain_pem.as_bytes(), RevocationReason::KeyCompromise)
        .unwrap();
    assert_eq!(serial, bad.serial);
    // Revoking twice is harmless.
    ca.revoke(bad.chain_pem.as_bytes(), RevocationReason::KeyCompromise)
        .unwrap();
    let crl_pem = ca.crl().unwrap();
    let crl_der = crate::pem::parse_all(&crl_pem).unwrap().remove(0).der;
    let crls = vec![crl_der];
    our_verify(&ca, &good.chain_pem, "ok.test", Purpose::ServerAuth, &crls).unwrap();
    let err = our_verify(&ca, &bad.chain_pem, "bad.test", Purpose::ServerAuth, &crls).unwrap_err();
    assert!(
        matches!(err, crate::error::Error::Revoked { .. }),
        "{err:?}"
    );

    // A certificate from another CA is not ours to revoke.
    let other_home = TempDir::new("crl-other");
    let other = LocalCa::init(&PROVIDER, other_home.path(), InitOptions::default()).unwrap();
    let foreign = other
        .issue(&names(&["x.test"]), IssueOptions::default())
        .unwrap();
    assert!(matches!(
        ca.revoke(foreign.chain_pem.as_bytes(), RevocationReason::Unspecified),
        Err(CaError::NotIssuedHere)
    ));

    if !have_openssl() {
        return;
    }
    let dir = TempDir::new("crl-out");
    std::fs::write(dir.join("crl.pem"), &crl_pem).unwrap();
    let root = ca.root_pem_path();
    let int_pem = crate::pem::encode("CERTIFICATE", ca.intermediate_der());
    std::fs::write(dir.join("int-only.pem"), &int_pem).unwrap();
    let (ok, out) = openssl(
        dir.path(),
        &[
            "crl",
            "-in",
            "crl.pem",
            "-noout",
            "-CAfile",
            "int-only.pem",
            "-text",
        ],
    );
    assert!(ok && out.contains("Key Compromise"), "{out}");
    split_chain(dir.path(), &bad.chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-crl_check", "-CRLfile", "crl.pem"]);
    assert!(!ok && out.contains("revoked"), "{out}");
    split_chain(dir.path(), &good.chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-crl_check", "-CRLfile", "crl.pem"]);
    assert!(ok, "{out}");
    let _ = root;
}

#[test]
fn every_ca_error_reads_as_a_sentence() {
    let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
    let cases: Vec<(CaError, &str)> = vec![
        (
            CaError::Io {
                path: "/x/root.pem".into(),
                source: io,
            },
            "could not use /x/root.pem: denied",
        ),
        (
            CaError::AlreadyInitialized("/x/ca".into()),
            "a local CA already exists in /x/ca",
        ),
        (
            CaError::NotInitialized("/x/ca".into()),
            "run `padlock ca init`",
        ),
        (
            CaError::Crypto(padlock_crypto::CryptoError::Random),
            "random number generator failed",
        ),
        (CaError::Malformed("root.pem".into()), "root.pem is malformed"),
        (CaError::BadName("a b".into()), "\"a b\" is not a DNS name"),
        (CaError::NoNames, "at least one DNS name"),
        (CaError::BadValidity(0), "0 days is not a usable validity"),
        (CaError::UnsupportedKey("Rsa(1024)".into()), "cannot use a Rsa(1024) key"),
        (CaError::CsrSignature, "signature does not verify"),
        (
            CaError::CsrUnsupported("signature algorithm 1.2.3".into()),
            "uses signature algorithm 1.2.3, which is not supported",
        ),
        (CaError::NotIssuedHere, "not issued by this local CA"),
        (
            CaError::NotPermitted {
                name: "example.com".into(),
                permitted: vec!["localhost".into(), "test".into()],
            },
            "example.com is outside this CA's name constraints (it may issue only for localhost, test)",
        ),
    ];
    for (err, expected) in cases {
        let text = err.to_string();
        assert!(text.contains(expected), "{text:?} lacks {expected:?}");
    }
}

/// A thief with the root key mints an unconstrained intermediate and a leaf for
/// `example.com`: the root's own nameConstraints must still stop it.
#[test]
fn the_root_constraints_alone_stop_a_rogue_intermediate() {
    let home = TempDir::new("rogue");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let root_key_der = files::read_pem_one(&ca.paths().root_key(), "PRIVATE KEY").unwrap();
    let root_key = PROVIDER
        .load_signing_key(&root_key_der, padlock_crypto::PrivateKeyFormat::Pkcs8)
        .unwrap();
    let root = OwnCert::parse(ca.root_der()).unwrap();
    let now = UnixTime::now();
    let (int_key, _) = PROVIDER.generate_signing_key(KeyKind::EcdsaP256).unwrap();
    let int_id = cert::key_identifier(&PROVIDER, &int_key.public_key_spki()).unwrap();
    let int_name = SimpleName {
        common_name: Some("rogue intermediate".into()),
        organization: None,
    }
    .to_der();
    let int_der = cert::sign_certificate(
        &CertTemplate {
            serial: cert::random_serial(&PROVIDER).unwrap(),
            issuer: root.subject,
            subject: &int_name,
            not_before: UnixTime(now.0 - 60),
            not_after: UnixTime(now.0 + 86_400),
            spki: &int_key.public_key_spki(),
            extensions: vec![
                cert::basic_constraints(true, Some(0)),
                cert::key_usage(&[key_usage::KEY_CERT_SIGN]),
                cert::subject_key_id(&int_id),
                cert::authority_key_id(&cert::key_identifier(&PROVIDER, root.spki).unwrap()),
            ],
        },
        &*root_key,
    )
    .unwrap();
    let (leaf_key, _) = PROVIDER.generate_signing_key(KeyKind::EcdsaP256).unwrap();
    let leaf_der = cert::sign_certificate(
        &CertTemplate {
            serial: cert::random_serial(&PROVIDER).unwrap(),
            issuer: &int_name,
            subject: &SimpleName::default().to_der(),
            not_before: UnixTime(now.0 - 60),
            not_after: UnixTime(now.0 + 86_400),
            spki: &leaf_key.public_key_spki(),
            extensions: vec![
                cert::basic_constraints(false, None),
                cert::key_usage(&[key_usage::DIGITAL_SIGNATURE]),
                cert::ext_key_usage(&[oid::SERVER_AUTH]),
                cert::authority_key_id(&int_id),
                cert::subject_alt_name(&names(&["example.com"]), true),
            ],
        },
        &*int_key,
    )
    .unwrap();
    let mut chain_pem = crate::pem::encode("CERTIFICATE", &leaf_der);
    chain_pem.push_str(&crate::pem::encode("CERTIFICATE", &int_der));
    let err = our_verify(&ca, &chain_pem, "example.com", Purpose::ServerAuth, &[]).unwrap_err();
    assert!(
        matches!(err, crate::error::Error::NameConstraintViolated { .. }),
        "{err:?}"
    );
    if !have_openssl() {
        return;
    }
    let dir = TempDir::new("rogue-openssl");
    split_chain(dir.path(), &chain_pem);
    let (ok, out) = openssl_verify(dir.path(), &ca, &["-verify_hostname", "example.com"]);
    assert!(!ok, "openssl accepted a rogue intermediate's leaf: {out}");
}

#[test]
fn a_default_ca_issues_for_dot_local_names() {
    let home = TempDir::new("local");
    let ca = LocalCa::init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let issued = ca
        .issue(&names(&["myapp.local"]), IssueOptions::default())
        .unwrap();
    our_verify(
        &ca,
        &issued.chain_pem,
        "myapp.local",
        Purpose::ServerAuth,
        &[],
    )
    .unwrap();
    let refused = ca
        .issue(&names(&["example.com"]), IssueOptions::default())
        .unwrap_err()
        .to_string();
    assert!(refused.contains("padlock ca install"), "{refused}");
}

#[test]
fn the_serve_leaf_with_extra_names_covers_localhost_and_them_in_its_own_files() {
    let home = TempDir::new("serve-names");
    let ca = LocalCa::open_or_init(&PROVIDER, home.path(), InitOptions::default()).unwrap();
    let extra = names(&["myapp.test", "api.myapp.test"]);
    let (first, (chain, key)) = ca.serve_leaf(&extra).unwrap();
    assert_ne!(chain, ca.paths().localhost_chain());
    assert!(
        chain.ends_with("serve-api.myapp.test-myapp.test.chain.pem"),
        "{chain:?}"
    );
    assert!(key.exists());
    for name in ["localhost", "127.0.0.1", "myapp.test", "api.myapp.test"] {
        our_verify(&ca, &first.chain_pem, name, Purpose::ServerAuth, &[]).unwrap();
    }
    let reversed: Vec<_> = extra.iter().rev().cloned().collect();
    let (again, _) = ca.serve_leaf(&reversed).unwrap();
    assert_eq!(
        again.serial, first.serial,
        "the same names reuse the stored leaf"
    );
}
