//! The server state machine over arbitrary client bytes: never panics, never loops, never
//! buffers without a bound.
//!
//! Runs over [`padlock_fuzz::NullCrypto`] (no security: zero keys, identity AEAD with a zero
//! tag, zero Finished, every signature good), so the fuzzer can get past the ClientHello: a
//! client Finished is `14 00 00 20` and 32 zero bytes inside a record ending in `16` and a
//! zero 16-byte tag; after it come application data, KeyUpdate and alerts.
#![no_main]

use std::io::{BufRead, ErrorKind};

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::null_server_config;
use padlock_tls::Connection;

fuzz_target!(|data: &[u8]| {
    let mut conn = Connection::server(null_server_config()).expect("server starts");
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
        // Drain both directions, as an application would; plaintext through the
        // zero-copy reader.
        let pending = conn.pending_tls().len();
        conn.consume_tls(pending);
        let mut reader = conn.reader();
        loop {
            match reader.fill_buf() {
                Ok([]) => break,
                Ok(piece) => {
                    let n = piece.len();
                    reader.consume(n);
                }
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::WouldBlock);
                    break;
                }
            }
        }
    }
});
