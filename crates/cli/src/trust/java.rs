//! Java's trust store, `cacerts`, changed with the JDK's `keytool`.

use std::path::PathBuf;
use std::process::Command;

use super::{find_program, run_tool, tool_succeeds, Action, Presence, Report, Root};

/// The keystore password every JDK ships `cacerts` with.
const STOREPASS: &str = "changeit";

/// Imports the root into `cacerts` (alias: the root's nickname), or deletes it.
pub(super) fn apply(root: &Root, action: Action) -> Report {
    let (keytool, cacerts) = match find() {
        Ok(found) => found,
        Err(why) => return Report::Skipped(why),
    };
    let place = format!("Java ({})", cacerts.display());
    let present = contains(&keytool, &cacerts, root);
    let result = match action {
        Action::Install if present != Held::No => {
            return Report::Unchanged(format!("{place}: already trusted"))
        }
        Action::Uninstall if present == Held::OtherAlias => {
            return Report::Unchanged(format!(
                "{place}: trusted through the system store's entry, which `padlock ca \
                 uninstall --store system` removes"
            ))
        }
        Action::Uninstall if present == Held::No => {
            return Report::Unchanged(format!("{place}: not trusted there"))
        }
        Action::Install => run_tool(
            keystore(&keytool, &cacerts, "-importcert")
                .args(["-noprompt", "-alias", &root.nickname, "-file"])
                .arg(&root.pem_path),
        ),
        Action::Uninstall => {
            run_tool(keystore(&keytool, &cacerts, "-delete").args(["-alias", &root.nickname]))
        }
    };
    match (result, action) {
        (Ok(()), Action::Install) => {
            Report::Changed(format!("{place}: added \"{}\"", root.nickname))
        }
        (Ok(()), Action::Uninstall) => {
            Report::Changed(format!("{place}: removed \"{}\"", root.nickname))
        }
        (Err(why), _) if !writable(&cacerts) => Report::Failed(format!(
            "{place}: the keystore is not writable by this user (a JDK's cacerts needs root): \
             {why}"
        )),
        (Err(why), _) => Report::Failed(format!("{place}: {why}")),
    }
}

/// Whether the root is in `cacerts`.
pub(super) fn status(root: &Root) -> Presence {
    match find() {
        Ok((keytool, cacerts)) => {
            let place = format!("Java ({})", cacerts.display());
            if contains(&keytool, &cacerts, root) == Held::No {
                Presence::Absent(place)
            } else {
                Presence::Trusted(place)
            }
        }
        Err(why) => Presence::Unknown(why),
    }
}

/// Whether a keystore holds the root, and under which alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// Under padlock's alias (it may be under others too).
    OurAlias,
    /// Only under another alias: Debian's ca-certificates-java hook adds what the system
    /// store gains to the JDK's cacerts as `debian:NAME.pem`.
    OtherAlias,
    /// Not at all.
    No,
}

fn contains(keytool: &PathBuf, cacerts: &PathBuf, root: &Root) -> Held {
    if !cacerts.exists() {
        return Held::No;
    }
    if tool_succeeds(keystore(keytool, cacerts, "-list").args(["-alias", &root.nickname])) {
        return Held::OurAlias;
    }
    let listed = keystore(keytool, cacerts, "-list")
        .stdin(std::process::Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if listed.contains(&root.fingerprint) {
        Held::OtherAlias
    } else {
        Held::No
    }
}

fn keystore(keytool: &PathBuf, cacerts: &PathBuf, verb: &str) -> Command {
    let mut cmd = Command::new(keytool);
    cmd.arg(verb)
        .arg("-keystore")
        .arg(cacerts)
        .args(["-storepass", STOREPASS]);
    cmd
}

/// `keytool` and the keystore: `PADLOCK_TRUST_JAVA_CACERTS`, else
/// `$JAVA_HOME/lib/security/cacerts`, else the one in the JDK `keytool` belongs to.
fn find() -> Result<(PathBuf, PathBuf), String> {
    let java_home = std::env::var_os("JAVA_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let keytool = java_home
        .as_ref()
        .map(|h| h.join("bin/keytool"))
        .filter(|k| k.is_file())
        .or_else(|| find_program("keytool"))
        .ok_or_else(|| "Java: no JDK found (keytool is not on PATH); skipped".to_string())?;
    if let Some(path) = std::env::var_os("PADLOCK_TRUST_JAVA_CACERTS").filter(|p| !p.is_empty()) {
        return Ok((keytool, PathBuf::from(path)));
    }
    let jdk = match java_home {
        Some(home) => home,
        None => std::fs::canonicalize(&keytool)
            .ok()
            .and_then(|k| k.parent().and_then(|bin| bin.parent()).map(PathBuf::from))
            .ok_or_else(|| "Java: cannot tell which JDK keytool belongs to; skipped".to_string())?,
    };
    let cacerts = jdk.join("lib/security/cacerts");
    if !cacerts.exists() {
        return Err(format!(
            "Java: {} does not exist; skipped",
            cacerts.display()
        ));
    }
    Ok((keytool, cacerts))
}

fn writable(path: &PathBuf) -> bool {
    std::fs::OpenOptions::new().append(true).open(path).is_ok()
}
