//! ClientHello (RFC 8446 §4.1.2), ServerHello (§4.1.3) and HelloRetryRequest (§4.1.4).

use std::borrow::Cow;

use crate::wire::codec::{write_opaque, Codec, DecodeError, LengthPrefix, Reader};
use crate::wire::enums::{CipherSuite, ProtocolVersion};
use crate::wire::extensions::payloads::read_u16_list;
use crate::wire::extensions::{
    read_block, ClientHelloExtensions, HelloRetryRequestExtensions, RawExtension,
    ServerHelloExtensions,
};
use crate::wire::list::List;

/// The fixed `random` that marks a ServerHello as a HelloRetryRequest: SHA-256 of
/// "HelloRetryRequest" (RFC 8446 §4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The last 8 bytes of a TLS 1.3 server's ServerHello.random when it negotiates TLS 1.2
/// (RFC 8446 §4.1.3): "DOWNGRD" followed by 0x01.
pub const DOWNGRADE_TLS12: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];

/// The last 8 bytes of ServerHello.random when TLS 1.1 or below is negotiated
/// (RFC 8446 §4.1.3): "DOWNGRD" followed by 0x00.
pub const DOWNGRADE_TLS11: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/// ClientHello (RFC 8446 §4.1.2). Decoded, its fields borrow the message's bytes; the
/// client keeps the one it sends owned (`ClientHello<'static>`), for a HelloRetryRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// `legacy_version`: 0x0303 from TLS 1.3 clients (§4.1.2); versions are negotiated
    /// with supported_versions.
    pub legacy_version: ProtocolVersion,
    /// 32 bytes from a secure random number generator (§4.1.2).
    pub random: [u8; 32],
    /// `opaque legacy_session_id<0..32>` (§4.1.2); 32 random bytes in compatibility mode
    /// (Appendix D.4).
    pub legacy_session_id: Cow<'a, [u8]>,
    /// `CipherSuite cipher_suites<2..2^16-2>`, in preference order; may hold GREASE and
    /// signalling values.
    pub cipher_suites: List<'a, CipherSuite>,
    /// `opaque legacy_compression_methods<1..2^8-1>`: exactly `[0]` from TLS 1.3 clients;
    /// anything else is for the server to reject with `illegal_parameter` (§4.1.2).
    pub legacy_compression_methods: Cow<'a, [u8]>,
    /// The extensions (§4.2). An absent block (TLS 1.2 and older clients) decodes as empty.
    pub extensions: ClientHelloExtensions<'a>,
}

/// ServerHello (RFC 8446 §4.1.3), other than a HelloRetryRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// `legacy_version`: 0x0303 in TLS 1.3 (§4.1.3).
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes, with the downgrade sentinels of §4.1.3 when the server
    /// negotiates an older version.
    pub random: [u8; 32],
    /// `opaque legacy_session_id_echo<0..32>`: the client's session id, echoed (§4.1.3).
    pub legacy_session_id_echo: &'a [u8],
    /// The chosen suite.
    pub cipher_suite: CipherSuite,
    /// `uint8 legacy_compression_method`: 0 in TLS 1.3 (§4.1.3).
    pub legacy_compression_method: u8,
    /// The extensions (§4.2).
    pub extensions: ServerHelloExtensions<'a>,
}

/// HelloRetryRequest (RFC 8446 §4.1.4): a ServerHello whose `random` is
/// [`HELLO_RETRY_REQUEST_RANDOM`]. It is its own type because its extensions differ
/// (`key_share` carries only the selected group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloRetryRequest<'a> {
    /// `legacy_version`: 0x0303.
    pub legacy_version: ProtocolVersion,
    /// `opaque legacy_session_id_echo<0..32>`.
    pub legacy_session_id_echo: &'a [u8],
    /// The suite the server will use.
    pub cipher_suite: CipherSuite,
    /// `uint8 legacy_compression_method`: 0.
    pub legacy_compression_method: u8,
    /// The extensions (§4.1.4): supported_versions, key_share (selected group), cookie.
    pub extensions: HelloRetryRequestExtensions<'a>,
}

impl ServerHello<'_> {
    /// True if `random` is the HelloRetryRequest value of RFC 8446 §4.1.3. Decoding never
    /// yields such a `ServerHello` (it yields a [`HelloRetryRequest`]); this is for values
    /// built by hand.
    pub fn is_hello_retry_request(&self) -> bool {
        is_hello_retry_request_random(&self.random)
    }

    /// The downgrade sentinel (§4.1.3) at the end of `random`, if any: `Some(TLSv1_2)` for
    /// [`DOWNGRADE_TLS12`], `Some(TLSv1_1)` for [`DOWNGRADE_TLS11`].
    pub fn downgrade_sentinel(&self) -> Option<ProtocolVersion> {
        let tail = self.random.get(24..)?;
        if tail == DOWNGRADE_TLS12 {
            Some(ProtocolVersion::TLSv1_2)
        } else if tail == DOWNGRADE_TLS11 {
            Some(ProtocolVersion::TLSv1_1)
        } else {
            None
        }
    }
}

