//! NSS key log format (`SSLKEYLOGFILE`), so Wireshark can decrypt our traffic.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;

/// Receives secrets as they are derived. Labels are the NSS ones:
/// `CLIENT_EARLY_TRAFFIC_SECRET` (0-RTT, both sides), `CLIENT_HANDSHAKE_TRAFFIC_SECRET`,
/// `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`,
/// `EXPORTER_SECRET`.
pub trait KeyLog: Send + Sync {
    /// Records one secret for the connection identified by `client_random`.
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]);
}

/// Appends key log lines to a file.
pub struct KeyLogFile {
    file: Mutex<File>,
}

impl fmt::Debug for KeyLogFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyLogFile")
    }
}

impl KeyLogFile {
    /// Opens the file named by `SSLKEYLOGFILE`; `None` if it is unset or cannot be opened.
    pub fn from_env() -> Option<Self> {
        let path = std::env::var_os("SSLKEYLOGFILE")?;
        Self::open(std::path::Path::new(&path)).ok()
    }

    /// Opens (appends to) `path`. A file it creates is readable by its owner only (mode
    /// 0600 on Unix): it holds the keys to every recorded connection.
    pub fn open(path: &std::path::Path) -> std::io::Result<Self> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let line = format_line(label, client_random, secret);
        if let Ok(mut f) = self.file.lock() {
            // A failing key log must not break the connection.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// One NSS key log line: `LABEL <client_random hex> <secret hex>\n`.
pub fn format_line(label: &str, client_random: &[u8], secret: &[u8]) -> String {
    let mut s = String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
    s.push_str(label);
    s.push(' ');
    push_hex(&mut s, client_random);
    s.push(' ');
    push_hex(&mut s, secret);
    s.push('\n');
    s
}

fn push_hex(s: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn creates_the_file_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("padlock-keylog-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let log = KeyLogFile::open(&path).unwrap();
        log.log("EXPORTER_SECRET", &[1], &[2]);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn formats_an_nss_line() {
        assert_eq!(
            format_line("EXPORTER_SECRET", &[0xab, 0x01], &[0xff]),
            "EXPORTER_SECRET ab01 ff\n"
        );
    }
}
