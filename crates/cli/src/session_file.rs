//! `padlock connect --sess-out FILE` / `--sess-in FILE`: a TLS 1.3 session (a ticket and
//! the PSK for it, RFC 8446 §4.6.1) or a TLS 1.2 one (the master secret, with a RFC 5077
//! ticket or a session id) kept in a file between runs, as `openssl s_client
//! -sess_out/-sess_in` does.
//!
//! The file is PEM (RFC 7468) with the label `PADLOCK TLS SESSION` around the engine's
//! encoding of the session ([`ClientSession::to_bytes`]), after a few lines saying what it
//! is for. It holds the resumption secret: whoever reads it can resume the session and
//! decrypt its 0-RTT data, so it is written readable by its owner only (0600).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use padlock_tls::ticket::{ClientSession, SessionStore};
use padlock_tls::ServerName;

/// The PEM label of a session file.
pub const LABEL: &str = "PADLOCK TLS SESSION";

/// Reads the session in `path`.
pub fn read(path: &Path) -> anyhow::Result<ClientSession> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let blocks = padlock_pki::pem::parse_all(&text)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("{} is not a PEM file", path.display()))?;
    let block = blocks
        .into_iter()
        .find(|b| b.label == LABEL)
        .with_context(|| format!("{} holds no {LABEL} block", path.display()))?;
    ClientSession::from_bytes(&block.der)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("the session in {} cannot be read", path.display()))
}

/// Writes `session` to `path` (readable by its owner only), replacing the file whole.
pub fn write(path: &Path, session: &ClientSession) -> anyhow::Result<()> {
    let mut text = String::new();
    text.push_str(&format!("server name: {}\n", session.server_name()));
    text.push_str(&format!("protocol: {}\n", session.protocol_version()));
    text.push_str(&format!("cipher suite: {}\n", session.cipher_suite()));
    if let Some(alpn) = session.alpn_protocol() {
        text.push_str(&format!("alpn: {}\n", String::from_utf8_lossy(alpn)));
    }
    if session.protocol_version() == padlock_tls::ProtocolVersion::TLSv1_3 {
        text.push_str(&format!(
            "max early data: {} bytes\n",
            session.max_early_data_size()
        ));
    }
    text.push_str(&format!(
        "expires: {}\n",
        padlock_https::trace::text::date(session.expires_at().0)
    ));
    text.push_str(&padlock_pki::pem::encode(LABEL, &session.to_bytes()));
    let tmp = path.with_extension("tmp-padlock");
    let written = (|| -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write the session to {}", path.display()))
}

/// A session store that writes each session the server sends to a file (the newest
/// replaces the one before), and offers none: `connect` resumes only from `--sess-in`.
pub struct SaveToFile {
    path: PathBuf,
    saved: Mutex<usize>,
}

impl SaveToFile {
    /// Saves to `path`.
    pub fn new(path: PathBuf) -> Self {
        SaveToFile {
            path,
            saved: Mutex::new(0),
        }
    }

    /// How many sessions were written.
    pub fn saved(&self) -> usize {
        match self.saved.lock() {
            Ok(n) => *n,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

impl SessionStore for SaveToFile {
    fn insert(&self, _server: &ServerName, session: ClientSession) {
        // Called by the engine while it reads records: there is no caller to return an
        // error to, so it is reported here.
        match write(&self.path, &session) {
            Ok(()) => {
                if let Ok(mut n) = self.saved.lock() {
                    *n += 1;
                }
            }
            Err(e) => eprintln!("padlock: {e:#}"),
        }
    }

    fn take(&self, _server: &ServerName) -> Option<ClientSession> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_a_session_is_refused_saying_so() {
        let dir = std::env::temp_dir().join(format!("padlock-sess-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("not-a-session.pem");
        std::fs::write(&path, padlock_pki::pem::encode("CERTIFICATE", b"x")).unwrap();
        let e = format!("{:#}", read(&path).unwrap_err());
        assert!(e.contains("holds no PADLOCK TLS SESSION block"), "{e}");
        std::fs::write(&path, padlock_pki::pem::encode(LABEL, b"junk")).unwrap();
        let e = format!("{:#}", read(&path).unwrap_err());
        assert!(e.contains("cannot be read"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
