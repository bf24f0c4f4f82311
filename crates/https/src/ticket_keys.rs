//! Session-ticket keys from a file or folder the operator rotates (`padlock serve
//! --ticket-keys PATH`), so that a fleet of servers behind one load balancer seals and
//! opens each other's tickets (RFC 8446 §4.6.1; the engine's [`TicketKeyRing`]).
//!
//! # The format
//!
//! Text, one key per line, **newest first**. A key is 48 bytes written as 96 hex digits
//! (`openssl rand -hex 48`): a 16-byte key id, then a 32-byte AES-256-GCM secret; spaces
//! or a `:` may separate the two halves. Blank lines and lines starting with `#` are
//! ignored. A key line may start with the word `next`: that key is accepted but does not
//! issue yet (see the protocol below).
//!
//! ```text
//! # padlock ticket keys, newest first
//! next 5b0c…(96 hex digits)        <- accepted only, issued after the next step
//! 9e41…(96 hex digits)             <- the newest key not marked next: it issues
//! 07aa…(96 hex digits)             <- accepted (tickets from before the last rotation)
//! ```
//!
//! `PATH` may also be a folder: every regular file in it whose name does not start with
//! `.` or end with `~` holds key lines, and the files are read in *reverse* name order
//! (so `2026-12-08.keys` comes before `2026-12-07.keys`: date-named files list the newest
//! first, as lines in one file do).
//!
//! The newest key not marked `next` issues every ticket; every key listed is accepted, up
//! to [`MAX_KEYS`]. A file with no key, a malformed line or more than [`MAX_KEYS`] keys is
//! refused as a whole: the server keeps the keys it had and says why once.
//!
//! # Re-reading
//!
//! The server looks at `PATH` every [`POLL_EVERY`] (length, modification time and inode of
//! each file, and the folder's file names) and on SIGHUP; when something changed it
//! re-reads the keys and gives them to the ring ([`TicketKeyRing::set_keys`]). Handshakes
//! after that use the new keys; a ticket sealed under a key no longer listed is refused and
//! its client pays a full handshake.
//!
//! # Rotating keys across a fleet
//!
//! 1. Add the new key at the top of every server's file, marked `next`. Every server now
//!    accepts it; none issues it yet.
//! 2. Once every server has re-read the file (a few seconds after the last copy landed),
//!    remove the word `next`. Servers now issue tickets under the new key, and every
//!    server can open them, whichever re-reads first.
//! 3. After the ticket lifetime has passed (12 hours: `ServerConfig::ticket_lifetime`), delete
//!    the oldest key's line: its tickets have expired anyway.
//!
//! Skipping step 1 is safe, only wasteful: for a few seconds a server that re-read first
//! issues tickets that servers still on the old file cannot open, and those clients pay a
//! full handshake. Write files atomically (write a new file, then `mv` it over the old
//! one) so a server never reads half a file; if it does, it keeps its old keys and tries
//! again when the file changes. Keep the file readable by the server only (`chmod 600`):
//! whoever holds a key can decrypt every session resumed with its tickets.
//!
//! The operator's version of these notes is `docs/resumption.md`. What is and isn't
//! guaranteed for 0-RTT across a fleet is the engine's to say
//! ([`padlock_tls::ticket`]): resumption works on every server that shares the keys, early
//! data only on the server that issued the ticket.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use padlock_tls::ticket::{TicketKey, TicketKeyRing, TICKET_KEY_LEN};

use crate::error::Error;

/// How often the key file is looked at for changes.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// The most keys a file may list (the ring tries each on a ticket whose key id it finds).
pub const MAX_KEYS: usize = 16;

/// The most bytes read from one key file (16 keys with comments fit many times over).
const MAX_FILE_LEN: u64 = 64 * 1024;

/// The most files read from a key folder.
const MAX_FILES: usize = 64;

/// The keys of a key file or folder, in the order the ring wants them: the issuing key
/// first, then every other key (`next` ones, then older ones), as [`TicketKeyRing`] seals
/// with its first key and opens with any.
pub fn read_keys(path: &Path) -> Result<Vec<TicketKey>, Error> {
    let mut lines = Vec::new();
    for file in key_files(path)? {
        let text = read_bounded(&file)?;
        lines.extend(parse(&text, &file)?);
    }
    order(lines, path)
}

