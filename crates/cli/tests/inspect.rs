//! `padlock inspect` reads what `padlock ca` writes: certificates, CRLs and keys, plus
//! certificate requests made with openssl. A private key is described, never printed.

mod serve_support;

use std::process::Command;

use serve_support::*;

fn inspect(ca: &Ca, file: &std::path::Path) -> String {
    let out = run(Command::new(PADLOCK)
        .arg("inspect")
        .arg(file)
        .env("PADLOCK_HOME", ca.home.path()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn field<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .trim()
}

#[test]
fn inspect_describes_a_key_without_printing_it_and_matches_its_certificate() {
    let ca = Ca::new();
    let key_pem = std::fs::read_to_string(ca.leaf_key()).unwrap();
    let shown = inspect(&ca, &ca.leaf_key());
    assert!(
        shown.contains("Private key:") && shown.contains("ECDSA"),
        "{shown}"
    );
    assert!(shown.contains("not shown"), "{shown}");
    for body_line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!shown.contains(body_line), "the key's PEM leaked:\n{shown}");
    }
    let cert = inspect(&ca, &ca.leaf_chain());
    assert_eq!(field(&shown, "Key SHA-256:"), field(&cert, "Key SHA-256:"));
}

#[test]
fn inspect_lists_a_crls_revoked_serials() {
    let ca = Ca::new();
    let (client, _) = ca.client_cert("revoked.test");
    let padlock = |args: &[&str]| {
        let out = run(Command::new(PADLOCK)
            .args(args)
            .env("PADLOCK_HOME", ca.home.path()));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    padlock(&["ca", "revoke", client.to_str().unwrap()]);
    let crl = ca.home.join("out.crl.pem");
    padlock(&["ca", "crl", "--out", crl.to_str().unwrap()]);
    let shown = inspect(&ca, &crl);
    assert!(
        field(&shown, "Issuer:").contains("padlock local intermediate CA"),
        "{shown}"
    );
    assert_eq!(field(&shown, "Revoked:"), "1 certificate(s)");
    let serial = field(&inspect(&ca, &client), "Serial:").to_string();
    assert!(
        shown.contains(&format!("serial {serial} on ")),
        "{serial}\n{shown}"
    );
}

#[test]
fn inspect_reads_a_certificate_request_in_pem_and_der() {
    let Some(openssl) = peer("openssl") else {
        return;
    };
    let ca = Ca::new();
    let csr = ca.home.join("r.csr");
    let key = ca.home.join("r.key");
    let made = run(Command::new(&openssl)
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-subj", "/CN=req.test"])
        .args(["-addext", "subjectAltName=DNS:req.test,DNS:www.req.test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&csr));
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let der = ca.home.join("r.csr.der");
    run(Command::new(&openssl)
        .args(["req", "-outform", "DER", "-in"])
        .arg(&csr)
        .arg("-out")
        .arg(&der));
    for file in [&csr, &der] {
        let shown = inspect(&ca, file);
        assert_eq!(field(&shown, "Subject:"), "CN=req.test");
        assert_eq!(field(&shown, "Names:"), "req.test, www.req.test");
        assert!(field(&shown, "Signature:").starts_with("valid"), "{shown}");
    }
}
