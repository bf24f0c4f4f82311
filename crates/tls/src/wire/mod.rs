//! The wire format: codec, IANA registries, messages, extensions, deframer.
//!
//! Everything here is pure encoding and decoding, written from RFC 8446 §3–§6 and
//! Appendix B. Nothing here decides protocol policy: a decoded message is well-formed, and
//! the state machines in `client`/`server` decide whether it is acceptable.

pub mod alert;
pub mod codec;
pub mod enums;
pub mod extensions;
pub mod handshake;
pub mod record;

pub use alert::Alert;
pub use codec::{Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
pub use enums::{
    AlertDescription, AlertLevel, CertificateStatusType, CipherSuite, ContentType, EcPointFormat,
    ExtensionType, HandshakeType, KeyUpdateRequest, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode, SignatureScheme,
};
pub use extensions::*;
pub use handshake::*;
pub use record::*;
