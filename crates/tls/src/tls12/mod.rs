//! TLS 1.2 specifics (RFC 5246): the PRF and the secrets derived with it.

pub mod prf;
