//! The operating system's trust store: Debian/Ubuntu keep local anchors in
//! `/usr/local/share/ca-certificates/*.crt` and rebuild `/etc/ssl/certs` with
//! `update-ca-certificates`; Fedora/RHEL in `/etc/pki/ca-trust/source/anchors/` with
//! `update-ca-trust extract`. `PADLOCK_TRUST_SYSROOT` moves both under another root.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{find_program, run_tool, Action, Presence, Report, Root};

/// A system store this machine has.
struct SystemStore {
    /// The anchor file padlock writes.
    anchor: PathBuf,
    /// The program that rebuilds the store, and its arguments.
    update: (PathBuf, Vec<String>),
    /// The same, when removing (Debian needs `--fresh` to drop the link to a removed file).
    update_after_removal: Vec<String>,
    /// The bundle the update writes, when padlock knows it: the root is trusted only once
    /// it is in there too.
    bundle: Option<PathBuf>,
    /// Debian's hooks (`/etc/ca-certificates/update.d`) and the link the update made for
    /// the anchor: `--fresh` rebuilds the links without telling the hooks what went away,
    /// so on removal they are told (`-LINK` on stdin, their interface), or Java's
    /// cacerts, which a hook fills, would keep the root.
    removal_hooks: Option<(PathBuf, PathBuf)>,
}

impl SystemStore {
    /// Whether the anchor file holds the root and, where known, the bundle has it.
    fn trusts(&self, root: &Root) -> bool {
        let anchored = std::fs::read_to_string(&self.anchor).is_ok_and(|t| t == root.pem);
        anchored && (self.bundle.is_none() || self.bundled(root))
    }

