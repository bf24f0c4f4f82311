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
use padlock_fuzz::{drive_client, NullCrypto};
use padlock_tls::{danger, ClientConfig};

fuzz_target!(|data: &[u8]| {
    let config = Arc::new(ClientConfig::new(
        Arc::new(NullCrypto),
        Arc::new(danger::NoServerVerification),
    ));
    drive_client(config, data);
});
