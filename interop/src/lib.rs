//! Helpers for interop tests against real peers.
#![forbid(unsafe_code)]
