//! padlock-tls: a sans-IO TLS 1.3 engine.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod hkdf;
pub mod record;
pub mod tls13;
pub mod wire;
