//! Handshake messages (RFC 8446 §4, Appendix B.3).
//!
//! A [`HandshakeMessage`] is a decoded [`HandshakePayload`] plus the exact bytes it was
//! decoded from (header included), because the transcript hash covers the bytes as sent
//! (§4.4.1), not a re-encoding.

mod auth;
mod hello;
mod post;
pub mod tls12;

pub use auth::{
    Certificate, CertificateEntry, CertificateRequest, CertificateVerify, EncryptedExtensions,
    Finished,
};
pub use hello::{
    is_hello_retry_request_random, ClientHello, HelloRetryRequest, RawClientHello, ServerHello,
    DOWNGRADE_TLS11, DOWNGRADE_TLS12, HELLO_RETRY_REQUEST_RANDOM,
};
pub use post::{KeyUpdate, MessageHash, NewSessionTicket};
pub use tls12::{
    Asn1Cert, Certificate12, CertificateRequest12, ClientEcdhPublic, ClientKeyExchange,
    EncryptedPreMasterSecret, NewSessionTicket12, ServerEcdhParams, ServerKeyExchange,
};

use crate::wire::codec::{write_prefixed, Codec, DecodeError, LengthPrefix, Reader};
use crate::wire::enums::HandshakeType;

/// Length of the handshake message header: `msg_type` and a `uint24` length (§4).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// The body of a handshake message, by type (RFC 8446 §4). Decoded, it borrows the
/// message's bytes: opaque fields are slices of them and lists are read in place
/// ([`crate::wire::List`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakePayload<'a> {
    /// client_hello (§4.1.2). Boxed: a ClientHello is some 600 bytes where every other
    /// message is under 150, and a decoded message is moved several times on its way to
    /// its state, so unboxed it would make every message cost its size in copies. Only a
    /// second ClientHello (after a HelloRetryRequest) or one in the wrong state comes
    /// this way: a server reads its first with [`ClientHello::decode_message`], unboxed.
    ClientHello(Box<ClientHello<'a>>),
    /// server_hello (§4.1.3) with an ordinary random.
    ServerHello(ServerHello<'a>),
    /// server_hello with the HelloRetryRequest random (§4.1.4).
    HelloRetryRequest(HelloRetryRequest<'a>),
    /// new_session_ticket (§4.6.1).
    NewSessionTicket(NewSessionTicket<'a>),
    /// end_of_early_data (§4.5): empty.
    EndOfEarlyData,
    /// encrypted_extensions (§4.3.1).
    EncryptedExtensions(EncryptedExtensions<'a>),
    /// certificate (§4.4.2).
    Certificate(Certificate<'a>),
    /// certificate_request (§4.3.2).
    CertificateRequest(CertificateRequest<'a>),
    /// certificate_verify (§4.4.3).
    CertificateVerify(CertificateVerify<'a>),
    /// finished (§4.4.4).
    Finished(Finished<'a>),
    /// key_update (§4.6.3).
    KeyUpdate(KeyUpdate),
    /// message_hash (§4.4.1): synthetic, transcript only.
    MessageHash(MessageHash<'a>),
    /// TLS 1.2 hello_request (RFC 5246 §7.4.1.1): empty.
    HelloRequest,
    /// TLS 1.2 certificate (RFC 5246 §7.4.2), from [`Self::decode_tls12`].
    Certificate12(Certificate12<'a>),
    /// TLS 1.2 server_key_exchange for ECDHE (RFC 8422 §5.4).
    ServerKeyExchange(ServerKeyExchange<'a>),
    /// TLS 1.2 certificate_request (RFC 5246 §7.4.4), from [`Self::decode_tls12`].
    CertificateRequest12(CertificateRequest12<'a>),
    /// TLS 1.2 server_hello_done (RFC 5246 §7.4.5): empty.
    ServerHelloDone,
    /// TLS 1.2 client_key_exchange (RFC 5246 §7.4.7).
    ClientKeyExchange(ClientKeyExchange<'a>),
    /// TLS 1.2 new_session_ticket (RFC 5077 §3.3), from [`Self::decode_tls12`].
    NewSessionTicket12(NewSessionTicket12<'a>),
    /// Any other type (TLS 1.2 messages, unknown values): kept so the state machine can
    /// answer with `unexpected_message`.
    Unknown {
        /// The message type.
        typ: HandshakeType,
        /// The body, unparsed.
        body: &'a [u8],
    },
}

/// A decoded handshake message with its encoded bytes, header included, for the
/// transcript hash (RFC 8446 §4.4.1). Both borrow the bytes received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage<'a> {
    /// The decoded message.
    pub payload: HandshakePayload<'a>,
    /// The message exactly as received.
    pub raw: &'a [u8],
}

impl<'a> HandshakeMessage<'a> {
    /// Decodes one complete message (header and body, nothing after).
    pub fn decode(raw: &'a [u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            payload: HandshakePayload::decode(raw)?,
            raw,
        })
    }

    /// The message type from the header.
    pub fn typ(&self) -> HandshakeType {
        self.payload.typ()
    }
}

impl<'a> HandshakePayload<'a> {
    /// The `msg_type` this payload is sent with. A HelloRetryRequest is a `server_hello`
    /// on the wire (§4.1.4).
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::ClientHello(_) => HandshakeType::ClientHello,
            Self::ServerHello(_) | Self::HelloRetryRequest(_) => HandshakeType::ServerHello,
            Self::NewSessionTicket(_) => HandshakeType::NewSessionTicket,
            Self::EndOfEarlyData => HandshakeType::EndOfEarlyData,
            Self::EncryptedExtensions(_) => HandshakeType::EncryptedExtensions,
            Self::Certificate(_) => HandshakeType::Certificate,
            Self::CertificateRequest(_) => HandshakeType::CertificateRequest,
            Self::CertificateVerify(_) => HandshakeType::CertificateVerify,
            Self::Finished(_) => HandshakeType::Finished,
            Self::KeyUpdate(_) => HandshakeType::KeyUpdate,
            Self::MessageHash(_) => HandshakeType::MessageHash,
            Self::HelloRequest => HandshakeType::HelloRequest,
            Self::Certificate12(_) => HandshakeType::Certificate,
            Self::ServerKeyExchange(_) => HandshakeType::ServerKeyExchange,
            Self::CertificateRequest12(_) => HandshakeType::CertificateRequest,
            Self::ServerHelloDone => HandshakeType::ServerHelloDone,
            Self::ClientKeyExchange(_) => HandshakeType::ClientKeyExchange,
            Self::NewSessionTicket12(_) => HandshakeType::NewSessionTicket,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// A short human name: the IANA name of the type, or `hello_retry_request`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::HelloRetryRequest(_) => "hello_retry_request",
            other => other.typ().name().unwrap_or("unknown"),
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::ClientHello(m) => m.encode(out),
            Self::ServerHello(m) => m.encode(out),
            Self::HelloRetryRequest(m) => m.encode(out),
            Self::NewSessionTicket(m) => m.encode(out),
            Self::EndOfEarlyData => {}
            Self::EncryptedExtensions(m) => m.encode(out),
            Self::Certificate(m) => m.encode(out),
            Self::CertificateRequest(m) => m.encode(out),
            Self::CertificateVerify(m) => m.encode(out),
            Self::Finished(m) => m.encode(out),
            Self::KeyUpdate(m) => m.encode(out),
            Self::MessageHash(m) => m.encode(out),
            Self::HelloRequest | Self::ServerHelloDone => {}
            Self::Certificate12(m) => m.encode(out),
            Self::ServerKeyExchange(m) => m.encode(out),
            Self::CertificateRequest12(m) => m.encode(out),
            Self::ClientKeyExchange(m) => m.encode(out),
            Self::NewSessionTicket12(m) => m.encode(out),
            Self::Unknown { body, .. } => out.extend_from_slice(body),
        }
    }

    /// Decodes a body of type `typ`; the whole of `body` must be used.
    pub fn read_body(typ: HandshakeType, body: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let payload = match typ {
            HandshakeType::ClientHello => Self::ClientHello(Box::new(ClientHello::read(&mut r)?)),
            HandshakeType::ServerHello => {
                // §4.1.3: the random (after the 2-byte legacy_version) tells a
                // HelloRetryRequest from a ServerHello.
                let is_hrr = body
                    .get(2..34)
                    .is_some_and(|random| random == HELLO_RETRY_REQUEST_RANDOM);
                if is_hrr {
                    Self::HelloRetryRequest(HelloRetryRequest::read(&mut r)?)
                } else {
                    Self::ServerHello(ServerHello::read(&mut r)?)
                }
            }
            HandshakeType::NewSessionTicket => {
                Self::NewSessionTicket(NewSessionTicket::read(&mut r)?)
            }
            HandshakeType::EndOfEarlyData => Self::EndOfEarlyData,
            HandshakeType::EncryptedExtensions => {
                Self::EncryptedExtensions(EncryptedExtensions::read(&mut r)?)
            }
            HandshakeType::Certificate => Self::Certificate(Certificate::read(&mut r)?),
            HandshakeType::CertificateRequest => {
                Self::CertificateRequest(CertificateRequest::read(&mut r)?)
            }
            HandshakeType::CertificateVerify => {
                Self::CertificateVerify(CertificateVerify::read(&mut r)?)
            }
            HandshakeType::Finished => Self::Finished(Finished::read(&mut r)?),
            HandshakeType::KeyUpdate => Self::KeyUpdate(KeyUpdate::read(&mut r)?),
            HandshakeType::MessageHash => Self::MessageHash(MessageHash::read(&mut r)?),
            typ => Self::Unknown {
                typ,
                body: r.rest(),
            },
        };
        r.expect_empty(body_name(typ))?;
        Ok(payload)
    }
}

/// Appends one handshake message (§4): `HandshakeType msg_type; uint24 length;`, then the
/// body `body` writes. For a caller that holds the body's struct and would otherwise clone
/// it into a [`HandshakePayload`] to encode it.
pub fn encode_handshake(typ: HandshakeType, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    typ.encode(out);
    write_prefixed(out, LengthPrefix::U24, body);
}

impl<'a> HandshakePayload<'a> {
    /// Decodes one whole message (header included) as TLS 1.2 has it (RFC 5246 §7.4):
    /// Certificate and CertificateRequest in their TLS 1.2 forms, and the TLS 1.2-only
    /// messages; TLS 1.3-only types are `Unknown`, for the state to refuse.
    pub fn decode_tls12(raw: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(raw);
        let typ = HandshakeType::from_wire(r.u8("Handshake.msg_type")?);
        let body = r.opaque(LengthPrefix::U24, 0, 0xff_ffff, "Handshake.length")?;
        r.expect_empty("Handshake")?;
        let mut b = Reader::new(body);
        let payload = match typ {
            HandshakeType::ClientHello
            | HandshakeType::ServerHello
            | HandshakeType::CertificateVerify
            | HandshakeType::Finished => return Self::read_body(typ, body),
            HandshakeType::HelloRequest => Self::HelloRequest,
            HandshakeType::Certificate => Self::Certificate12(Certificate12::read(&mut b)?),
            HandshakeType::ServerKeyExchange => {
                Self::ServerKeyExchange(ServerKeyExchange::read(&mut b)?)
            }
            HandshakeType::CertificateRequest => {
                Self::CertificateRequest12(CertificateRequest12::read(&mut b)?)
            }
            HandshakeType::ServerHelloDone => Self::ServerHelloDone,
            HandshakeType::ClientKeyExchange => {
                Self::ClientKeyExchange(ClientKeyExchange::read(&mut b)?)
            }
            HandshakeType::NewSessionTicket => {
                Self::NewSessionTicket12(NewSessionTicket12::read(&mut b)?)
            }
            typ => Self::Unknown {
                typ,
                body: b.rest(),
            },
        };
        b.expect_empty(body_name_tls12(typ))?;
        Ok(payload)
    }
}

impl<'a> ClientHello<'a> {
    /// Decodes one whole message (header included) if it is a ClientHello (`None` if it is
    /// another type), as [`HandshakePayload::decode`] would, but unboxed: for the server's
    /// first message.
    pub fn decode_message(raw: &'a [u8]) -> Result<Option<Self>, DecodeError> {
        let mut r = Reader::new(raw);
        let typ = HandshakeType::from_wire(r.u8("Handshake.msg_type")?);
        let body = r.opaque(LengthPrefix::U24, 0, 0xff_ffff, "Handshake.length")?;
        if typ != HandshakeType::ClientHello {
            return Ok(None);
        }
        let mut b = Reader::new(body);
        let hello = Self::read(&mut b)?;
        b.expect_empty(body_name(typ))?;
        r.expect_empty("HandshakePayload")?;
        Ok(Some(hello))
    }
}

/// The name used for trailing-byte errors in a TLS 1.2 message body.
fn body_name_tls12(typ: HandshakeType) -> &'static str {
    match typ {
        HandshakeType::HelloRequest => "HelloRequest",
        HandshakeType::ServerKeyExchange => "ServerKeyExchange",
        HandshakeType::ServerHelloDone => "ServerHelloDone",
        HandshakeType::ClientKeyExchange => "ClientKeyExchange",
        HandshakeType::NewSessionTicket => "NewSessionTicket",
        other => body_name(other),
    }
}

/// Encodes and decodes the whole message: `HandshakeType msg_type; uint24 length;` then
/// the body (§4).
impl<'a> Codec<'a> for HandshakePayload<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_handshake(self.typ(), out, |out| self.encode_body(out));
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let typ = HandshakeType::from_wire(r.u8("Handshake.msg_type")?);
        let body = r.opaque(LengthPrefix::U24, 0, 0xff_ffff, "Handshake.length")?;
        Self::read_body(typ, body)
    }
}

/// The name used for trailing-byte errors in a message body.
fn body_name(typ: HandshakeType) -> &'static str {
    match typ {
        HandshakeType::ClientHello => "ClientHello",
        HandshakeType::ServerHello => "ServerHello",
        HandshakeType::NewSessionTicket => "NewSessionTicket",
        HandshakeType::EndOfEarlyData => "EndOfEarlyData",
        HandshakeType::EncryptedExtensions => "EncryptedExtensions",
        HandshakeType::Certificate => "Certificate",
        HandshakeType::CertificateRequest => "CertificateRequest",
        HandshakeType::CertificateVerify => "CertificateVerify",
        HandshakeType::Finished => "Finished",
        HandshakeType::KeyUpdate => "KeyUpdate",
        HandshakeType::MessageHash => "MessageHash",
        _ => "Handshake",
    }
}

#[cfg(test)]
mod rfc8448;
#[cfg(test)]
mod tests;
