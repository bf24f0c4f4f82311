//! Cross-checks `padlock verify` against `openssl verify`: chains made at test time with
//! `openssl req` / `openssl x509` (RSA, P-384, Ed25519, name-constrained, expired, wrong EKU,
//! missing intermediate, wrong host) must get the same verdict from both.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use padlock_test_support::certs::openssl;
use padlock_test_support::{KeyType, TempDir};

fn have_openssl() -> bool {
    padlock_test_support::peer_runs("openssl", "version")
}

fn genkey(dir: &Path, kind: KeyType, out: &str) {
    openssl(
        dir,
        &[&["genpkey"], kind.genpkey_args(), &["-out", out]].concat(),
    );
}

/// How to shape the chain.
struct Shape {
    key: KeyType,
    root_constraints: Option<&'static str>,
    leaf_names: &'static str,
    leaf_eku: &'static str,
}

/// Makes root.pem, inter.pem, leaf.pem in `dir`.
fn make_chain(dir: &Path, shape: &Shape) {
    genkey(dir, shape.key, "root.key");
    let mut root_args = vec![
        "req",
        "-x509",
        "-new",
        "-key",
        "root.key",
        "-subj",
        "/CN=Test Root",
        "-days",
        "30",
        "-out",
        "root.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ];
    let nc;
    if let Some(c) = shape.root_constraints {
        nc = format!("nameConstraints=critical,{c}");
        root_args.push("-addext");
        root_args.push(&nc);
    }
    openssl(dir, &root_args);
    let ca_ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
                  subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n";
    std::fs::write(dir.join("inter.ext"), ca_ext).expect("write");
    genkey(dir, shape.key, "inter.key");
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "inter.key",
            "-subj",
            "/CN=Test Intermediate",
            "-out",
            "inter.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "inter.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-set_serial",
            "1001",
            "-days",
            "20",
            "-extfile",
            "inter.ext",
            "-out",
            "inter.pem",
        ],
    );
    let leaf_ext = format!(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage={}\nsubjectAltName={}\nsubjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid:always\n",
        shape.leaf_eku, shape.leaf_names
    );
    std::fs::write(dir.join("leaf.ext"), leaf_ext).expect("write");
    genkey(dir, shape.key, "leaf.key");
    openssl(
        dir,
        &[
            "req", "-new", "-key", "leaf.key", "-subj", "/CN=leaf", "-out", "leaf.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "inter.pem",
            "-CAkey",
            "inter.key",
            "-set_serial",
            "2002",
            "-days",
            "10",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let chain = format!(
        "{}{}",
        std::fs::read_to_string(dir.join("leaf.pem")).expect("leaf"),
        std::fs::read_to_string(dir.join("inter.pem")).expect("inter")
    );
    std::fs::write(dir.join("chain.pem"), chain).expect("write");
}

/// Options for one verification.
#[derive(Default)]
struct Check<'a> {
    host: Option<&'a str>,
    days_ahead: Option<u64>,
    purpose_client: bool,
    without_intermediate: bool,
}

/// Runs both verifiers; returns (openssl ok, padlock ok, padlock's output).
fn both(dir: &Path, c: &Check<'_>) -> (bool, bool, String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let at = c.days_ahead.map(|d| now + d * 86_400);

    let mut o = Command::new("openssl");
    o.current_dir(dir).args(["verify", "-CAfile", "root.pem"]);
    if !c.without_intermediate {
        o.args(["-untrusted", "inter.pem"]);
    }
    o.args([
        "-purpose",
        if c.purpose_client {
            "sslclient"
        } else {
            "sslserver"
        },
    ]);
    if let Some(h) = c.host {
        o.args(["-verify_hostname", h]);
    }
    let at_s = at.map(|t| t.to_string());
    if let Some(t) = &at_s {
        o.args(["-attime", t]);
    }
    o.arg("leaf.pem");
    let openssl_ok = o.output().expect("openssl verify").status.success();

    let mut p = Command::new(env!("CARGO_BIN_EXE_padlock"));
    p.current_dir(dir).arg("verify");
    p.arg(if c.without_intermediate {
        "leaf.pem"
    } else {
        "chain.pem"
    });
    p.args(["--ca", "root.pem"]);
    p.args([
        "--purpose",
        if c.purpose_client { "client" } else { "server" },
    ]);
    if let Some(h) = c.host {
        p.args(["--host", h]);
    }
    let at_r;
    if let Some(t) = at {
        let days = t / 86_400;
        // RFC 3339 from a day count: reuse padlock-pki's civil-date conversion.
        at_r = padlock_pki::UnixTime(days * 86_400).to_string();
        p.args(["--at", &at_r]);
    }
    let out = p.output().expect("padlock verify");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "padlock verify exit {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (openssl_ok, code == Some(0), text)
}

