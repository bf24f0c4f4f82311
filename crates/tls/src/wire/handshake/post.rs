//! Post-handshake and bookkeeping messages: NewSessionTicket (RFC 8446 §4.6.1),
//! KeyUpdate (§4.6.3) and the synthetic message_hash (§4.4.1).

use crate::wire::codec::{write_opaque, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader};
use crate::wire::enums::KeyUpdateRequest;
use crate::wire::extensions::NewSessionTicketExtensions;

/// NewSessionTicket (RFC 8446 §4.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket<'a> {
    /// Lifetime in seconds; at most 7 days (604800), which the receiver checks (§4.6.1).
    pub ticket_lifetime: u32,
    /// Obfuscates the ticket age the client reports (§4.6.1).
    pub ticket_age_add: u32,
    /// `opaque ticket_nonce<0..255>`.
    pub ticket_nonce: &'a [u8],
    /// `opaque ticket<1..2^16-1>`.
    pub ticket: &'a [u8],
    /// `Extension extensions<0..2^16-2>`.
    pub extensions: NewSessionTicketExtensions<'a>,
}

/// KeyUpdate (RFC 8446 §4.6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyUpdate {
    /// Whether the peer must answer with its own KeyUpdate. Decoding rejects any other
    /// value than the two defined ("If an implementation receives a KeyUpdate with any
    /// other value, it MUST terminate the connection with an "illegal_parameter" alert").
    pub request_update: KeyUpdateRequest,
}

/// The synthetic `message_hash` handshake message that replaces ClientHello1 in the
/// transcript after a HelloRetryRequest (RFC 8446 §4.4.1): its body is Hash(ClientHello1).
/// It is never sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHash<'a> {
    /// Hash(ClientHello1).
    pub hash: &'a [u8],
}

impl<'a> Codec<'a> for NewSessionTicket<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ticket_lifetime.to_be_bytes());
        out.extend_from_slice(&self.ticket_age_add.to_be_bytes());
        write_opaque(out, LengthPrefix::U8, self.ticket_nonce);
        write_opaque(out, LengthPrefix::U16, self.ticket);
        self.extensions.encode(out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            ticket_lifetime: r.u32("NewSessionTicket.ticket_lifetime")?,
            ticket_age_add: r.u32("NewSessionTicket.ticket_age_add")?,
            ticket_nonce: r.opaque(LengthPrefix::U8, 0, 0xff, "NewSessionTicket.ticket_nonce")?,
            ticket: r.opaque(LengthPrefix::U16, 1, 0xffff, "NewSessionTicket.ticket")?,
            extensions: NewSessionTicketExtensions::read(r)?,
        })
    }
}

impl Codec<'_> for KeyUpdate {
    fn encode(&self, out: &mut Vec<u8>) {
        self.request_update.encode(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        const WHAT: &str = "KeyUpdate.request_update";
        let request_update = KeyUpdateRequest::from_wire(r.u8(WHAT)?);
        if !request_update.is_known() {
            return Err(DecodeError::new(WHAT, DecodeErrorKind::IllegalValue));
        }
        Ok(Self { request_update })
    }
}

impl<'a> Codec<'a> for MessageHash<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.hash);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self { hash: r.rest() })
    }
}
