//! The server state machine over arbitrary client bytes: never panics, never loops, never
//! buffers without a bound.
//!
//! Runs over [`padlock_fuzz::NullCrypto`] (no security: zero keys, identity AEAD with a zero
//! tag, zero Finished, every signature good), so the fuzzer can get past the ClientHello: a
//! client Finished is `14 00 00 20` and 32 zero bytes inside a record ending in `16` and a
//! zero 16-byte tag; after it come application data, KeyUpdate and alerts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::{drive_server, null_server_config};

fuzz_target!(|data: &[u8]| drive_server(null_server_config(), data));
