//! NSS databases, where Chromium (`~/.pki/nssdb`) and Firefox (one per profile) look for
//! trust anchors on Linux, changed with `certutil` from libnss3-tools. Only databases that
//! exist are touched: a browser makes its own on first run.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{find_program, run_tool, tool_succeeds, Action, Presence, Report, Root};

/// One NSS database: `sql:DIR` (cert9.db) or `dbm:DIR` (the older cert8.db).
struct Database {
    /// The `-d` argument.
    spec: String,
    /// Who uses it, for the report.
    owner: &'static str,
    dir: PathBuf,
}

/// Adds the root as a trusted CA (`-t C,,`) to every database, or removes it.
pub(super) fn apply(root: &Root, action: Action) -> Vec<Report> {
    let dbs = databases();
    if dbs.is_empty() {
        return vec![Report::Skipped(no_database())];
    }
    let Some(certutil) = find_program("certutil") else {
        return vec![Report::Skipped(
            "NSS (Chromium, Firefox): certutil is missing; install libnss3-tools (Debian, \
             Ubuntu) or nss-tools (Fedora) and run this again"
                .into(),
        )];
    };
    dbs.iter()
        .map(|db| apply_one(&certutil, db, root, action))
        .collect()
}

/// Whether the root is in each database.
pub(super) fn status(root: &Root) -> Vec<Presence> {
    let dbs = databases();
    if dbs.is_empty() {
        return vec![Presence::Unknown(no_database())];
    }
    let Some(certutil) = find_program("certutil") else {
        return vec![Presence::Unknown(
            "NSS: certutil is missing (libnss3-tools), so the browsers' stores cannot be read"
                .into(),
        )];
    };
    dbs.iter()
        .map(|db| {
            let place = format!("NSS database of {} ({})", db.owner, db.dir.display());
            if contains(&certutil, db, root) {
                Presence::Trusted(place)
            } else {
                Presence::Absent(place)
            }
        })
        .collect()
}

fn apply_one(certutil: &Path, db: &Database, root: &Root, action: Action) -> Report {
    let place = format!("NSS database of {} ({})", db.owner, db.dir.display());
    let present = contains(certutil, db, root);
    match action {
        Action::Install if present => Report::Unchanged(format!("{place}: already trusted")),
        Action::Uninstall if !present => Report::Unchanged(format!("{place}: not trusted there")),
        Action::Install => {
            let added = run_tool(
                Command::new(certutil)
                    .args([
                        "-A",
                        "-d",
                        &db.spec,
                        "-t",
                        "C,,",
                        "-n",
                        &root.nickname,
                        "-i",
                    ])
                    .arg(&root.pem_path),
            );
            match added {
                Ok(()) => Report::Changed(format!("{place}: added \"{}\"", root.nickname)),
                Err(why) => Report::Failed(format!("{place}: {why}")),
            }
        }
        Action::Uninstall => {
            let removed =
                run_tool(Command::new(certutil).args(["-D", "-d", &db.spec, "-n", &root.nickname]));
            match removed {
                Ok(()) => Report::Changed(format!("{place}: removed \"{}\"", root.nickname)),
                Err(why) => Report::Failed(format!("{place}: {why}")),
            }
        }
    }
}

fn contains(certutil: &Path, db: &Database, root: &Root) -> bool {
    tool_succeeds(Command::new(certutil).args(["-L", "-d", &db.spec, "-n", &root.nickname]))
}

/// The current user's databases: Chromium's (also the snap's) and every Firefox profile's.
fn databases() -> Vec<Database> {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let home = PathBuf::from(home);
    let mut found = Vec::new();
    for (dir, owner) in [
        (home.join(".pki/nssdb"), "Chromium"),
        (
            home.join("snap/chromium/current/.pki/nssdb"),
            "Chromium (snap)",
        ),
    ] {
        found.extend(database(dir, owner));
    }
    for profiles in [
        home.join(".mozilla/firefox"),
        home.join("snap/firefox/common/.mozilla/firefox"),
    ] {
        let Ok(entries) = std::fs::read_dir(&profiles) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs.into_iter().take(256) {
            found.extend(database(dir, "Firefox"));
        }
    }
    found
}

fn database(dir: PathBuf, owner: &'static str) -> Option<Database> {
    let kind = if dir.join("cert9.db").is_file() {
        "sql"
    } else if dir.join("cert8.db").is_file() {
        "dbm"
    } else {
        return None;
    };
    Some(Database {
        spec: format!("{kind}:{}", dir.display()),
        owner,
        dir,
    })
}

fn no_database() -> String {
    "NSS (Chromium, Firefox): no database under $HOME (~/.pki/nssdb, Firefox profiles); the \
     browsers make theirs on first run — start one once, then run this again"
        .into()
}