/// A key file's contents, line by line (`file` names it in errors).
pub fn parse(text: &str, file: &Path) -> Result<Vec<KeyLine>, Error> {
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: String| Error::TicketKeys {
            path: file.to_path_buf(),
            reason: format!("line {}: {reason}", n + 1),
        };
        let (next, hex) = match line.split_once(char::is_whitespace) {
            Some(("next", rest)) => (true, rest),
            _ => (false, line),
        };
        let digits: String = hex
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect();
        let bytes = unhex(&digits).ok_or_else(|| {
            bad(format!(
                "a key is {} hex digits (a 16-byte id, then a 32-byte secret: `openssl rand \
                 -hex {TICKET_KEY_LEN}`), optionally after the word `next`",
                TICKET_KEY_LEN * 2
            ))
        })?;
        let key = TicketKey::from_bytes(&bytes).map_err(|e| bad(e.to_string()))?;
        keys.push(KeyLine { key, next });
    }
    Ok(keys)
}

/// One key of a key file.
#[derive(Debug, Clone)]
pub struct KeyLine {
    /// The key.
    pub key: TicketKey,
    /// Marked `next`: accepted, not yet issuing.
    pub next: bool,
}

/// The issuing key (the first not marked `next`) first, then the others in file order.
fn order(lines: Vec<KeyLine>, path: &Path) -> Result<Vec<TicketKey>, Error> {
    let refuse = |reason: String| Error::TicketKeys {
        path: path.to_path_buf(),
        reason,
    };
    if lines.len() > MAX_KEYS {
        return Err(refuse(format!(
            "{} keys listed, at most {MAX_KEYS} are accepted",
            lines.len()
        )));
    }
    for (i, a) in lines.iter().enumerate() {
        if lines[..i].iter().any(|b| b.key.id() == a.key.id()) {
            return Err(refuse(format!(
                "the key id {} is listed twice",
                hex(a.key.id())
            )));
        }
    }
    let Some(issuing) = lines.iter().position(|l| !l.next) else {
        return Err(refuse(if lines.is_empty() {
            "it holds no key".into()
        } else {
            "every key is marked `next`: one must issue".into()
        }));
    };
    let mut keys = Vec::with_capacity(lines.len());
    keys.push(lines[issuing].key.clone());
    keys.extend(
        lines
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i != issuing)
            .map(|(_, l)| l.key),
    );
    Ok(keys)
}

/// The files to read: `path` itself, or a folder's key files, newest name first.
fn key_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::TicketKeys {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| Error::TicketKeys {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        if entry.path().is_file() {
            files.push(entry.path());
        }
        if files.len() > MAX_FILES {
            return Err(Error::TicketKeys {
                path: path.to_path_buf(),
                reason: format!("more than {MAX_FILES} files in the folder"),
            });
        }
    }
    files.sort();
    files.reverse();
    Ok(files)
}

fn read_bounded(file: &Path) -> Result<String, Error> {
    use std::io::Read;
    let refuse = |reason: String| Error::TicketKeys {
        path: file.to_path_buf(),
        reason,
    };
    let f = std::fs::File::open(file).map_err(|e| refuse(e.to_string()))?;
    let mut text = String::new();
    f.take(MAX_FILE_LEN + 1)
        .read_to_string(&mut text)
        .map_err(|e| refuse(e.to_string()))?;
    if text.len() as u64 > MAX_FILE_LEN {
        return Err(refuse(format!("longer than {MAX_FILE_LEN} bytes")));
    }
    Ok(text)
}

/// What tells that the keys may have changed: each file's name, length, modification time
/// and inode (an atomic `mv` over the file changes the inode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(Vec<(PathBuf, Option<FileFacts>)>);

/// Length, modification time and inode of one file.
type FileFacts = (u64, Option<SystemTime>, u64);

impl Stamp {
    /// The stamp of `path` now (a missing file is part of the stamp, not an error).
    pub fn of(path: &Path) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        let files = key_files(path).unwrap_or_else(|_| vec![path.to_path_buf()]);
        Stamp(
            files
                .into_iter()
                .map(|f| {
                    let meta = std::fs::metadata(&f)
                        .ok()
                        .map(|m| (m.len(), m.modified().ok(), m.ino()));
                    (f, meta)
                })
                .collect(),
        )
    }
}

