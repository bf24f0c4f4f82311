//! Choosing the server's configuration from the ClientHello: an [`Acceptor`] reads TLS
//! bytes until a whole ClientHello (RFC 8446 §4.1.2) is there, shows it as a
//! [`ClientHello`] (server name, ALPN, suites, groups, signature schemes, versions), and
//! [`Accepted::accept`] then starts a [`Connection`] with the configuration the caller
//! picked, replaying the bytes already read — the shape of Go's `GetConfigForClient`.
//!
//! Memory is bounded: a ClientHello may be as long as its encoding allows (about 128 KiB,
//! [`MAX_CLIENT_HELLO_LEN`]), and at most [`MAX_BUFFERED`] bytes of records are held.

use std::borrow::Cow;
use std::io;
use std::sync::Arc;

use crate::output::unexpected;
use crate::wire::handshake::HANDSHAKE_HEADER_LEN;
use crate::wire::{
    self, Alert, Codec, ContentType, Deframer, HandshakeJoiner, HandshakePayload, RECORD_HEADER_LEN,
};
use crate::{
    alert, CipherSuite, Connection, Error, NamedGroup, ProtocolVersion, ServerConfig,
    SignatureScheme,
};

pub use crate::wire::MAX_CLIENT_HELLO_LEN;

/// The most TLS bytes an [`Acceptor`] holds: the longest ClientHello in records of at
/// least 1 KiB each, with their headers, and room for what follows it in the same read.
pub const MAX_BUFFERED: usize = HANDSHAKE_HEADER_LEN
    + MAX_CLIENT_HELLO_LEN
    + (MAX_CLIENT_HELLO_LEN / 1024 + 1) * RECORD_HEADER_LEN
    + 16 * 1024;

/// Reads a ClientHello before a configuration is chosen: feed it TLS bytes until
/// [`Self::accepted`] has the whole hello, look at it, then [`Accepted::accept`].
///
/// ```
/// use padlock_tls::{Acceptor, Connection};
/// # fn configs(name: Option<&str>) -> std::sync::Arc<padlock_tls::ServerConfig> {
/// #     unimplemented!()
/// # }
/// # fn run(sock: &mut std::net::TcpStream) -> std::io::Result<Connection> {
/// let mut acceptor = Acceptor::new();
/// let accepted = loop {
///     if acceptor.read_tls_from(sock)? == 0 {
///         return Err(std::io::ErrorKind::UnexpectedEof.into());
///     }
///     match acceptor.accepted() {
///         Ok(Some(accepted)) => break accepted,
///         Ok(None) => continue,
///         Err(e) => {
///             acceptor.write_tls_to(sock)?; // the alert that explains `e`
///             return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
///         }
///     }
/// };
/// let config = configs(accepted.client_hello().server_name());
/// match accepted.accept(config) {
///     Ok(conn) => Ok(conn), // its first flight is queued: write_tls_to next
///     Err(rejected) => {
///         std::io::Write::write_all(sock, rejected.alert())?;
///         let e = rejected.into_error();
///         Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Acceptor {
    /// Every TLS byte read so far, replayed into the connection by [`Accepted::accept`].
    received: Vec<u8>,
    /// How much of `received` the deframer has walked.
    deframed: usize,
    joiner: HandshakeJoiner,
    /// The alert explaining `error`, still to be sent.
    alert: Vec<u8>,
    error: Option<Error>,
    /// The ClientHello was handed out.
    done: bool,
}

/// A whole ClientHello, read and parsed: look at it with [`Self::client_hello`], then
/// [`Self::accept`] with the configuration it calls for.
#[derive(Debug)]
pub struct Accepted {
    received: Vec<u8>,
    /// The ClientHello message (header included), decoded once when it was found.
    hello: Vec<u8>,
}

/// What the client offered, for choosing a configuration (RFC 8446 §4.1.2, §4.2).
/// Lists are in the client's order of preference and may hold values padlock does not
/// know (GREASE, RFC 8701, among them).
#[derive(Clone, Debug)]
pub struct ClientHello<'a> {
    /// `None` only if the bytes [`Acceptor::accepted`] decoded stopped decoding, which
    /// cannot happen; it then reads as a hello that offers nothing.
    hello: Option<wire::ClientHello<'a>>,
}

/// [`Accepted::accept`] failed: the error, and the TLS bytes (an alert, possibly after
/// a HelloRetryRequest) to send the client before closing.
#[derive(Debug)]
pub struct Rejected {
    error: Error,
    alert: Vec<u8>,
}