fn agree(dir: &Path, c: &Check<'_>, expect_ok: bool) {
    let (o, p, text) = both(dir, c);
    assert_eq!(o, expect_ok, "openssl verdict (padlock said: {text})");
    assert_eq!(p, expect_ok, "padlock verdict: {text}");
}

fn shape(key: KeyType) -> Shape {
    Shape {
        key,
        root_constraints: None,
        leaf_names: "DNS:app.test,IP:127.0.0.1",
        leaf_eku: "serverAuth",
    }
}

#[test]
fn rsa_chain_same_verdicts_for_good_wrong_host_expired_and_missing_intermediate() {
    if !have_openssl() {
        return;
    }
    let d = TempDir::new("rsa");
    make_chain(d.path(), &shape(KeyType::Rsa2048));
    agree(
        d.path(),
        &Check {
            host: Some("app.test"),
            ..Default::default()
        },
        true,
    );
    agree(
        d.path(),
        &Check {
            host: Some("other.test"),
            ..Default::default()
        },
        false,
    );
    agree(
        d.path(),
        &Check {
            host: Some("app.test"),
            days_ahead: Some(15),
            ..Default::default()
        },
        false,
    );
    agree(
        d.path(),
        &Check {
            host: Some("app.test"),
            without_intermediate: true,
            ..Default::default()
        },
        false,
    );
}

#[test]
fn p384_chain_same_verdicts() {
    if !have_openssl() {
        return;
    }
    let d = TempDir::new("p384");
    make_chain(d.path(), &shape(KeyType::P384));
    agree(
        d.path(),
        &Check {
            host: Some("APP.test"),
            ..Default::default()
        },
        true,
    );
    agree(
        d.path(),
        &Check {
            host: Some("x.app.test"),
            ..Default::default()
        },
        false,
    );
}

#[test]
fn ed25519_chain_same_verdicts() {
    if !have_openssl() {
        return;
    }
    let d = TempDir::new("ed25519");
    make_chain(d.path(), &shape(KeyType::Ed25519));
    agree(
        d.path(),
        &Check {
            host: Some("app.test"),
            ..Default::default()
        },
        true,
    );
    agree(
        d.path(),
        &Check {
            host: Some("app.test"),
            purpose_client: true,
            ..Default::default()
        },
        false,
    );
}

#[test]
fn name_constrained_root_same_verdicts() {
    if !have_openssl() {
        return;
    }
    let inside = TempDir::new("nc-in");
    let mut s = shape(KeyType::P384);
    s.root_constraints = Some("permitted;DNS:test,permitted;IP:127.0.0.0/255.0.0.0");
    make_chain(inside.path(), &s);
    agree(
        inside.path(),
        &Check {
            host: Some("app.test"),
            ..Default::default()
        },
        true,
    );

    let outside = TempDir::new("nc-out");
    s.leaf_names = "DNS:example.com";
    make_chain(outside.path(), &s);
    agree(
        outside.path(),
        &Check {
            host: Some("example.com"),
            ..Default::default()
        },
        false,
    );
}

#[test]
fn wrong_eku_same_verdicts() {
    if !have_openssl() {
        return;
    }
    let d = TempDir::new("eku");
    let mut s = shape(KeyType::P384);
    s.leaf_eku = "clientAuth";
    make_chain(d.path(), &s);
    agree(
        d.path(),
        &Check {
            host: Some("app.test"),
            ..Default::default()
        },
        false,
    );
    agree(
        d.path(),
        &Check {
            purpose_client: true,
            ..Default::default()
        },
        true,
    );
}
