//! The TLS 1.2 server state machine over arbitrary client bytes: never panics, never loops,
//! never buffers without a bound.
//!
//! Runs over [`padlock_fuzz::NullCrypto`] (zero keys, identity AEAD with a zero tag, zero
//! Finished — the TLS 1.2 PRF is HMAC, which is all zeros — and every signature good) with
//! an RSA key and RSA key transport on, so the fuzzer reaches both ClientKeyExchange forms
//! (an ECDH point, an RSA-encrypted pre-master secret), ChangeCipherSpec, Finished and
//! application data. A client Finished is `14 00 00 0c` and 12 zero bytes, sent as an
//! "encrypted" record: `16 03 03 <len> <8-byte explicit nonce> <plaintext> <16 zero bytes>`
//! (AES-GCM suites).
#![no_main]

use std::io::{BufRead, ErrorKind};

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::null_tls12_server_config;
use padlock_tls::Connection;

fuzz_target!(|data: &[u8]| {
    let mut conn = Connection::server(null_tls12_server_config()).expect("server starts");
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
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
