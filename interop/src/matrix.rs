//! The suite × group × key matrices the interop tests run against each peer: each cell is
//! printed as it finishes, its failure kept, and the test fails once at the end listing
//! every failed cell (so one run shows the whole picture, not the first miss).

use std::path::Path;

use padlock_test_support::{contains, PeerProcess};

use crate::engine::{self, Group, Negotiated, Suite, TestServer, IO_TIMEOUT};

/// The tally of one matrix.
#[derive(Debug, Default)]
pub struct Matrix {
    cells: usize,
    failures: Vec<String>,
}

impl Matrix {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one cell: prints `label: pass` or `label: FAIL why`.
    pub fn cell(&mut self, label: &str, verdict: Result<(), String>) {
        self.cells += 1;
        match verdict {
            Ok(()) => println!("{label}: pass"),
            Err(why) => {
                println!("{label}: FAIL {why}");
                self.failures.push(format!("{label}: {why}"));
            }
        }
    }

    /// Fails the test if any cell failed, naming each.
    pub fn assert_all_passed(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} cells failed:\n{}",
            self.failures.len(),
            self.cells,
            self.failures.join("\n")
        );
    }
}

/// A cell's check: the handshake agreed on exactly `suite` and `group`.
pub fn expect_negotiated(n: &Negotiated, suite: Suite, group: Group) -> Result<(), String> {
    if n.suite == Some(suite.suite) && n.group == Some(group.group) {
        Ok(())
    } else {
        Err(format!(
            "asked for {} {}, negotiated {n:?}",
            suite.iana, group.group
        ))
    }
}

/// A cell's check: the peer's bytes say `what` (its banner naming the suite, say).
pub fn expect_said(bytes: &[u8], what: &str) -> Result<(), String> {
    if contains(bytes, what.as_bytes()) {
        Ok(())
    } else {
        Err(format!("the peer's output does not say {what:?}"))
    }
}

/// A padlock-client × peer-server cell: a padlock client offering only `suite` and `group`
/// (trusting `ca`) sends an HTTP/1.0 GET to the peer on `port`; the handshake must agree on
/// both, and the peer's answer must say `banner` (how that peer names the suite).
pub fn padlock_client_cell(
    ca: &Path,
    port: u16,
    suite: Suite,
    group: Group,
    banner: &str,
) -> Result<(), String> {
    let mut config = engine::client_config(ca);
    config.cipher_suites = vec![suite.suite];
    config.groups = vec![group.group];
    let out = engine::client_exchange(
        config,
        "localhost",
        port,
        b"GET / HTTP/1.0\r\n\r\n",
        64 * 1024,
    )?;
    expect_negotiated(&out.negotiated, suite, group)?;
    expect_said(&out.response, banner)
}

/// A peer-client × padlock-server cell: the server's next handshake agreed on `suite` and
/// `group`, and the peer printed the server's banner naming them. A failure carries the
/// peer's output.
pub fn padlock_server_cell(
    server: &TestServer,
    client: &PeerProcess,
    suite: Suite,
    group: Group,
) -> Result<(), String> {
    let banner = format!("suite={} group={}", suite.iana, group.group);
    server
        .next(IO_TIMEOUT)
        .and_then(|n| {
            expect_negotiated(&n, suite, group)?;
            expect_said(&client.stdout(), &banner)
        })
        .map_err(|e| format!("{e}\n{}", client.output_text()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{GROUPS, SUITES};

    #[test]
    fn a_matrix_with_only_passing_cells_passes() {
        let mut m = Matrix::new();
        m.cell("a", Ok(()));
        m.cell("b", Ok(()));
        m.assert_all_passed();
    }

    #[test]
    #[should_panic(expected = "1 of 2 cells failed:\nb: no")]
    fn a_matrix_with_a_failing_cell_fails_naming_it() {
        let mut m = Matrix::new();
        m.cell("a", Ok(()));
        m.cell("b", Err("no".into()));
        m.assert_all_passed();
    }

    #[test]
    fn expect_negotiated_wants_both_the_suite_and_the_group() {
        let mut n = Negotiated {
            version: None,
            suite: Some(SUITES[0].suite),
            group: Some(GROUPS[0].group),
            scheme: None,
            alpn: None,
            server_name: None,
            kind: None,
            peer_certs: 0,
        };
        assert!(expect_negotiated(&n, SUITES[0], GROUPS[0]).is_ok());
        assert!(expect_negotiated(&n, SUITES[1], GROUPS[0]).is_err());
        n.group = None;
        assert!(expect_negotiated(&n, SUITES[0], GROUPS[0]).is_err());
        assert!(expect_said(b"x suite=A y", "suite=A").is_ok());
        assert!(expect_said(b"x suite=A y", "suite=B").is_err());
    }
}