impl Default for Acceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl Acceptor {
    /// An acceptor waiting for a ClientHello.
    pub fn new() -> Self {
        Acceptor {
            received: Vec::new(),
            deframed: 0,
            joiner: HandshakeJoiner::with_max_message_len(MAX_CLIENT_HELLO_LEN),
            alert: Vec::new(),
            error: None,
            done: false,
        }
    }

    /// Takes TLS bytes received from the client; returns how many were taken (0 once
    /// [`MAX_BUFFERED`] bytes are held or the acceptor has failed).
    pub fn read_tls(&mut self, data: &[u8]) -> usize {
        let n = self.room().min(data.len());
        self.received.extend_from_slice(&data[..n]);
        n
    }

    /// Reads TLS bytes from `rd` (one `read` call). `Ok(0)` means end of file, or that
    /// no more can be taken (see [`Self::read_tls`]).
    pub fn read_tls_from(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        let room = self
            .room()
            .min(RECORD_HEADER_LEN + wire::MAX_CIPHERTEXT_LEN);
        if room == 0 {
            return Ok(0);
        }
        let start = self.received.len();
        self.received.resize(start + room, 0);
        let read = rd.read(&mut self.received[start..]);
        let n = *read.as_ref().unwrap_or(&0);
        self.received.truncate(start + n);
        read
    }

    /// The ClientHello, once all of it has arrived: `Ok(None)` means more bytes are
    /// needed. On an error, the alert that explains it waits in [`Self::pending_tls`];
    /// every later call returns the same error.
    pub fn accepted(&mut self) -> Result<Option<Accepted>, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.done {
            // Not the peer's doing, and nothing to tell it: no alert.
            return Err(Error::Internal(
                "the ClientHello was already taken from this Acceptor",
            ));
        }
        match self.find_client_hello() {
            Ok(Some(hello)) => {
                self.done = true;
                Ok(Some(Accepted {
                    received: std::mem::take(&mut self.received),
                    hello,
                }))
            }
            Ok(None) if self.room() == 0 => {
                let too_long = wire::DecodeError::new(
                    "ClientHello records",
                    wire::DecodeErrorKind::MessageTooLarge {
                        length: self.received.len(),
                        max: MAX_BUFFERED,
                    },
                );
                Err(self.fail(too_long.into()))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// TLS bytes to send the client (the alert after a failure).
    pub fn pending_tls(&self) -> &[u8] {
        &self.alert
    }

    /// Marks the first `n` bytes of [`Self::pending_tls`] as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.alert.drain(..n.min(self.alert.len()));
    }

    /// Writes pending TLS bytes to `wr` (one `write` call); returns the count written.
    pub fn write_tls_to(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        if self.alert.is_empty() {
            return Ok(0);
        }
        let n = wr.write(&self.alert)?;
        self.consume_tls(n);
        Ok(n)
    }

    /// Whether TLS bytes are waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.alert.is_empty()
    }

    fn room(&self) -> usize {
        if self.error.is_some() || self.done {
            return 0;
        }
        MAX_BUFFERED.saturating_sub(self.received.len())
    }

    /// Walks the records read so far (RFC 8446 §5.1) into the handshake joiner until the
    /// first handshake message is whole, and requires it to be a ClientHello.
    fn find_client_hello(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let deframer = Deframer::new();
        while let Some(span) = deframer.peek(&self.received[self.deframed..])? {
            let payload = &self.received[self.deframed..][span.payload.clone()];
            self.deframed += span.payload.end;
            match span.header.content_type {
                ContentType::Handshake => self.joiner.push(payload)?,
                ContentType::Alert => {
                    return Err(Error::AlertReceived(Alert::decode(payload)?.description))
                }
                // The deframer passes only the four TLS 1.3 types, all named.
                other => {
                    let got = other.name().unwrap_or("a record of another type");
                    return Err(unexpected("ClientHello", got));
                }
            }
            if let Some(raw) = self.joiner.next_raw_message()? {
                return match wire::ClientHello::decode_message(raw)? {
                    // Kept (one copy) for `Accepted::client_hello` to read again.
                    Some(_) => Ok(Some(raw.to_vec())),
                    None => Err(unexpected(
                        "ClientHello",
                        HandshakePayload::decode(raw)?.name(),
                    )),
                };
            }
        }
        Ok(None)
    }

    /// Records `e` and queues the plaintext alert that explains it (RFC 8446 §6.2).
    fn fail(&mut self, e: Error) -> Error {
        self.alert = alert_record(&e);
        self.error = Some(e.clone());
        e
    }
}

