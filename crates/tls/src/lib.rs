//! padlock-tls.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
