//! Peer processes (openssl, gnutls, curl…) with captured output, bounded waits, and a kill
//! on drop.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Most output kept from one stream of a peer (more is read and dropped).
const MAX_CAPTURE: usize = 64 * 1024 * 1024;

/// A running peer process. Its stdout and stderr are drained by threads into buffers (so it
/// never blocks on a full pipe); it is killed and reaped when dropped.
#[derive(Debug)]
pub struct PeerProcess {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl PeerProcess {
    /// Starts `cmd` with piped stdin, stdout and stderr. `name` labels it in messages.
    pub fn spawn(name: &str, mut cmd: Command) -> PeerProcess {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => panic!("cannot start {name} ({cmd:?}): {e}"),
        };
        let stdin = child.stdin.take();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(drain(out, Arc::clone(&stdout)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(drain(err, Arc::clone(&stderr)));
        }
        PeerProcess {
            name: name.to_string(),
            child,
            stdin,
            stdout,
            stderr,
            readers,
        }
    }

    /// The label given at spawn.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes to the peer's stdin (ignoring a closed pipe: the peer may have exited).
    pub fn write_stdin(&mut self, data: &[u8]) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(data);
            let _ = stdin.flush();
        }
    }

    /// Closes the peer's stdin (EOF).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Everything the peer wrote to stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Everything the peer wrote to stderr so far, as text.
    pub fn stderr_text(&self) -> String {
        let bytes = self.stderr.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Both streams as text, for failure messages (long output is cut to its tail).
    pub fn output_text(&self) -> String {
        let out = String::from_utf8_lossy(&self.stdout()).into_owned();
        format!(
            "--- {} stdout ---\n{}\n--- {} stderr ---\n{}",
            self.name,
            tail(&out, 4000),
            self.name,
            tail(&self.stderr_text(), 4000)
        )
    }

    /// Waits until stdout contains `needle`, for at most `timeout`. Returns whether it did.
    pub fn wait_stdout(&self, needle: &[u8], timeout: Duration) -> bool {
        self.wait_for(timeout, || crate::contains(&self.stdout(), needle))
    }

    /// Like [`PeerProcess::wait_stdout`], but gives up at once if the peer exits (e.g. it
    /// could not bind its port).
    pub fn wait_stdout_while_running(&mut self, needle: &[u8], timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if crate::contains(&self.stdout(), needle) {
                return true;
            }
            if Instant::now() >= deadline || !self.is_running() {
                return crate::contains(&self.stdout(), needle);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until stderr contains `needle`, for at most `timeout`.
    pub fn wait_stderr(&self, needle: &str, timeout: Duration) -> bool {
        self.wait_for(timeout, || self.stderr_text().contains(needle))
    }

    /// Waits until stdout holds at least `len` bytes, for at most `timeout`.
    pub fn wait_stdout_len(&self, len: usize, timeout: Duration) -> bool {
        self.wait_for(timeout, || {
            self.stdout.lock().map(|b| b.len() >= len).unwrap_or(false)
        })
    }

    /// Waits for the peer to exit, for at most `timeout`; then its status (None: still
    /// running). Output readers are joined once it has exited, so `stdout()` is complete.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    for reader in self.readers.drain(..) {
                        let _ = reader.join();
                    }
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => return None,
            }
        }
    }

    /// Whether the peer is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn wait_for(&self, timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

fn drain(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut b) = into.lock() {
                        if b.len() + n <= MAX_CAPTURE {
                            b.extend_from_slice(&buf[..n]);
                        }
                    }
                }
            }
        }
    })
}

fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_reaps_the_child() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "cat; echo done >&2"]);
        let mut p = PeerProcess::spawn("sh", cmd);
        p.write_stdin(b"hello\n");
        p.close_stdin();
        assert!(p.wait_exit(Duration::from_secs(5)).is_some());
        assert_eq!(p.stdout(), b"hello\n");
        assert!(p.stderr_text().contains("done"));
    }

    #[test]
    fn drop_kills_a_running_child() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let p = PeerProcess::spawn("sleep", cmd);
        let start = Instant::now();
        drop(p);
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