impl Accepted {
    /// What the client offered.
    pub fn client_hello(&self) -> ClientHello<'_> {
        let hello = wire::ClientHello::decode_message(&self.hello)
            .ok()
            .flatten();
        ClientHello { hello }
    }

    /// Starts the server connection with `config`, continuing with the bytes already
    /// read. On success the server's first flight is queued in the connection (call
    /// `write_tls_to`); on failure [`Rejected::alert`] holds what to send the client.
    pub fn accept(self, config: Arc<ServerConfig>) -> Result<Connection, Rejected> {
        let mut conn = Connection::server(config).map_err(Rejected::before_connection)?;
        let mut rest = self.received.as_slice();
        loop {
            let n = conn.read_tls(rest);
            rest = &rest[n..];
            if let Err(error) = conn.process_new_packets() {
                let alert = conn.pending_tls().to_vec();
                return Err(Rejected { error, alert });
            }
            if rest.is_empty() {
                return Ok(conn);
            }
            if n == 0 {
                // The connection's receive buffer is full and processing freed nothing.
                return Err(Rejected::before_connection(Error::Internal(
                    "the connection could not take the bytes read with the ClientHello",
                )));
            }
        }
    }
}

impl<'a> ClientHello<'a> {
    /// The host name the client asked for (server_name, RFC 6066 §3).
    pub fn server_name(&self) -> Option<&str> {
        self.extensions()?.server_name.as_deref()
    }

    /// The application protocols offered (ALPN, RFC 7301 §3.1); none if none.
    pub fn alpn(&self) -> impl Iterator<Item = &[u8]> + use<'_, 'a> {
        let names = self.extensions().and_then(|e| e.alpn.as_ref());
        names.into_iter().flatten().filter_map(|name| match name.0 {
            // A decoded name borrows the message.
            Cow::Borrowed(name) => Some(name),
            Cow::Owned(_) => None,
        })
    }

    /// The cipher suites offered (RFC 8446 §4.1.2).
    pub fn cipher_suites(&self) -> impl Iterator<Item = CipherSuite> + use<'_, 'a> {
        self.hello.iter().flat_map(|h| h.cipher_suites.iter())
    }

    /// The key exchange groups supported (supported_groups, RFC 8446 §4.2.7).
    pub fn supported_groups(&self) -> impl Iterator<Item = NamedGroup> + use<'_, 'a> {
        let groups = self.extensions().and_then(|e| e.supported_groups.as_ref());
        groups.into_iter().flatten()
    }

    /// The groups the client sent key shares for (key_share, RFC 8446 §4.2.8).
    pub fn key_share_groups(&self) -> impl Iterator<Item = NamedGroup> + use<'_, 'a> {
        let shares = self.extensions().and_then(|e| e.key_share.as_ref());
        shares.into_iter().flatten().map(|share| share.group)
    }

    /// The signature schemes accepted in CertificateVerify (signature_algorithms, RFC
    /// 8446 §4.2.3).
    pub fn signature_schemes(&self) -> impl Iterator<Item = SignatureScheme> + use<'_, 'a> {
        let schemes = self
            .extensions()
            .and_then(|e| e.signature_algorithms.as_ref());
        schemes.into_iter().flatten()
    }

    /// The protocol versions offered (supported_versions, RFC 8446 §4.2.1); none for a
    /// client that only speaks TLS 1.2 or older.
    pub fn supported_versions(&self) -> impl Iterator<Item = ProtocolVersion> + use<'_, 'a> {
        let versions = self
            .extensions()
            .and_then(|e| e.supported_versions.as_ref());
        versions.into_iter().flatten()
    }

    fn extensions(&self) -> Option<&wire::ClientHelloExtensions<'a>> {
        self.hello.as_ref().map(|h| &h.extensions)
    }
}

impl Rejected {
    fn before_connection(error: Error) -> Self {
        let alert = alert_record(&error);
        Rejected { error, alert }
    }

    /// Why the connection was refused.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The TLS bytes to send the client before closing (its alert explains the error).
    pub fn alert(&self) -> &[u8] {
        &self.alert
    }

    /// The error, dropping the bytes.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Rejected {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<Rejected> for Error {
    fn from(rejected: Rejected) -> Self {
        rejected.error
    }
}

