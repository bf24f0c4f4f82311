//! The wire format: codec, IANA registries, messages, extensions, deframer.
//!
//! Everything here is pure encoding and decoding, written from RFC 8446 §3–§6 and
//! Appendix B. Nothing here decides protocol policy: a decoded message is well-formed, and
//! the state machines in `client`/`server` decide whether it is acceptable.
//!
//! The pieces, in the order bytes meet them:
//! - [`Deframer`] finds whole records in the receive buffer and returns their ranges
//!   (no copy, no allocation), rejecting undefined content types and oversized records;
//! - after record protection is removed, [`HandshakeJoiner`] reassembles handshake
//!   messages (coalesced or fragmented) into [`HandshakeMessage`]s, which keep their raw
//!   bytes for the transcript; [`Alert`] decodes alert records;
//! - a decoded message borrows those bytes: opaque fields are slices of them and vectors
//!   of structures are [`List`]s read in place, so decoding allocates nothing but the
//!   vector of the extensions a block keeps unparsed, if it keeps any;
//! - each message struct has one `Option` field per extension; [`ExtensionBlock`] offers
//!   the RFC 8446 §4.2 checks (allowed in this message? solicited?);
//! - every failure is a [`DecodeError`] naming the structure, whose
//!   [`DecodeError::alert`] is the alert RFC 8446 §6 prescribes.
//!
//! ```
//! use padlock_tls::internal::wire::{ContentType, Deframer, HandshakeJoiner, HandshakePayload};
//!
//! // A handshake record holding a KeyUpdate (RFC 8446 §4.6.3) with update_requested.
//! let bytes = [22, 3, 3, 0, 5, 24, 0, 0, 1, 1];
//! let span = Deframer::new().peek(&bytes).unwrap().expect("a whole record");
//! assert_eq!(span.header.content_type, ContentType::Handshake);
//!
//! let mut joiner = HandshakeJoiner::new();
//! joiner.push(&bytes[span.payload]).unwrap();
//! let message = joiner.next_message().unwrap().expect("a whole message");
//! assert!(matches!(message.payload, HandshakePayload::KeyUpdate(_)));
//! assert_eq!(message.raw, [24, 0, 0, 1, 1]);
//! assert!(joiner.is_empty(), "the key change falls on a record boundary (§5.1)");
//! ```

pub mod alert;
pub mod codec;
pub mod enums;
pub mod extensions;
pub mod handshake;
pub mod list;
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
pub use list::List;
pub use record::*;
