//! TLS 1.3 specifics.

mod constants;
pub mod key_schedule;
