//! `padlock ca install / uninstall / status`: the local root in a temporary HOME's NSS
//! database makes headless Chromium load `padlock serve` without a certificate error (and
//! uninstalling brings the error back); the system store under a temporary sysroot (and the
//! machine's own, only when the test runs as root, restored afterwards); Java's cacerts in a
//! temporary keystore.

mod serve_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serve_support::*;

/// `padlock ca ARGS` with the CA's home, `home` as HOME, and `sysroot` as the system store.
fn ca_cmd(ca: &Ca, home: &Path, sysroot: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(PADLOCK);
    cmd.arg("ca")
        .args(args)
        .env("PADLOCK_HOME", ca.home.path())
        .env("HOME", home)
        .env_remove("PADLOCK_TRUST_STORES")
        .env_remove("PADLOCK_TRUST_JAVA_CACERTS");
    match sysroot {
        Some(root) => cmd.env("PADLOCK_TRUST_SYSROOT", root),
        None => cmd.env_remove("PADLOCK_TRUST_SYSROOT"),
    };
    run(&mut cmd)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Headless Chromium with HOME = `home` (so it reads `home/.pki/nssdb`), a fresh profile,
/// no certificate pin: what it shows for `url`.
fn chromium_dom(home: &Path, url: &str) -> String {
    let profile = TempDir::new("chromium-trust");
    let out = run(chromium(&profile)
        .arg("--dump-dom")
        .arg(url)
        .env("HOME", home));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const GREETING: &str = "<h1 id=\"greeting\">Hello over HTTPS</h1>";

#[test]
fn chromium_trusts_padlock_serve_after_ca_install_and_not_after_uninstall() {
    if peer("chromium").is_none() || peer("certutil").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let home = TempDir::new("trust-home");
    let nssdb = home.join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).unwrap();
    let made = run(Command::new("certutil")
        .args(["-N", "--empty-password", "-d"])
        .arg(format!("sql:{}", nssdb.display())));
    assert!(made.status.success(), "certutil -N: {}", text(&made));
    let (_server, port) = serve(&ca, www.path(), &[]);
    let url = format!("https://localhost:{port}/");

    let before = chromium_dom(home.path(), &url);
    assert!(
        !before.contains(GREETING),
        "loaded before the CA was trusted:\n{before}"
    );

    let installed = ca_cmd(&ca, home.path(), None, &["install", "--store", "nss"]);
    let said = text(&installed);
    assert!(installed.status.success(), "{said}");
    assert!(
        said.contains("NSS database of Chromium") && said.contains("added"),
        "{said}"
    );
    let again = text(&ca_cmd(
        &ca,
        home.path(),
        None,
        &["install", "--store", "nss"],
    ));
    assert!(again.contains("already trusted"), "not idempotent: {again}");
    let status = text(&ca_cmd(
        &ca,
        home.path(),
        None,
        &["status", "--store", "nss"],
    ));
    assert!(
        status.contains("trusted:     NSS database of Chromium"),
        "{status}"
    );

    let trusted = chromium_dom(home.path(), &url);
    assert!(
        trusted.contains(GREETING),
        "not loaded after ca install:\n{trusted}"
    );

    let removed = ca_cmd(&ca, home.path(), None, &["uninstall", "--store", "nss"]);
    let said = text(&removed);
    assert!(
        removed.status.success() && said.contains("removed"),
        "{said}"
    );
    let again = text(&ca_cmd(
        &ca,
        home.path(),
        None,
        &["uninstall", "--store", "nss"],
    ));
    assert!(
        again.contains("not trusted there"),
        "not idempotent: {again}"
    );

    let after = chromium_dom(home.path(), &url);
    assert!(
        !after.contains(GREETING),
        "still loaded after ca uninstall:\n{after}"
    );
}

#[test]
fn ca_install_without_an_nss_database_says_what_to_do() {
    let ca = Ca::new();
    let home = TempDir::new("trust-empty-home");
    let out = ca_cmd(&ca, home.path(), None, &["install", "--store", "nss"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("no database under $HOME"), "{said}");
}

/// A minimal Debian system store under a temporary root, holding one other CA (as a real
/// one holds the distribution's: update-ca-certificates only rewrites a bundle that has
/// something in it).
fn debian_sysroot() -> TempDir {
    let root = TempDir::new("sysroot");
    std::fs::create_dir_all(root.join("etc/ssl/certs")).unwrap();
    std::fs::create_dir_all(root.join("usr/share/ca-certificates/distro")).unwrap();
    let other = Ca::new();
    std::fs::copy(
        other.root(),
        root.join("usr/share/ca-certificates/distro/other.crt"),
    )
    .unwrap();
    std::fs::write(root.join("etc/ca-certificates.conf"), b"distro/other.crt\n").unwrap();
    root
}

#[test]
fn system_store_install_and_uninstall_in_a_temporary_sysroot() {
    if peer("update-ca-certificates").is_none() || peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let home = TempDir::new("trust-sys-home");
    let sysroot = debian_sysroot();
    let bundle = sysroot.join("etc/ssl/certs/ca-certificates.crt");
    let root_pem = std::fs::read_to_string(ca.root()).unwrap();
    let sys = Some(sysroot.path());

    let out = ca_cmd(&ca, home.path(), sys, &["install", "--store", "system"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("system store: added") && said.contains("update-ca-certificates"),
        "{said}"
    );
    let anchors: Vec<PathBuf> = std::fs::read_dir(sysroot.join("usr/local/share/ca-certificates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(anchors.len(), 1, "{anchors:?}");
    assert!(std::fs::read_to_string(&bundle)
        .unwrap()
        .contains(root_pem.trim()));
    let again = text(&ca_cmd(
        &ca,
        home.path(),
        sys,
        &["install", "--store", "system"],
    ));
    assert!(again.contains("already trusted"), "{again}");
    let status = text(&ca_cmd(
        &ca,
        home.path(),
        sys,
        &["status", "--store", "system"],
    ));
    assert!(status.contains("trusted:     system store"), "{status}");

    // The rebuilt bundle is what clients trust: curl with it reaches padlock serve.
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let fetched = run(Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(&bundle)
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert_eq!(
        String::from_utf8_lossy(&fetched.stdout),
        "hello from padlock\n",
        "{}",
        text(&fetched)
    );

    let out = ca_cmd(&ca, home.path(), sys, &["uninstall", "--store", "system"]);
    let said = text(&out);
    assert!(
        out.status.success() && said.contains("system store: removed"),
        "{said}"
    );
    assert!(!anchors[0].exists());
    let bundled = std::fs::read_to_string(&bundle).unwrap_or_default();
    assert!(!bundled.contains(root_pem.trim()), "still in the bundle");
    let status = text(&ca_cmd(
        &ca,
        home.path(),
        sys,
        &["status", "--store", "system"],
    ));
    assert!(status.contains("not trusted: system store"), "{status}");
}

#[test]
fn java_cacerts_install_and_uninstall_in_a_temporary_keystore() {
    if peer("keytool").is_none() {
        return;
    }
    let ca = Ca::new();
    let home = TempDir::new("trust-java-home");
    let keystore = home.join("cacerts");
    let java = |args: &[&str]| java_ca(&ca, &keystore, args);
    assert!(java(&["install"]).contains("added"));
    assert!(java(&["install"]).contains("already trusted"));
    assert!(java(&["status"]).contains("trusted:     Java"));
    let listed = run(Command::new("keytool")
        .args(["-list", "-storepass", "changeit", "-keystore"])
        .arg(&keystore));
    assert!(
        text(&listed).to_lowercase().contains("padlock local ca"),
        "{}",
        text(&listed)
    );
    assert!(java(&["uninstall"]).contains("removed"));
    assert!(java(&["uninstall"]).contains("not trusted there"));
}

/// `padlock ca ARGS --store java` on the keystore `keystore`; what it said.
fn java_ca(ca: &Ca, keystore: &Path, args: &[&str]) -> String {
    text(&run(Command::new(PADLOCK)
        .arg("ca")
        .args(args)
        .args(["--store", "java"])
        .env("PADLOCK_HOME", ca.home.path())
        .env("PADLOCK_TRUST_JAVA_CACERTS", keystore)))
}

/// Debian's hook copies what the system store gains into the JDK's cacerts under its own
/// alias: `--store java` then adds no second entry, and leaves that one to the system store.
#[test]
fn java_counts_the_root_under_another_alias_as_trusted() {
    let Some(keytool) = peer("keytool") else {
        return;
    };
    let ca = Ca::new();
    let home = TempDir::new("trust-java-alias");
    let keystore = home.join("cacerts");
    let imported = run(Command::new(keytool)
        .args([
            "-importcert",
            "-noprompt",
            "-storepass",
            "changeit",
            "-alias",
            "debian:x.pem",
        ])
        .arg("-keystore")
        .arg(&keystore)
        .arg("-file")
        .arg(ca.root()));
    assert!(imported.status.success(), "{}", text(&imported));
    let java = |args: &[&str]| java_ca(&ca, &keystore, args);
    assert!(java(&["install"]).contains("already trusted"));
    assert!(java(&["status"]).contains("trusted:     Java"));
    assert!(java(&["uninstall"]).contains("through the system store"));
}

/// The machine's own store, only as root, and put back as it was whatever happens: the
/// bundle byte for byte, and Java's cacerts (which Debian's hook fills from the store)
/// without the root.
#[test]
fn system_store_of_this_machine_when_root_is_restored_afterwards() {
    if !running_as_root() {
        eprintln!("SKIP: not root, the machine's system store is left alone");
        return;
    }
    if peer("update-ca-certificates").is_none() {
        return;
    }
    let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
    let before = std::fs::read(bundle).unwrap();
    let ca = Ca::new();
    let home = TempDir::new("trust-real-home");
    let root_pem = std::fs::read_to_string(ca.root()).unwrap();
    let restore = RestoreSystemStore { stem: stem_of(&ca) };

    let out = ca_cmd(&ca, home.path(), None, &["install", "--store", "system"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::read_to_string(bundle)
        .unwrap()
        .contains(root_pem.trim()));
    let out = ca_cmd(&ca, home.path(), None, &["uninstall", "--store", "system"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(bundle).unwrap(),
        before,
        "the bundle is not as it was"
    );
    assert!(
        !java_system_store_has(&restore.stem),
        "Java's cacerts keeps the root after uninstall"
    );
}

/// The file stem `ca install` gives this CA's root: its SHA-256, 16 hex digits of it.
fn stem_of(ca: &Ca) -> String {
    let pem = std::fs::read(ca.root()).unwrap();
    let der = &padlock_pki::pem::parse_all(&pem).unwrap()[0].der;
    format!("padlock-local-ca-{}", &sha256_hex(der)[..16])
}

/// Whether the JDK's system cacerts holds the alias Debian's hook gives `stem`.
fn java_system_store_has(stem: &str) -> bool {
    if padlock_test_support::find_on_path("keytool").is_none() {
        return false;
    }
    let listed = run(Command::new("keytool").args(["-list", "-cacerts", "-storepass", "changeit"]));
    text(&listed).contains(&format!("debian:{stem}.pem"))
}

/// As an ordinary user (run from root with setpriv), installing into the system store is
/// refused with what to run instead, and the other stores still go ahead.
#[test]
fn without_root_the_system_store_says_to_use_sudo() {
    if !running_as_root() {
        eprintln!("SKIP: not root, so no other user to become");
        return;
    }
    let Some(setpriv) = peer("setpriv") else {
        return;
    };
    let ca = Ca::new();
    // A home the other user can read (the CA folder itself is private).
    let home = TempDir::new("trust-nobody");
    std::fs::create_dir(home.join("ca")).unwrap();
    std::fs::copy(ca.root(), home.join("ca/root.pem")).unwrap();
    let out = run(Command::new(setpriv)
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            PADLOCK,
        ])
        .args(["ca", "install", "--store", "system", "--store", "nss"])
        .env("PADLOCK_HOME", home.path())
        .env("HOME", home.path())
        .env_remove("PADLOCK_TRUST_SYSROOT"));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("needs root") && said.contains("sudo"),
        "{said}"
    );
    assert!(said.contains("--home"), "{said}");
    assert!(
        said.contains("NSS"),
        "the other stores were not tried: {said}"
    );
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"))
    })
}

/// On drop, removes any anchor this test's CA left in /usr/local/share/ca-certificates,
/// rebuilds the store, and tells Debian's hooks (Java's cacerts) the root is gone.
struct RestoreSystemStore {
    stem: String,
}

impl Drop for RestoreSystemStore {
    fn drop(&mut self) {
        let anchor = PathBuf::from(format!(
            "/usr/local/share/ca-certificates/{}.crt",
            self.stem
        ));
        let java = java_system_store_has(&self.stem);
        if !anchor.exists() && !java {
            return;
        }
        let _ = std::fs::remove_file(&anchor);
        let rebuilt = Command::new("update-ca-certificates")
            .arg("--fresh")
            .output();
        assert!(
            rebuilt.is_ok_and(|o| o.status.success()),
            "could not restore the store"
        );
        if let Ok(hooks) = std::fs::read_dir("/etc/ca-certificates/update.d") {
            for hook in hooks.flatten() {
                let mut child = Command::new(hook.path())
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                let line = format!("-/etc/ssl/certs/{}.pem\n", self.stem);
                std::io::Write::write_all(child.stdin.as_mut().unwrap(), line.as_bytes()).unwrap();
                drop(child.stdin.take());
                assert!(
                    child.wait().unwrap().success(),
                    "could not restore {:?}",
                    hook.path()
                );
            }
        }
    }
}
