//! `gnutls-cli --resume` in a test: the flags that make its second connection's resumption
//! independent of timing, and the lines of its debug output that tell a resumption's story.
//!
//! Under TLS 1.3 a server's NewSessionTickets come after the handshake (RFC 8446 §4.6.1).
//! Before it disconnects, `gnutls-cli --resume` takes the session (`gnutls_session_get_data2`)
//! and that waits for a ticket only the handshake's round trip plus 60 ms (a `poll` with a
//! timeout of 60–63 ms on 127.0.0.1); without a ticket by then, its second connection is a
//! full handshake. On 127.0.0.1 about 40 ms of that window are gone before the server even
//! reads the client's Finished: gnutls-cli writes its ChangeCipherSpec and its Finished in
//! two writes without `TCP_NODELAY`, so Nagle's algorithm holds the Finished until the
//! ChangeCipherSpec is acknowledged, and the server's kernel delays that ACK (40 ms or more)
//! because the server has nothing to answer it with. This is the same against `openssl
//! s_server`. On a loaded machine the ~20 ms left are sometimes not enough: the
//! `gnutls_cli_resumes_against_padlock_listen` flake. `--waitresumption` makes gnutls-cli
//! wait until a ticket has come, as an application that means to resume would.

/// The flags of a `gnutls-cli` run whose second connection must resume the first's
/// session: `--resume`, `--waitresumption` (see the module docs: without it a late ticket
/// is a missed one), and `-d 4` (handshake messages on stderr, for
/// [`gnutls_resumption_story`]). A server that never sends a ticket then makes the run
/// block until the test's bound, not fail at once: bound it, and say so when it times out.
pub const GNUTLS_RESUME: [&str; 4] = ["--resume", "--waitresumption", "-d", "4"];

/// From `gnutls-cli -d 4` output, the lines that tell a resumption's story: gnutls-cli's
/// own (not debug) lines, and the debug lines that name each handshake message sent or
/// received (a NEW SESSION TICKET among them, or not), the PSK offered and selected, and
/// alerts — without the hundreds of lines of priority lists and internal assertions.
pub fn gnutls_resumption_story(output: &str) -> String {
    const TELLING: [&str; 6] = [
        "was received",
        "was queued",
        "PSK",
        "ChangeCipherSpec",
        "Alert",
        "resum",
    ];
    output
        .lines()
        .filter(|line| !line.starts_with("|<") || TELLING.iter().any(|t| line.contains(t)))
        .fold(String::new(), |mut story, line| {
            story.push_str(line);
            story.push('\n');
            story
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_story_keeps_messages_tickets_and_psks_and_drops_the_rest() {
        let output = "\
|<2>| Keeping ciphersuite 13.02 (GNUTLS_AES_256_GCM_SHA384)
|<4>| HSK[0x1]: CLIENT HELLO was queued [386 bytes]
|<3>| ASSERT: ../../lib/buffers.c[get_last_packet]:1196
- Handshake was completed
|<4>| HSK[0x1]: NEW SESSION TICKET (4) was received. Length 147[298]
|<4>| EXT[0x1]: sent PSK resumption identity (0)
*** This is a resumed session
";
        assert_eq!(
            gnutls_resumption_story(output),
            "\
|<4>| HSK[0x1]: CLIENT HELLO was queued [386 bytes]
- Handshake was completed
|<4>| HSK[0x1]: NEW SESSION TICKET (4) was received. Length 147[298]
|<4>| EXT[0x1]: sent PSK resumption identity (0)
*** This is a resumed session
"
        );
    }
}
