//! One trust-store policy for every command: without `--cacert`, `padlock get` and
//! `connect` trust the system's roots (SSL_CERT_FILE and SSL_CERT_DIR) plus padlock's own
//! local CA; an unknown CA says what to do; `--client-ca` and `--cacert` read OpenSSL's
//! TRUSTED CERTIFICATE blocks in `serve` as in `listen`.

mod serve_support;

use std::process::{Command, Output};

use serve_support::*;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `padlock get URL` with no --cacert, PADLOCK_HOME = `home`, and the given SSL_CERT_*.
fn get(
    url: &str,
    home: &std::path::Path,
    cert_file: &str,
    cert_dir: Option<&std::path::Path>,
) -> Output {
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["get", url])
        .env("PADLOCK_HOME", home)
        .env("SSL_CERT_FILE", cert_file)
        .env_remove("SSL_CERT_DIR");
    if let Some(dir) = cert_dir {
        cmd.env("SSL_CERT_DIR", dir);
    }
    run(&mut cmd)
}

#[test]
fn get_trusts_padlocks_own_local_ca_without_cacert() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let out = get(
        &format!("https://localhost:{port}/hello.txt"),
        ca.home.path(),
        "/dev/null",
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from padlock\n");
}

#[test]
fn get_trusts_the_roots_in_ssl_cert_dir() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let elsewhere = TempDir::new("no-ca-home");
    let certs = TempDir::new("ssl-cert-dir");
    std::fs::copy(ca.root(), certs.join("padlock.pem")).unwrap();
    let url = format!("https://localhost:{port}/hello.txt");
    let out = get(&url, elsewhere.path(), "/dev/null", Some(certs.path()));
    assert!(out.status.success(), "{}", text(&out));

    // Without it (trusting only some other CA) the CA is unknown, and the error says what
    // to do.
    let other = Ca::new();
    let other_root = other.root().display().to_string();
    let out = get(&url, elsewhere.path(), &other_root, None);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("unknown CA"), "{said}");
    assert!(
        said.contains("--cacert") && said.contains("padlock ca install"),
        "{said}"
    );
}

#[test]
fn get_help_documents_ssl_cert_file_and_ssl_cert_dir() {
    let help = text(&run(Command::new(PADLOCK).args(["get", "--help"])));
    assert!(
        help.contains("SSL_CERT_FILE") && help.contains("SSL_CERT_DIR"),
        "{help}"
    );
}

#[test]
fn serve_client_ca_accepts_an_openssl_trusted_certificate_file() {
    let Some(openssl) = peer("openssl") else {
        return;
    };
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let trusted = ca.home.join("trusted.pem");
    let made = run(Command::new(openssl)
        .args(["x509", "-addtrust", "clientAuth", "-trustout", "-in"])
        .arg(ca.root())
        .arg("-out")
        .arg(&trusted));
    assert!(made.status.success(), "{}", text(&made));
    assert!(std::fs::read_to_string(&trusted)
        .unwrap()
        .contains("BEGIN TRUSTED CERTIFICATE"));
    let (chain, key) = ca.client_cert("alice.test");
    let www = www();
    let client_ca = trusted.display().to_string();
    let (_server, port) = serve(&ca, www.path(), &["--client-ca", &client_ca]);
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(ca.root())
        .arg("--cert")
        .arg(&chain)
        .arg("--key")
        .arg(&key)
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from padlock\n",
        "{}",
        text(&out)
    );
}
