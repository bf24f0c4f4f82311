//! The CA's files: private keys are created mode 0600, the CA directory 0700.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::CaError;

/// The largest file the CA reads back (its own PEM files are a few KiB).
const MAX_FILE: u64 = 1 << 20;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `dir` (and parents); `private` makes it mode 0700.
pub(super) fn create_dir(dir: &Path, private: bool) -> Result<(), CaError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    if private {
        set_mode(dir, 0o700)?;
    }
    Ok(())
}

/// Writes a private key: created with mode 0600 (and forced to it if the file existed).
pub(super) fn write_private(path: &Path, data: &[u8]) -> Result<(), CaError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    set_mode(path, 0o600)?;
    file.write_all(data).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Writes a public file (certificates, CRLs).
pub(super) fn write_public(path: &Path, data: &[u8]) -> Result<(), CaError> {
    fs::write(path, data).map_err(io(path))
}

/// Reads a small text file.
pub(super) fn read_small(path: &Path) -> Result<Vec<u8>, CaError> {
    let meta = fs::metadata(path).map_err(io(path))?;
    if meta.len() > MAX_FILE {
        return Err(CaError::Malformed(format!(
            "{} (too large)",
            path.display()
        )));
    }
    fs::read(path).map_err(io(path))
}

/// Reads the first PEM block labelled `label` from `path`.
pub(super) fn read_pem_one(path: &Path, label: &str) -> Result<Vec<u8>, CaError> {
    let text = read_small(path)?;
    let blocks = crate::pem::parse_all(&text)
        .map_err(|e| CaError::Malformed(format!("{} ({e})", path.display())))?;
    blocks
        .into_iter()
        .find(|b| b.label == label)
        .map(|b| b.der)
        .ok_or_else(|| CaError::Malformed(format!("{} (no {label} in it)", path.display())))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), CaError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io(path))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), CaError> {
    Ok(())
}