/// Keeps `ring` on the keys of `path`: looks at it every [`POLL_EVERY`] and whenever
/// `force` yields (SIGHUP), re-reads it when it changed, and reports each outcome once on
/// stderr. Runs until the runtime stops.
pub fn spawn_watch<F, Fut>(path: PathBuf, ring: Arc<TicketKeyRing>, mut force: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut loaded = Stamp::of(&path);
        let mut failed: Option<Stamp> = None;
        let mut tick = tokio::time::interval(POLL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            let forced = tokio::select! {
                _ = tick.tick() => false,
                _ = force() => true,
            };
            let stamp = Stamp::of(&path);
            if !forced && (stamp == loaded || failed.as_ref() == Some(&stamp)) {
                continue;
            }
            let installed = read_keys(&path).and_then(|keys| {
                let summary = describe(&keys);
                ring.set_keys(keys).map_err(|e| Error::TicketKeys {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                Ok(summary)
            });
            match installed {
                Ok(summary) => {
                    loaded = stamp;
                    failed = None;
                    eprintln!(
                        "padlock: ticket keys reloaded from {}: {summary}",
                        path.display()
                    );
                }
                Err(e) => {
                    if failed.as_ref() != Some(&stamp) {
                        eprintln!("padlock: ticket keys not reloaded, keeping the old ones: {e}");
                    }
                    failed = Some(stamp);
                }
            }
        }
    });
}

/// `3 keys accepted, issuing with key id 9e41…`, for the log.
pub fn describe(keys: &[TicketKey]) -> String {
    let issuing = keys
        .first()
        .map_or_else(|| "(none)".into(), |k| hex(k.id()));
    format!(
        "{} key{} accepted, issuing with key id {issuing}",
        keys.len(),
        if keys.len() == 1 { "" } else { "s" }
    )
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(digits: &str) -> Option<Vec<u8>> {
    if digits.len() != TICKET_KEY_LEN * 2 || !digits.is_ascii() {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: u8) -> String {
        format!("{}{}", hex(&[id; 16]), hex(&[id ^ 0xff; 32]))
    }

    fn ids(keys: &[TicketKey]) -> Vec<u8> {
        keys.iter().map(|k| k.id()[0]).collect()
    }

    #[test]
    fn the_first_key_issues_and_every_key_is_accepted() {
        let text = format!("# newest first\n{}\n\n{}\n", key(2), key(1));
        let lines = parse(&text, Path::new("k")).unwrap();
        assert_eq!(ids(&order(lines, Path::new("k")).unwrap()), [2, 1]);
    }

    #[test]
    fn a_key_marked_next_is_accepted_but_does_not_issue() {
        let text = format!("next {}\n{}\n{}\n", key(3), key(2), key(1));
        let lines = parse(&text, Path::new("k")).unwrap();
        assert_eq!(ids(&order(lines, Path::new("k")).unwrap()), [2, 3, 1]);
    }

    #[test]
    fn the_id_and_secret_may_be_separated() {
        let spaced = format!("{} {}", hex(&[7; 16]), hex(&[8; 32]));
        let colon = format!("{}:{}", hex(&[7; 16]), hex(&[8; 32]));
        for text in [spaced, colon] {
            let lines = parse(&text, Path::new("k")).unwrap();
            assert_eq!(lines[0].key.id(), &[7; 16]);
        }
    }

    #[test]
    fn a_malformed_line_is_refused_with_its_line_number() {
        let text = format!("{}\n{}\n", key(1), &key(2)[..90]);
        let e = parse(&text, Path::new("keys.txt")).unwrap_err().to_string();
        assert!(e.contains("keys.txt") && e.contains("line 2"), "{e}");
        let e = parse("zz", Path::new("k")).unwrap_err().to_string();
        assert!(e.contains("96 hex digits"), "{e}");
    }

    #[test]
    fn no_key_only_next_keys_duplicates_or_too_many_keys_are_refused() {
        let refused = |text: String| {
            let lines = parse(&text, Path::new("k")).unwrap();
            order(lines, Path::new("k")).unwrap_err().to_string()
        };
        assert!(refused("# nothing\n".into()).contains("no key"));
        assert!(refused(format!("next {}", key(1))).contains("marked `next`"));
        assert!(refused(format!("{}\n{}", key(1), key(1))).contains("twice"));
        let many: String = (0..=MAX_KEYS as u8).map(|i| key(i) + "\n").collect();
        assert!(refused(many).contains("at most"));
    }

    #[test]
    fn a_folder_is_read_newest_name_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("2026-12-07.keys"), key(1)).unwrap();
        std::fs::write(dir.path().join("2026-12-08.keys"), key(2)).unwrap();
        std::fs::write(dir.path().join(".hidden"), "junk").unwrap();
        std::fs::write(dir.path().join("2026-12-09.keys~"), "junk").unwrap();
        assert_eq!(ids(&read_keys(dir.path()).unwrap()), [2, 1]);
    }

    #[test]
    fn the_stamp_changes_when_the_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, key(1)).unwrap();
        let before = Stamp::of(&path);
        assert_eq!(before, Stamp::of(&path));
        let tmp = dir.path().join("keys.new");
        std::fs::write(&tmp, key(2)).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        assert_ne!(before, Stamp::of(&path));
    }
}