    /// Runs every hook with `-LINK` on its standard input.
    fn tell_hooks_of_removal(&self) -> Result<(), String> {
        let Some((dir, link)) = &self.removal_hooks else {
            return Ok(());
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        let mut hooks: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| super::is_executable(p))
            .collect();
        hooks.sort();
        for hook in hooks {
            let mut child = Command::new(&hook)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run {}: {e}", hook.display()))?;
            if let Some(mut stdin) = child.stdin.take() {
                std::io::Write::write_all(&mut stdin, format!("-{}\n", link.display()).as_bytes())
                    .map_err(|e| format!("{}: {e}", hook.display()))?;
            }
            let out = child
                .wait_with_output()
                .map_err(|e| format!("{}: {e}", hook.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "{} failed ({}): {}",
                    hook.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(())
    }

    /// Whether the bundle (if padlock knows it) holds the root.
    fn bundled(&self, root: &Root) -> bool {
        self.bundle.as_ref().is_some_and(|bundle| {
            std::fs::read_to_string(bundle).is_ok_and(|t| t.contains(root.pem.trim()))
        })
    }
}

/// Adds or removes the root's anchor file and rebuilds the store.
pub(super) fn apply(root: &Root, action: Action, home: &Path) -> Report {
    let store = match find(&root.file_stem) {
        Ok(store) => store,
        Err(why) => return Report::Skipped(why),
    };
    let anchor = store.anchor.display().to_string();
    let present = std::fs::read_to_string(&store.anchor).ok();
    let changed = match action {
        Action::Install => {
            if store.trusts(root) {
                return Report::Unchanged(format!("system store: already trusted ({anchor})"));
            }
            if let Some(dir) = store.anchor.parent() {
                if let Err(e) = std::fs::create_dir_all(dir) {
                    return refusal(&e, &anchor, action, home);
                }
            }
            std::fs::write(&store.anchor, &root.pem)
        }
        Action::Uninstall => {
            if present.is_none() {
                return Report::Unchanged(format!("system store: not trusted there ({anchor})"));
            }
            std::fs::remove_file(&store.anchor)
        }
    };
    if let Err(e) = changed {
        return refusal(&e, &anchor, action, home);
    }
    let (program, mut args) = store.update.clone();
    if action == Action::Uninstall {
        args.extend(store.update_after_removal.iter().cloned());
    }
    let shown = program.display().to_string();
    if let Err(why) = run_tool(Command::new(&program).args(&args)) {
        return Report::Failed(format!("system store: changed {anchor}, but {why}"));
    }
    if action == Action::Uninstall {
        if let Err(why) = store.tell_hooks_of_removal() {
            return Report::Failed(format!("system store: removed {anchor}, but {why}"));
        }
    }
    if action == Action::Uninstall && store.bundled(root) {
        return Report::Failed(format!(
            "system store: removed {anchor} and ran {shown}, but the root is still in {}",
            store
                .bundle
                .as_ref()
                .map_or(String::new(), |b| b.display().to_string())
        ));
    }
    Report::Changed(match action {
        Action::Install => format!("system store: added {anchor} and ran {shown}"),
        Action::Uninstall => format!("system store: removed {anchor} and ran {shown}"),
    })
}

/// Whether the root's anchor file is in the system store.
pub(super) fn status(root: &Root) -> Presence {
    match find(&root.file_stem) {
        Ok(store) => {
            let place = format!("system store ({})", store.anchor.display());
            if store.trusts(root) {
                Presence::Trusted(place)
            } else {
                Presence::Absent(place)
            }
        }
        Err(why) => Presence::Unknown(why),
    }
}

/// The system store of this machine, under `PADLOCK_TRUST_SYSROOT` if set.
fn find(stem: &str) -> Result<SystemStore, String> {
    let sysroot = std::env::var_os("PADLOCK_TRUST_SYSROOT")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let under = |path: &str| match &sysroot {
        Some(root) => root.join(path.trim_start_matches('/')),
        None => PathBuf::from(path),
    };
    if let Some(update) = find_program("update-ca-certificates") {
        let mut args = Vec::new();
        if let Some(root) = &sysroot {
            args.push("--sysroot".to_string());
            args.push(root.display().to_string());
        }
        return Ok(SystemStore {
            anchor: under("/usr/local/share/ca-certificates").join(format!("{stem}.crt")),
            update: (update, args),
            update_after_removal: vec!["--fresh".into()],
            bundle: Some(under("/etc/ssl/certs/ca-certificates.crt")),
            removal_hooks: Some((
                under("/etc/ca-certificates/update.d"),
                under("/etc/ssl/certs").join(format!("{stem}.pem")),
            )),
        });
    }
    if let Some(update) = find_program("update-ca-trust") {
        if sysroot.is_some() {
            return Err(
                "system store: update-ca-trust cannot work under PADLOCK_TRUST_SYSROOT; skipped"
                    .into(),
            );
        }
        return Ok(SystemStore {
            anchor: under("/etc/pki/ca-trust/source/anchors").join(format!("{stem}.pem")),
            update: (update, vec!["extract".into()]),
            update_after_removal: Vec::new(),
            bundle: None,
            removal_hooks: None,
        });
    }
    Err(
        "system store: neither update-ca-certificates (Debian, Ubuntu) nor update-ca-trust \
         (Fedora, RHEL) is here; add the root to your system's store by hand"
            .into(),
    )
}

fn refusal(e: &std::io::Error, anchor: &str, action: Action, home: &Path) -> Report {
    if e.kind() == ErrorKind::PermissionDenied {
        let verb = match action {
            Action::Install => "install",
            Action::Uninstall => "uninstall",
        };
        // The full path: root's PATH rarely holds ~/.cargo/bin, and root's HOME is not
        // where this user's CA lives.
        let exe = std::env::current_exe()
            .map_or_else(|_| "padlock".to_string(), |p| p.display().to_string());
        return Report::Failed(format!(
            "system store: writing {anchor} needs root; run `sudo {exe} ca {verb} --store \
             system --home {}`",
            home.display()
        ));
    }
    Report::Failed(format!("system store: {anchor}: {e}"))
}
