//! The RFC 8448 traces, parsed from the RFC's text: the parser and the vendored text live in
//! `padlock-test-support` (`rfc8448`), where the engine's unit tests read them too.
#![allow(unused_imports)]

pub use padlock_test_support::rfc8448::*;
