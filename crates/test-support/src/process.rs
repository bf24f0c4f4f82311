//! Peer processes (openssl, gnutls, nginx, curl, chromium…) with captured output, bounded
//! waits, and nothing left behind.
//!
//! Every child starts in a process group of its own. When the test is done with it (its
//! guard is dropped, whether the test passed or panicked), the whole group is killed — the
//! child and whatever it started: nginx's worker, chromium's renderers and crash handler —
//! and waited for. Killing only the child's pid would leave its children running after
//! `cargo test` (nginx's worker did, after every run).

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
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
    /// Starts `cmd` with piped stdin, stdout and stderr, in a process group of its own.
    /// `name` labels it in messages.
    pub fn spawn(name: &str, mut cmd: Command) -> PeerProcess {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
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

    /// Whether the peer accepts on 127.0.0.1:`port` within `timeout`: the port answers and
    /// the peer holds a socket listening on it ([`holds_listener`]). A peer that could not
    /// bind exits, and then whoever answers on the port is someone else (gnutls-serv, which
    /// binds `::` and 0.0.0.0 and reports the one of the two that fails when the first took
    /// both families, is up by this test, not by its messages).
    pub fn listens_on(&mut self, port: u16, timeout: Duration) -> bool {
        let pid = self.child.id();
        wait_until_listening(pid, port, timeout, || self.is_running())
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
        kill_group_and_wait(&mut self.child);
        for reader in self.readers.drain(..) {
            // A reader ends when the pipe closes; a panic in one has nothing to tell here.
            let _ = reader.join();
        }
    }
}

/// A child process (started by [`Guard::spawn`] in a process group of its own) whose whole
/// group is killed and waited for when the guard is dropped.
#[derive(Debug)]
pub struct Guard(pub Child);

impl Guard {
    /// Starts `cmd` in a process group of its own (stdio as the caller set it up).
    pub fn spawn(cmd: &mut Command) -> Guard {
        match cmd.process_group(0).spawn() {
            Ok(child) => Guard(child),
            Err(e) => panic!("cannot start {cmd:?}: {e}"),
        }
    }

    /// The child's process id (also its process group's id).
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        kill_group_and_wait(&mut self.0);
    }
}

/// Runs `cmd` to its end in a process group of its own, with stdin closed and its output
/// captured, for at most `timeout`: past it the group is killed and the test fails. Any
/// process the command left running in its group is killed too.
pub fn run_bounded(cmd: &mut Command, timeout: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let pgid = child.id();
    let drains = [
        child.stdout.take().map(drain_all),
        child.stderr.take().map(drain_all),
    ];
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                kill_group_and_wait(&mut child);
                panic!("{cmd:?} did not finish within {timeout:?}");
            }
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
    };
    // The command is done; whatever it started and left behind in its group goes too (its
    // pipes stay open while such a process lives, so this comes before reading them out).
    kill_group(pgid);
    wait_group_gone(pgid, Duration::from_secs(5));
    let [stdout, stderr] =
        drains.map(|d| d.map(|h| h.join().unwrap_or_default()).unwrap_or_default());
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Kills the process group `child` leads (the child and everything it started that stayed
/// in its group), reaps the child, and waits (bounded) until no process of the group is
/// left running.
fn kill_group_and_wait(child: &mut Child) {
    let pgid = child.id();
    kill_group(pgid);
    // The group kill failing (no `kill` binary; a child not started in its own group)
    // still leaves the child itself to kill. Errors: it has already exited.
    let _ = child.kill();
    let _ = child.wait();
    wait_group_gone(pgid, Duration::from_secs(5));
}

/// SIGKILL to every process of group `pgid` (std has no killpg: `kill -KILL -- -PGID`).
fn kill_group(pgid: u32) {
    // Fails when the group is already empty: nothing to do then.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits, for at most `timeout`, until no live process (zombies aside: they run nothing) is
/// in process group `pgid`.
fn wait_group_gone(pgid: u32, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while group_alive(pgid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits, for at most `timeout`, until process `pid` catches signal number `signal` (has
/// a handler installed for it: the `SigCgt` mask of /proc/PID/status). Returns whether it
/// does. A test that signals a server it has just started waits for this first: a signal
/// that arrives before the handler exists takes its default action (for SIGINT, SIGTERM and
/// SIGHUP: the process dies), which is not what the test means to check.
pub fn wait_until_catches(pid: u32, signal: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if catches(pid, signal) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn catches(pid: u32, signal: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| (1..=64).contains(&signal) && mask & (1 << (signal - 1)) != 0)
}

/// Whether process `pid` listens on 127.0.0.1:`port` within `timeout`, while `running()`
/// says it still runs: the port answers and the socket listening there is the process's own
/// ([`holds_listener`]). False as soon as it stops running, or at the deadline.
pub fn wait_until_listening(
    pid: u32,
    port: u16,
    timeout: Duration,
    mut running: impl FnMut() -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        // In short slices, so that a process that exits (it could not bind) is seen soon.
        let slice = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(200));
        let answered = crate::wait_for_port(port, slice);
        if !running() {
            return false;
        }
        if answered {
            if holds_listener(pid, port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    false
}

/// Whether process `pid` holds a socket listening on TCP port `port` (of any address, IPv4
/// or IPv6), from /proc/net/tcp{,6} and /proc/PID/fd.
///
/// That the port answers does not tell whose socket answered. While [`crate::free_port`]'s
/// socket listened, a copy of it, held by a child process that another test had just
/// started until the child exec'd, answered the readiness probe for the server about to
/// start on the port; anything else listening there would do the same. This tells.
pub fn holds_listener(pid: u32, port: u16) -> bool {
    let listening = listening_inodes(port);
    if listening.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .ok()
            .and_then(|target| {
                let target = target.to_str()?;
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .parse()
                    .ok()
            })
            .is_some_and(|inode: u64| listening.contains(&inode))
    })
}

/// The inodes of the TCP sockets listening on `port`.
fn listening_inodes(port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
        // timeout inode ...", the address as hex `ADDR:PORT`.
        inodes.extend(text.lines().skip(1).filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (_, local_port) = fields.get(1)?.rsplit_once(':')?;
            if u16::from_str_radix(local_port, 16).ok()? != port || *fields.get(3)? != LISTEN {
                return None;
            }
            fields.get(9)?.parse::<u64>().ok()
        }));
    }
    inodes
}

/// Whether a process other than a zombie is in process group `pgid`, from /proc/*/stat.
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        let Some((_, after_comm)) = stat.rsplit_once(')') else {
            return false;
        };
        let mut fields = after_comm.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<u32>().ok());
        pgrp == Some(pgid) && state != Some("Z") && state != Some("X")
    })
}

