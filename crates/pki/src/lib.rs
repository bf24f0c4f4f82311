//! padlock-pki.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
