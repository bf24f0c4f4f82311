//! Small files kept in memory between requests, so a keep-alive client asking for the same
//! file again costs no filesystem calls at all.
//!
//! Without it every request paid for `canonicalize` (one `readlink` per path component), a
//! `stat`, and `open`/`statx`/`read`/`read`/`close` — about ten system calls, a quarter of
//! the server's CPU time in a keep-alive profile. With it, a request for a cached file costs
//! a hash lookup under a read lock.
//!
//! Freshness: an entry is trusted for [`FRESH_FOR`] after it was last checked against the
//! disk. After that, the next request for it repeats the path check (`canonicalize`, still
//! inside the root) and the `stat`; if the file is the same file (device, inode, length,
//! modification time) the entry is trusted again without re-reading it, otherwise the file
//! is read afresh. So a changed, replaced or deleted file shows up within [`FRESH_FOR`], and
//! the validators (ETag, Last-Modified) always describe exactly the bytes served, because
//! both come from the same entry.
//!
//! Bounds: only regular files up to the small-file limit are cached, at most
//! [`MAX_ENTRIES`] of them and [`MAX_BYTES`] in all; only paths that exist get an entry, so
//! a client cannot grow the cache with made-up names.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use crate::files::FileInfo;

/// How long an entry is served without looking at the disk again.
pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// The most files cached at once.
pub const MAX_ENTRIES: usize = 4096;

/// The most bytes of file contents cached at once.
pub const MAX_BYTES: usize = 32 << 20;

/// The cache: the file's path relative to the root (`/`-separated) → the file's contents
/// and prebuilt headers.
#[derive(Debug)]
pub(crate) struct FileCache {
    inner: RwLock<Inner>,
    fresh_for: Duration,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Arc<CachedFile>>,
    bytes: usize,
}

/// One cached file.
#[derive(Debug)]
pub(crate) struct CachedFile {
    /// The file's path, length, validators and headers.
    pub(crate) info: FileInfo,
    /// The whole file.
    pub(crate) contents: Bytes,
    identity: Identity,
    checked: Instant,
}

/// What tells "the same file, unchanged" apart from "changed or replaced".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl Identity {
    /// The identity of the file `meta` describes.
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Identity {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

impl CachedFile {
    /// An entry for `contents`, checked against the disk at `checked`.
    pub(crate) fn new(
        info: FileInfo,
        contents: Bytes,
        identity: Identity,
        checked: Instant,
    ) -> Self {
        CachedFile {
            info,
            contents,
            identity,
            checked,
        }
    }

    /// The same entry, confirmed unchanged at `now`.
    fn confirmed(&self, now: Instant) -> Self {
        CachedFile {
            info: self.info.clone(),
            contents: self.contents.clone(),
            identity: self.identity.clone(),
            checked: now,
        }
    }
}

impl FileCache {
    /// An empty cache whose entries are trusted for `fresh_for`.
    pub(crate) fn new(fresh_for: Duration) -> Self {
        FileCache {
            inner: RwLock::new(Inner::default()),
            fresh_for,
        }
    }

    /// The entry for `key` if it was checked within the freshness period; otherwise, if
    /// there is an entry and `still_same(entry)` says the file on disk is unchanged, the
    /// entry re-confirmed. `None`: not cached, or changed (the caller looks it up afresh).
    pub(crate) fn get(
        &self,
        key: &str,
        now: Instant,
        still_same: impl FnOnce(&CachedFile) -> bool,
    ) -> Option<Arc<CachedFile>> {
        let entry = {
            let inner = match self.inner.read() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            inner.entries.get(key)?.clone()
        };
        if now.saturating_duration_since(entry.checked) < self.fresh_for {
            return Some(entry);
        }
        if !still_same(&entry) {
            self.remove(key);
            return None;
        }
        let confirmed = Arc::new(entry.confirmed(now));
        self.insert(key.to_owned(), confirmed.clone());
        Some(confirmed)
    }

    /// Adds or replaces the entry for `key` (skipped if the file alone exceeds the budget).
    pub(crate) fn insert(&self, key: String, entry: Arc<CachedFile>) {
        let size = entry.contents.len();
        if size > MAX_BYTES {
            return;
        }
        let mut inner = match self.inner.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(old) = inner.entries.remove(&key) {
            inner.bytes -= old.contents.len();
        }
        if inner.entries.len() >= MAX_ENTRIES || inner.bytes + size > MAX_BYTES {
            // Full: start over rather than track recency on every hit. Popular files come
            // straight back; the bound is what matters.
            inner.entries.clear();
            inner.bytes = 0;
        }
        inner.bytes += size;
        inner.entries.insert(key, entry);
    }

    /// Forgets `key`.
    pub(crate) fn remove(&self, key: &str) {
        let mut inner = match self.inner.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(old) = inner.entries.remove(key) {
            inner.bytes -= old.contents.len();
        }
    }

    /// The identity recorded for an entry (to compare with the disk).
    pub(crate) fn identity(entry: &CachedFile) -> &Identity {
        &entry.identity
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.read().map(|i| i.entries.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn entry(dir: &Path, name: &str, body: &[u8]) -> Arc<CachedFile> {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        Arc::new(CachedFile::new(
            FileInfo::new(path, &meta),
            Bytes::copy_from_slice(body),
            Identity::of(&meta),
            Instant::now(),
        ))
    }

    #[test]
    fn serves_a_fresh_entry_without_asking_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(Duration::from_secs(60));
        cache.insert("a".into(), entry(dir.path(), "a", b"one"));
        let hit = cache.get("a", Instant::now(), |_| panic!("not asked"));
        assert_eq!(&hit.unwrap().contents[..], b"one");
    }

    #[test]
    fn drops_a_stale_entry_whose_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(Duration::ZERO);
        cache.insert("a".into(), entry(dir.path(), "a", b"one"));
        assert!(cache.get("a", Instant::now(), |_| false).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn keeps_a_stale_entry_whose_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(Duration::ZERO);
        cache.insert("a".into(), entry(dir.path(), "a", b"one"));
        let hit = cache.get("a", Instant::now(), |_| true);
        assert_eq!(&hit.unwrap().contents[..], b"one");
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn notices_a_rewritten_file_by_its_identity() {
        let dir = tempfile::tempdir().unwrap();
        let e = entry(dir.path(), "a", b"one");
        let path = dir.path().join("a");
        std::fs::write(&path, b"two, longer").unwrap();
        let now = Identity::of(&std::fs::metadata(&path).unwrap());
        assert_ne!(FileCache::identity(&e), &now);
    }

    #[test]
    fn stays_within_its_entry_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::new(Duration::from_secs(60));
        let e = entry(dir.path(), "a", b"x");
        for i in 0..MAX_ENTRIES + 10 {
            cache.insert(format!("f{i}"), e.clone());
        }
        assert!(cache.len() <= MAX_ENTRIES);
    }
}
