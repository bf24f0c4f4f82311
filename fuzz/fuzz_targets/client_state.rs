//! The client state machine over arbitrary server bytes: never panics, never loops.
//! Uses the real provider; the first flight is plaintext, so the ServerHello parser and
//! checks are reached directly.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use padlock_crypto::AwsLcProvider;
use padlock_tls::{danger, ClientConfig, Connection, ServerName};

fuzz_target!(|data: &[u8]| {
    let config = Arc::new(ClientConfig::new(
        Arc::new(AwsLcProvider),
        Arc::new(danger::NoServerVerification),
    ));
    let name = ServerName::try_from("fuzz.example").unwrap();
    let mut conn = Connection::client(config, name).unwrap();
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
    }
});
