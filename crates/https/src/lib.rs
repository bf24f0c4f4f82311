//! padlock-https.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
