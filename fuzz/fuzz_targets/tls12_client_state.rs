//! The TLS 1.2 client state machine over arbitrary server bytes: never panics, never loops,
//! never buffers without a bound.
//!
//! Runs over [`padlock_fuzz::NullCrypto`] (zero keys, identity AEAD with a zero tag, zero
//! Finished, every signature good), TLS 1.2 only with RSA key transport allowed, so the
//! fuzzer can write a whole server flight by hand — ServerHello, Certificate,
//! ServerKeyExchange or none (RSA), CertificateRequest, ServerHelloDone, then
//! ChangeCipherSpec, Finished, application data, HelloRequest and alerts. The client's
//! random and session id are 32 bytes of 0x5a.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::null_tls12_client_config;
use padlock_tls::{Connection, ServerName};

fuzz_target!(|data: &[u8]| {
    let name = ServerName::try_from("fuzz.example").expect("valid name");
    let mut conn = Connection::client(null_tls12_client_config(), name).expect("client starts");
    let mut plaintext = [0u8; 4096];
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
        let pending = conn.pending_tls().len();
        conn.consume_tls(pending);
        while conn.read_plaintext(&mut plaintext) > 0 {}
    }
});
