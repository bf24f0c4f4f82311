//! `padlock ca install / uninstall / status`: putting the local root where clients look for
//! trust anchors, as mkcert and `caddy trust` do — the system store, the NSS databases of
//! Chromium and Firefox, and Java's `cacerts`.
//!
//! Every store is found from the environment, and each location can be overridden so tests
//! (and unusual systems) can point padlock elsewhere:
//!
//! | variable                     | meaning                                                  |
//! |------------------------------|----------------------------------------------------------|
//! | `PADLOCK_TRUST_STORES`       | which stores, comma-separated: `system,nss,java` (default all) |
//! | `PADLOCK_TRUST_SYSROOT`      | prefix of the system store's paths (default `/`; Debian's `update-ca-certificates --sysroot`) |
//! | `HOME`                       | where the NSS databases are looked for (`~/.pki/nssdb`, Firefox profiles) |
//! | `PADLOCK_TRUST_JAVA_CACERTS` | the Java keystore (default `$JAVA_HOME/lib/security/cacerts`, else the one beside `keytool`) |
//!
//! Each operation is idempotent and reports what it changed; only the system store (and a
//! JDK's `cacerts`, which root owns) needs root, and a refusal says so.

mod java;
mod nss;
mod system;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use padlock_crypto::{AwsLcProvider, HashAlgorithm, Provider};

use crate::common::hex;

/// The root certificate being trusted, with the names it is stored under.
#[derive(Debug)]
pub struct Root {
    /// The PEM file (the CA's `root.pem`).
    pub pem_path: PathBuf,
    /// Its PEM text.
    pub pem: String,
    /// NSS nickname and Java alias: `padlock local CA 0123456789abcdef` (the SHA-256 of
    /// the certificate, so two CAs never share a name and a re-created CA is a new entry).
    pub nickname: String,
    /// File stem in a system store: `padlock-local-ca-0123456789abcdef`.
    pub file_stem: String,
    /// SHA-256 of the certificate as keytool prints it (`AB:CD:…`), to find it under any
    /// alias.
    pub fingerprint: String,
}

impl Root {
    /// Reads the root of the CA under `home`.
    pub fn of_home(home: &Path) -> anyhow::Result<Root> {
        let pem_path = padlock_pki::ca::CaPaths::new(home).root_cert();
        let pem = std::fs::read_to_string(&pem_path).with_context(|| {
            format!(
                "there is no local CA under {} (run `padlock ca init` or `padlock serve` first)",
                home.display()
            )
        })?;
        let der = padlock_pki::pem::parse_all(pem.as_bytes())
            .ok()
            .and_then(|blocks| blocks.into_iter().find(|b| b.label == "CERTIFICATE"))
            .with_context(|| format!("{} holds no certificate", pem_path.display()))?
            .der;
        let digest = AwsLcProvider.hash_once(HashAlgorithm::Sha256, &der);
        let id = hex(&digest.as_ref()[..8], "").to_ascii_lowercase();
        let fingerprint = hex(digest.as_ref(), ":");
        Ok(Root {
            pem_path,
            pem,
            fingerprint,
            nickname: format!("padlock local CA {id}"),
            file_stem: format!("padlock-local-ca-{id}"),
        })
    }
}

/// The kinds of trust store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// The operating system's store (OpenSSL, curl, Go, Python, and padlock itself).
    System,
    /// NSS databases: Chromium (`~/.pki/nssdb`) and Firefox profiles.
    Nss,
    /// Java's `cacerts`.
    Java,
}

impl StoreKind {
    /// Every kind, in the order they are reported.
    pub const ALL: [StoreKind; 3] = [StoreKind::System, StoreKind::Nss, StoreKind::Java];

    /// The stores chosen by `--store`, else `PADLOCK_TRUST_STORES`, else all.
    pub fn chosen(flags: &[StoreKind]) -> anyhow::Result<Vec<StoreKind>> {
        if !flags.is_empty() {
            return Ok(flags.to_vec());
        }
        match std::env::var("PADLOCK_TRUST_STORES") {
            Ok(list) if !list.trim().is_empty() => Self::parse_list(&list),
            _ => Ok(Self::ALL.to_vec()),
        }
    }