fn drain_all(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        // An error ends the capture with what was read.
        let _ = from.read_to_end(&mut out);
        out
    })
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

    #[test]
    fn drop_kills_what_the_child_started_too() {
        // Like nginx's master and worker: the shell starts a sleeper and waits for it.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & echo started; wait"]);
        let p = PeerProcess::spawn("sh", cmd);
        assert!(p.wait_stdout(b"started", Duration::from_secs(5)));
        let pgid = p.child.id();
        assert!(group_alive(pgid));
        drop(p);
        assert!(!group_alive(pgid), "the sleeper outlived its guard");
    }

    #[test]
    fn guard_kills_the_whole_group() {
        let guard = Guard::spawn(
            Command::new("sh")
                .args(["-c", "sleep 30 & sleep 30"])
                .stdout(Stdio::null()),
        );
        let pgid = guard.id();
        std::thread::sleep(Duration::from_millis(100));
        assert!(group_alive(pgid));
        drop(guard);
        assert!(!group_alive(pgid));
    }

    #[test]
    fn run_bounded_returns_output_and_leaves_no_process_behind() {
        // The sleeper holds the output pipes open: the call returns at once only because
        // the group is killed when the shell is done.
        let start = Instant::now();
        let out = run_bounded(
            Command::new("sh").args(["-c", "sleep 30 & echo hi; echo err >&2"]),
            Duration::from_secs(20),
        );
        assert!(start.elapsed() < Duration::from_secs(10));
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn sees_when_a_process_catches_a_signal() {
        // The shell traps SIGINT (2), not SIGUSR1 (10).
        let guard = Guard::spawn(
            Command::new("sh")
                .args(["-c", "trap 'exit 0' INT; echo ready; sleep 30 & wait"])
                .stdout(Stdio::null()),
        );
        // A loaded machine may take seconds to start a shell; the wait ends when it traps.
        assert!(wait_until_catches(guard.id(), 2, Duration::from_secs(30)));
        assert!(!wait_until_catches(
            guard.id(),
            10,
            Duration::from_millis(100)
        ));
    }

    #[test]
    fn tells_which_process_holds_the_listener_on_a_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let other = Guard::spawn(Command::new("sleep").arg("30"));
        assert!(holds_listener(std::process::id(), port));
        assert!(
            !holds_listener(other.id(), port),
            "the port answers, but not from sleep"
        );
        drop(listener);
        assert!(!holds_listener(std::process::id(), port));
    }

    #[test]
    #[should_panic(expected = "did not finish")]
    fn run_bounded_fails_a_command_that_runs_too_long() {
        run_bounded(Command::new("sleep").arg("30"), Duration::from_millis(200));
    }
}
