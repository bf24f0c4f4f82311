//! What the binary's TLS tests share: `padlock listen` on a free port, and `padlock
//! connect` with some input, each run as a peer process (its own process group, killed
//! with the test).
#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

use padlock_test_support::{Issued, PeerProcess};

/// How long a peer may take to start or finish.
pub const WAIT: Duration = Duration::from_secs(15);

/// The padlock binary under test.
pub const PADLOCK: &str = env!("CARGO_BIN_EXE_padlock");

/// Starts `padlock listen` on a free port; returns it and the port it printed.
pub fn listen(server: &Issued, extra: &[&str]) -> (PeerProcess, u16) {
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["listen", "--listen", "127.0.0.1:0", "--cert"])
        .arg(&server.chain)
        .arg("--key")
        .arg(&server.key)
        .args(extra);
    let p = PeerProcess::spawn("padlock listen", cmd);
    // The line ends `(https://ADDR/)`: wait for its end, not just its start.
    assert!(
        p.wait_stderr("/)", WAIT),
        "padlock listen did not start\n{}",
        p.output_text()
    );
    let text = p.stderr_text();
    let port = text
        .split("listening on 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {text:?}"));
    (p, port)
}

/// Runs `padlock connect` with `input` on stdin; returns (exit code, stdout, stderr).
pub fn connect(args: &[&str], input: &[u8]) -> (Option<i32>, Vec<u8>, String) {
    let mut cmd = Command::new(PADLOCK);
    cmd.arg("connect").args(args);
    let mut p = PeerProcess::spawn("padlock connect", cmd);
    p.write_stdin(input);
    p.close_stdin();
    let status = p.wait_exit(WAIT);
    (status.and_then(|s| s.code()), p.stdout(), p.stderr_text())
}
