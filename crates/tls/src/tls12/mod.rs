//! TLS 1.2 specifics (RFC 5246) both sides share: the PRF and the secrets derived with it,
//! the handshake steps common to client and server (transcript, session keys,
//! ChangeCipherSpec and Finished), signature schemes, and RSA key transport.

pub(crate) mod handshake;
pub mod prf;
pub(crate) mod rsa_key_transport;
pub(crate) mod signatures;
