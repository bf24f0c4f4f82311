//! The padlock command.
#![forbid(unsafe_code)]

fn main() {}
