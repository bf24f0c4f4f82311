//! The client state machine over arbitrary server bytes: never panics, never loops, never
//! buffers without a bound.
//!
//! Runs over [`NullCrypto`] (no security: zero keys, identity AEAD with a zero tag, zero
//! Finished, every signature good), so the fuzzer can write the whole server flight —
//! EncryptedExtensions, Certificate, CertificateVerify, Finished — and post-handshake
//! messages by hand, not just the plaintext ServerHello. The client's random and session
//! id are 32 bytes of 0x5a.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::NullCrypto;
use padlock_tls::{danger, ClientConfig, Connection, ServerName};

fuzz_target!(|data: &[u8]| {
    let config = Arc::new(ClientConfig::new(
        Arc::new(NullCrypto),
        Arc::new(danger::NoServerVerification),
    ));
    let name = ServerName::try_from("fuzz.example").expect("valid name");
    let mut conn = Connection::client(config, name).expect("client starts");
    let mut plaintext = [0u8; 4096];
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
        // Drain both directions, as an application would.
        let pending = conn.pending_tls().len();
        conn.consume_tls(pending);
        while conn.read_plaintext(&mut plaintext) > 0 {}
    }
});
