//! TLS 1.3 specifics.

pub mod key_schedule;