impl ClientHello<'_> {
    /// A copy that outlives the message (a client adopting a ClientHello it was given).
    pub fn into_owned(self) -> ClientHello<'static> {
        ClientHello {
            legacy_version: self.legacy_version,
            random: self.random,
            legacy_session_id: Cow::Owned(self.legacy_session_id.into_owned()),
            cipher_suites: self.cipher_suites.to_owned_with(std::convert::identity),
            legacy_compression_methods: Cow::Owned(self.legacy_compression_methods.into_owned()),
            extensions: self.extensions.into_owned(),
        }
    }
}

/// True if `random` is the special value that marks a HelloRetryRequest (§4.1.3).
pub fn is_hello_retry_request_random(random: &[u8; 32]) -> bool {
    *random == HELLO_RETRY_REQUEST_RANDOM
}

impl<'a> Codec<'a> for ClientHello<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        write_opaque(out, LengthPrefix::U8, &self.legacy_session_id);
        self.cipher_suites.encode(out, LengthPrefix::U16);
        write_opaque(out, LengthPrefix::U8, &self.legacy_compression_methods);
        self.extensions.encode(out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            legacy_version: ProtocolVersion::from_wire(r.u16("ClientHello.legacy_version")?),
            random: r.array("ClientHello.random")?,
            legacy_session_id: r
                .opaque(LengthPrefix::U8, 0, 32, "ClientHello.legacy_session_id")?
                .into(),
            cipher_suites: read_u16_list(
                r,
                LengthPrefix::U16,
                2,
                0xfffe,
                "ClientHello.cipher_suites",
            )?,
            legacy_compression_methods: r
                .opaque(
                    LengthPrefix::U8,
                    1,
                    0xff,
                    "ClientHello.legacy_compression_methods",
                )?
                .into(),
            extensions: ClientHelloExtensions::read(r)?,
        })
    }
}

/// A ClientHello as sent: its fields before the extensions as bytes, and its extensions
/// unparsed, in the order sent. What RFC 8446 §4.1.2 compares between a ClientHello and
/// the one that answers a HelloRetryRequest ("the same ClientHello without modification,
/// except as follows").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawClientHello<'a> {
    /// legacy_version, random, legacy_session_id, cipher_suites and
    /// legacy_compression_methods, as encoded.
    pub fields: &'a [u8],
    /// Every extension, in order.
    pub extensions: Vec<RawExtension<'a>>,
}

impl<'a> RawClientHello<'a> {
    /// Splits `body`, a ClientHello's body (after the 4-byte handshake header).
    pub fn split(body: &'a [u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ClientHello";
        let mut r = Reader::new(body);
        r.take(2 + 32, WHAT)?;
        r.opaque(LengthPrefix::U8, 0, 32, WHAT)?;
        r.opaque(LengthPrefix::U16, 2, 0xfffe, WHAT)?;
        r.opaque(LengthPrefix::U8, 1, 0xff, WHAT)?;
        let fields = body.get(..r.position()).unwrap_or_default();
        let extensions = read_block(&mut r, 0, true, WHAT, |_, _| Ok(false))?;
        r.expect_empty(WHAT)?;
        Ok(Self { fields, extensions })
    }
}

impl<'a> Codec<'a> for ServerHello<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        write_opaque(out, LengthPrefix::U8, self.legacy_session_id_echo);
        self.cipher_suite.encode(out);
        out.push(self.legacy_compression_method);
        self.extensions.encode(out);
    }

    /// Reads a ServerHello body. A HelloRetryRequest body also decodes here (as a
    /// ServerHello with the special random); [`super::HandshakePayload`] tells them apart.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            legacy_version: ProtocolVersion::from_wire(r.u16("ServerHello.legacy_version")?),
            random: r.array("ServerHello.random")?,
            legacy_session_id_echo: r.opaque(
                LengthPrefix::U8,
                0,
                32,
                "ServerHello.legacy_session_id_echo",
            )?,
            cipher_suite: CipherSuite::from_wire(r.u16("ServerHello.cipher_suite")?),
            legacy_compression_method: r.u8("ServerHello.legacy_compression_method")?,
            extensions: ServerHelloExtensions::read(r)?,
        })
    }
}

impl<'a> Codec<'a> for HelloRetryRequest<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&HELLO_RETRY_REQUEST_RANDOM);
        write_opaque(out, LengthPrefix::U8, self.legacy_session_id_echo);
        self.cipher_suite.encode(out);
        out.push(self.legacy_compression_method);
        self.extensions.encode(out);
    }

    /// Reads a HelloRetryRequest body; the random must be [`HELLO_RETRY_REQUEST_RANDOM`].
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let legacy_version = ProtocolVersion::from_wire(r.u16("HelloRetryRequest.legacy_version")?);
        let random: [u8; 32] = r.array("HelloRetryRequest.random")?;
        if !is_hello_retry_request_random(&random) {
            return Err(DecodeError::new(
                "HelloRetryRequest.random",
                crate::wire::codec::DecodeErrorKind::IllegalValue,
            ));
        }
        Ok(Self {
            legacy_version,
            legacy_session_id_echo: r.opaque(
                LengthPrefix::U8,
                0,
                32,
                "HelloRetryRequest.legacy_session_id_echo",
            )?,
            cipher_suite: CipherSuite::from_wire(r.u16("HelloRetryRequest.cipher_suite")?),
            legacy_compression_method: r.u8("HelloRetryRequest.legacy_compression_method")?,
            extensions: HelloRetryRequestExtensions::read(r)?,
        })
    }
}