/// The unprotected alert record that explains `error` (RFC 8446 §6.2; nothing is
/// protected before the ClientHello is answered), or nothing if no alert is due.
fn alert_record(error: &Error) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(description) = alert::alert_for(error) {
        wire::write_plaintext_records(
            &mut out,
            ContentType::Alert,
            ProtocolVersion::TLSv1_2,
            &Alert::fatal(description).to_vec(),
            wire::MAX_PLAINTEXT_LEN,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use padlock_crypto::{AwsLcProvider, Provider};

    use super::*;
    use crate::{danger, AlertDescription, ClientConfig, PeerMisbehaved, ServerName};

    fn provider() -> Arc<dyn Provider> {
        Arc::new(AwsLcProvider)
    }

    fn server_config(alpn: &[&[u8]]) -> Arc<ServerConfig> {
        let key = crate::stream::tests::local_ca().0.clone();
        let mut config = ServerConfig::new(provider(), key);
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    /// A client to `name` offering `alpn`, and its ClientHello as sent.
    fn client(name: &str, alpn: &[&[u8]]) -> (Connection, Vec<u8>) {
        let mut config = ClientConfig::new(provider(), Arc::new(danger::NoServerVerification));
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let name = ServerName::try_from(name).unwrap();
        let mut client = Connection::client(Arc::new(config), name).unwrap();
        let hello = client.pending_tls().to_vec();
        client.consume_tls(hello.len());
        (client, hello)
    }

    /// Moves everything `from` has queued into `to`.
    fn pump(from: &mut Connection, to: &mut Connection) {
        let bytes = from.pending_tls().to_vec();
        from.consume_tls(bytes.len());
        assert_eq!(to.read_tls(&bytes), bytes.len());
        to.process_new_packets().unwrap();
    }

    /// `records` of `content_type` with these payloads, as a client sends them first.
    fn records(content_type: u8, payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for payload in payloads {
            out.extend_from_slice(&[content_type, 3, 1]);
            out.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
            out.extend_from_slice(payload);
        }
        out
    }

    /// The one unprotected fatal alert record for `description`.
    fn alert_bytes(description: AlertDescription) -> Vec<u8> {
        vec![21, 3, 3, 0, 2, 2, description.to_wire()]
    }

    #[test]
    fn shows_what_the_client_offered_and_continues_the_handshake_with_the_chosen_config() {
        let (mut client, hello) = client("Two.Example", &[b"h2", b"http/1.1"]);
        let mut acceptor = Acceptor::new();
        // One byte at a time: the hello is announced only when it is all there.
        let (last, head) = hello.split_last().unwrap();
        for byte in head {
            assert_eq!(acceptor.read_tls(std::slice::from_ref(byte)), 1);
            assert!(acceptor.accepted().unwrap().is_none());
        }
        acceptor.read_tls(std::slice::from_ref(last));
        let accepted = acceptor.accepted().unwrap().expect("a whole ClientHello");

        let seen = accepted.client_hello();
        assert_eq!(seen.server_name(), Some("two.example"));
        assert_eq!(seen.alpn().collect::<Vec<_>>(), [&b"h2"[..], b"http/1.1"]);
        assert!(seen
            .cipher_suites()
            .any(|s| s == CipherSuite::TLS_AES_128_GCM_SHA256));
        assert!(seen.supported_groups().any(|g| g == NamedGroup::x25519));
        assert!(seen.key_share_groups().any(|g| g == NamedGroup::x25519));
        assert!(seen
            .signature_schemes()
            .any(|s| s == SignatureScheme::ecdsa_secp256r1_sha256));
        assert_eq!(
            seen.supported_versions().collect::<Vec<_>>(),
            [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
        );

        // The configuration chosen for that name speaks only http/1.1.
        let mut server = accepted.accept(server_config(&[b"http/1.1"])).unwrap();
        pump(&mut server, &mut client);
        pump(&mut client, &mut server);
        assert!(!client.is_handshaking() && !server.is_handshaking());
        assert_eq!(server.alpn_protocol(), Some(&b"http/1.1"[..]));
        assert_eq!(server.server_name(), Some("two.example"));
    }

    #[test]
    fn a_hello_split_over_records_is_replayed_whole() {
        let (mut client, hello) = client("localhost", &[]);
        let body = &hello[RECORD_HEADER_LEN..];
        let (a, b) = body.split_at(body.len() / 2);
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&records(22, &[a]));
        assert!(acceptor.accepted().unwrap().is_none());
        acceptor.read_tls(&records(22, &[b]));
        let accepted = acceptor.accepted().unwrap().unwrap();
        let mut server = accepted.accept(server_config(&[])).unwrap();
        pump(&mut server, &mut client);
        pump(&mut client, &mut server);
        assert!(!server.is_handshaking());
    }

    #[test]
    fn bytes_read_after_the_hello_reach_the_connection() {
        let (_client, hello) = client("localhost", &[]);
        let mut bytes = hello;
        // A protected record that is not under the handshake keys (§5.2: bad_record_mac).
        bytes.extend_from_slice(&records(23, &[&[0x55; 32]]));
        let mut acceptor = Acceptor::new();
        assert_eq!(acceptor.read_tls(&bytes), bytes.len());
        let accepted = acceptor.accepted().unwrap().unwrap();
        let rejected = accepted.accept(server_config(&[])).unwrap_err();
        assert_eq!(rejected.error(), &Error::DecryptFailed, "{rejected}");
        assert!(rejected.alert().len() > 7, "ServerHello.. then the alert");
    }

    #[test]
    fn a_first_record_that_is_not_a_handshake_gets_unexpected_message() {
        for first in [records(23, &[b"GET / HTTP/1.1\r\n"]), records(20, &[&[1]])] {
            let mut acceptor = Acceptor::new();
            acceptor.read_tls(&first);
            let err = acceptor.accepted().unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
                ),
                "{err:?}"
            );
            assert_eq!(
                acceptor.pending_tls(),
                alert_bytes(AlertDescription::UnexpectedMessage)
            );
            assert_eq!(acceptor.accepted().unwrap_err(), err, "the error sticks");
        }
    }

    #[test]
    fn a_first_handshake_message_that_is_not_a_client_hello_gets_unexpected_message() {
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&records(22, &[&[24, 0, 0, 1, 0]])); // KeyUpdate
        let err = acceptor.accepted().unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
                expected: "ClientHello",
                got: "key_update"
            })
        );
    }

    #[test]
    fn a_malformed_client_hello_gets_decode_error_and_the_alert_can_be_written() {
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&records(22, &[&[1, 0, 0, 2, 3, 3]])); // legacy_version, then nothing
        let err = acceptor.accepted().unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        let mut sent = Vec::new();
        while acceptor.wants_write() {
            acceptor.write_tls_to(&mut sent).unwrap();
        }
        assert_eq!(sent, alert_bytes(AlertDescription::DecodeError));
        assert_eq!(acceptor.read_tls(b"more"), 0, "nothing more is taken");
    }

    #[test]
    fn a_client_alert_instead_of_a_hello_is_reported_and_not_answered() {
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&records(21, &[&[2, 40]]));
        assert_eq!(
            acceptor.accepted().unwrap_err(),
            Error::AlertReceived(AlertDescription::HandshakeFailure)
        );
        assert!(!acceptor.wants_write());
    }

    #[test]
    fn a_hello_longer_than_the_encoding_allows_is_refused_when_announced() {
        let len = u32::try_from(MAX_CLIENT_HELLO_LEN + 1)
            .unwrap()
            .to_be_bytes();
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&records(22, &[&[1, len[1], len[2], len[3]]]));
        assert!(acceptor.accepted().is_err());
        assert!(acceptor.wants_write());
    }

    #[test]
    fn buffering_is_bounded_even_for_a_hello_in_tiny_records() {
        let len = u32::try_from(MAX_CLIENT_HELLO_LEN).unwrap().to_be_bytes();
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&records(22, &[&[1, len[1], len[2], len[3]]]));
        let tiny = records(22, &[&[0]]);
        let mut fed = 0;
        while acceptor.read_tls(&tiny) > 0 {
            fed += 1;
            assert!(fed <= MAX_BUFFERED, "the acceptor kept taking bytes");
        }
        let e = acceptor.accepted().unwrap_err();
        assert_eq!(
            alert::alert_for(&e),
            Some(AlertDescription::DecodeError),
            "{e}"
        );
    }

    #[test]
    fn a_config_that_shares_nothing_with_the_client_is_rejected_with_its_alert() {
        let (_client, hello) = client("localhost", &[b"h2"]);
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&hello);
        let accepted = acceptor.accepted().unwrap().unwrap();
        let rejected = accepted.accept(server_config(&[b"imap"])).unwrap_err();
        assert_eq!(
            rejected.alert(),
            alert_bytes(AlertDescription::NoApplicationProtocol)
        );
        assert!(matches!(rejected.into_error(), Error::PeerIncompatible(_)));
    }

    #[test]
    fn a_second_call_after_the_hello_was_taken_is_an_error() {
        let (_client, hello) = client("localhost", &[]);
        let mut acceptor = Acceptor::new();
        acceptor.read_tls(&hello);
        assert!(acceptor.accepted().unwrap().is_some());
        assert!(acceptor.accepted().is_err());
        assert!(!acceptor.wants_write());
    }
}
