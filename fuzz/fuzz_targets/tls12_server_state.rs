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

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::{drive_server, null_tls12_server_config};

fuzz_target!(|data: &[u8]| drive_server(null_tls12_server_config(), data));