    /// `system,nss,java` or any part of it.
    fn parse_list(list: &str) -> anyhow::Result<Vec<StoreKind>> {
        list.split(',')
            .map(|s| match s.trim() {
                "system" => Ok(StoreKind::System),
                "nss" => Ok(StoreKind::Nss),
                "java" => Ok(StoreKind::Java),
                other => bail!("PADLOCK_TRUST_STORES: unknown store {other:?} (system, nss, java)"),
            })
            .collect()
    }
}

/// What one store said, one line each.
#[derive(Debug, PartialEq, Eq)]
pub enum Report {
    /// Trusted there (status), or made so (install) / undone (uninstall).
    Changed(String),
    /// Nothing to do: already in the asked state.
    Unchanged(String),
    /// The store is not there or its tool is missing: skipped, with what to do.
    Skipped(String),
    /// It failed (a refusal for want of root says so).
    Failed(String),
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::Changed(s) | Report::Unchanged(s) | Report::Skipped(s) => f.write_str(s),
            Report::Failed(s) => write!(f, "FAILED: {s}"),
        }
    }
}

/// Whether the root is in one place.
#[derive(Debug, PartialEq, Eq)]
pub enum Presence {
    /// It is trusted at the place named.
    Trusted(String),
    /// It is not, at the place named.
    Absent(String),
    /// The store cannot be looked at (why).
    Unknown(String),
}

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Add the root.
    Install,
    /// Remove it.
    Uninstall,
}

/// Adds or removes `root` in the store `kind`.
pub fn apply(kind: StoreKind, root: &Root, action: Action, home: &Path) -> Vec<Report> {
    match kind {
        StoreKind::System => vec![system::apply(root, action, home)],
        StoreKind::Nss => nss::apply(root, action),
        StoreKind::Java => vec![java::apply(root, action)],
    }
}

/// Where `root` is trusted in the store `kind`.
pub fn status(kind: StoreKind, root: &Root) -> Vec<Presence> {
    match kind {
        StoreKind::System => vec![system::status(root)],
        StoreKind::Nss => nss::status(root),
        StoreKind::Java => vec![java::status(root)],
    }
}

/// Whether a browser or the system would accept certificates of this root, checked cheaply
/// (system store and NSS, not Java): what `padlock serve`'s banner asks.
pub fn trusted_by_browsers_or_system(root: &Root) -> bool {
    status(StoreKind::System, root)
        .into_iter()
        .chain(status(StoreKind::Nss, root))
        .any(|p| matches!(p, Presence::Trusted(_)))
}

/// The program `name` on PATH (or in /usr/sbin, /sbin, where update-ca-certificates lives
/// and a user's PATH often lacks).
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs a tool to its end; `Err` carries the first lines of what it said.
fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let mut said = String::from_utf8_lossy(&out.stderr).into_owned();
    said.push_str(&String::from_utf8_lossy(&out.stdout));
    let said: Vec<&str> = said
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .collect();
    Err(format!(
        "{program} failed ({}): {}",
        out.status,
        said.join(" / ")
    ))
}

/// Whether a tool succeeds (for presence checks: `certutil -L`, `keytool -list`).
fn tool_succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_list_of_stores_and_refuses_unknown_ones() {
        assert_eq!(
            StoreKind::parse_list("nss, java").unwrap(),
            [StoreKind::Nss, StoreKind::Java]
        );
        assert!(StoreKind::parse_list("system,keychain").is_err());
        assert_eq!(
            StoreKind::chosen(&[StoreKind::System]).unwrap(),
            [StoreKind::System]
        );
    }

    #[test]
    fn a_root_is_named_by_its_digest() {
        let home = std::env::temp_dir().join(format!("padlock-trust-unit-{}", std::process::id()));
        padlock_pki::ca::LocalCa::init(&AwsLcProvider, &home, Default::default()).unwrap();
        let root = Root::of_home(&home).unwrap();
        let id = root.file_stem.trim_start_matches("padlock-local-ca-");
        assert_eq!(id.len(), 16);
        assert_eq!(root.nickname, format!("padlock local CA {id}"));
        assert!(root.pem.contains("BEGIN CERTIFICATE"));
        std::fs::remove_dir_all(&home).unwrap();
        assert!(Root::of_home(&home)
            .unwrap_err()
            .to_string()
            .contains("padlock ca init"));
    }
}
