//! Stand-ins for types that other parts of the workspace are still writing (the wire
//! registries, `padlock_pki::Error`, `padlock_pki::UnixTime`). Each is replaced by a
//! re-export of the real thing as soon as it lands; the names at the crate root stay.
#![allow(missing_docs, non_camel_case_types)]

use std::fmt;

/// Placeholder for `padlock_pki::UnixTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnixTime(pub u64);

impl UnixTime {
    pub fn now() -> Self {
        Self(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

/// Placeholder for `padlock_pki::Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiError(pub String);

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Placeholder for `padlock_pki::RootStore`.
#[derive(Clone, Debug, Default)]
pub struct RootStore {
    pub roots: Vec<Vec<u8>>,
}

impl RootStore {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), PkiError> {
        self.roots.push(der.to_vec());
        Ok(())
    }
    pub fn len(&self) -> usize {
        self.roots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}
