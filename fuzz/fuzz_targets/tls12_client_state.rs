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
use padlock_fuzz::{drive_client, null_tls12_client_config};

fuzz_target!(|data: &[u8]| drive_client(null_tls12_client_config(), data));
