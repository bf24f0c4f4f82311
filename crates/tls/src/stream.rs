//! Blocking adapters: a [`Connection`] over any `Read + Write` (e.g. a `TcpStream`).
//!
//! After a fatal error the stream sends the alert that explains it (RFC 8446 §6.2) and
//! then reads and discards what the peer is still sending — until the peer closes, for at
//! most [`LINGER_BYTES`], and no more reads once [`LINGER_TIME`] has passed — before it
//! reports the error. A socket closed while the peer is still sending answers with a TCP
//! reset, and the peer then sees a broken pipe or "connection reset" instead of our alert
//! (`certificate_required`, say). A blocked read is bounded by the transport's own read
//! timeout, so give a socket one (`TcpStream::set_read_timeout`).

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::Connection;

/// How long a stream that sent a fatal alert keeps reading (and discarding) the peer's
/// bytes so that the peer reads the alert rather than a reset.
pub const LINGER_TIME: Duration = Duration::from_secs(1);

/// The most bytes discarded after a fatal alert.
pub const LINGER_BYTES: usize = 256 * 1024;

/// Borrows a connection and a socket; drives the handshake on first use.
///
/// `read` returns `Ok(0)` only after the peer's close_notify. A transport EOF without one
/// is an [`io::ErrorKind::UnexpectedEof`] error (RFC 8446 §6.1: a truncation must not look
/// like a clean end of the data); so is an EOF during the handshake.
#[derive(Debug)]
pub struct Stream<'a, S: Read + Write> {
    /// The TLS connection.
    pub conn: &'a mut Connection,
    /// The transport.
    pub sock: &'a mut S,
}

impl<'a, S: Read + Write> Stream<'a, S> {
    /// Wraps `conn` and `sock`.
    pub fn new(conn: &'a mut Connection, sock: &'a mut S) -> Self {
        Self { conn, sock }
    }

    /// Runs the handshake to completion.
    pub fn complete_handshake(&mut self) -> io::Result<()> {
        complete_handshake(self.conn, self.sock)
    }
}

impl<S: Read + Write> Read for Stream<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read(self.conn, self.sock, buf)
    }
}

impl<S: Read + Write> Write for Stream<'_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write(self.conn, self.sock, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        flush(self.conn, self.sock)
    }
}

/// Owns the connection and the socket. Ends of stream are reported as by [`Stream`].
#[derive(Debug)]
pub struct StreamOwned<S: Read + Write> {
    /// The TLS connection.
    pub conn: Connection,
    /// The transport.
    pub sock: S,
}

impl<S: Read + Write> StreamOwned<S> {
    /// Wraps `conn` and `sock`.
    pub fn new(conn: Connection, sock: S) -> Self {
        Self { conn, sock }
    }

    /// Runs the handshake to completion.
    pub fn complete_handshake(&mut self) -> io::Result<()> {
        complete_handshake(&mut self.conn, &mut self.sock)
    }

    /// Gives back the parts.
    pub fn into_parts(self) -> (Connection, S) {
        (self.conn, self.sock)
    }
}

impl<S: Read + Write> Read for StreamOwned<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read(&mut self.conn, &mut self.sock, buf)
    }
}

impl<S: Read + Write> Write for StreamOwned<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write(&mut self.conn, &mut self.sock, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        flush(&mut self.conn, &mut self.sock)
    }
}

fn to_io(e: crate::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

fn send_all<S: Write>(conn: &mut Connection, sock: &mut S) -> io::Result<()> {
    while conn.wants_write() {
        // A signal that interrupts the write wrote nothing: try again, as std's
        // `write_all` does.
        match conn.write_tls_to(sock) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => other?,
        };
    }
    Ok(())
}

/// Reads one chunk from the socket and processes it; `Ok(false)` on EOF.
fn read_some<S: Read + Write>(conn: &mut Connection, sock: &mut S) -> io::Result<bool> {
    // A signal that interrupts the read read nothing: try again, as std's `read_exact`
    // does.
    let n = loop {
        match conn.read_tls_from(sock) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other?,
        }
    };
    let result = conn.process_new_packets();
    let alert_queued = result.is_err() && conn.wants_write();
    // Whatever happened, the alert (or handshake reply) goes out before we report it.
    send_all(conn, sock)?;
    if alert_queued {
        linger(sock, LINGER_TIME, LINGER_BYTES)?;
    }
    result.map_err(to_io)?;
    Ok(n > 0)
}

/// After a fatal alert went out: reads and discards until the peer closes, a read fails
/// (a read timeout, say), `max_bytes` have come or `max_time` has passed, so that closing
/// the socket afterwards does not reset data in flight (see the module docs).
fn linger<S: Read + Write>(sock: &mut S, max_time: Duration, max_bytes: usize) -> io::Result<()> {
    sock.flush()?;
    let started = Instant::now();
    let mut sink = [0u8; 4096];
    let mut discarded = 0;
    while discarded < max_bytes && started.elapsed() < max_time {
        match sock.read(&mut sink) {
            Ok(0) | Err(_) => break, // the peer closed, or there is no one left to tell
            Ok(n) => discarded += n,
        }
    }
    Ok(())
}

fn complete_handshake<S: Read + Write>(conn: &mut Connection, sock: &mut S) -> io::Result<()> {
    send_all(conn, sock)?;
    while conn.is_handshaking() {
        if !read_some(conn, sock)? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection during the handshake",
            ));
        }
    }
    send_all(conn, sock)
}

fn read<S: Read + Write>(conn: &mut Connection, sock: &mut S, buf: &mut [u8]) -> io::Result<usize> {
    complete_handshake(conn, sock)?;
    loop {
        let n = conn.read_plaintext(buf);
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        let state = conn.process_new_packets().map_err(to_io)?;
        if state.peer_has_closed && state.plaintext_bytes_to_read == 0 {
            return Ok(0);
        }
        if state.plaintext_bytes_to_read > 0 {
            continue;
        }
        if !read_some(conn, sock)? {
            let n = conn.read_plaintext(buf);
            if n > 0 {
                return Ok(n);
            }
            // RFC 8446 §6.1: only close_notify ends the stream cleanly. A transport EOF
            // without it may be an attacker cutting the data short, so it must not look
            // like the end of the data: report it as an error.
            return Err(truncated());
        }
    }
}

/// The error for a transport EOF that no close_notify preceded.
fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the connection without close_notify: the data may be truncated",
    )
}

fn write<S: Read + Write>(conn: &mut Connection, sock: &mut S, buf: &[u8]) -> io::Result<usize> {
    complete_handshake(conn, sock)?;
    let n = conn.write_plaintext(buf).map_err(to_io)?;
    send_all(conn, sock).map_err(|e| explain(conn, sock, e))?;
    Ok(n)
}

/// A write failed because the peer is gone (a broken pipe or a reset): if it sent an
/// alert before it went, that alert says why, so read what is left (the connection is
/// dead, so the read does not wait). Any other failure, or no alert, stands as it is.
fn explain<S: Read + Write>(
    conn: &mut Connection,
    sock: &mut S,
    write_error: io::Error,
) -> io::Error {
    if !matches!(
        write_error.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    ) {
        return write_error;
    }
    match conn.read_tls_from(sock) {
        Ok(n) if n > 0 => match conn.process_new_packets() {
            Err(e) => to_io(e),
            Ok(_) => write_error,
        },
        _ => write_error,
    }
}

fn flush<S: Read + Write>(conn: &mut Connection, sock: &mut S) -> io::Result<()> {
    send_all(conn, sock)?;
    sock.flush()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::{Arc, OnceLock};

    use padlock_crypto::{AwsLcProvider, Provider};
    use padlock_pki::ca::{InitOptions, LocalCa};

    use super::*;
    use crate::{
        danger, AlertDescription, CertifiedKey, ClientAuth, ClientConfig, Error, RootStore,
        ServerConfig, ServerName, WebPkiClientVerifier, WebPkiServerVerifier,
    };

    /// A transport whose far end is an in-memory server [`Connection`], driven inside
    /// `read`/`write`. When the server has nothing to send, `read` reports EOF: the server
    /// "closed the socket".
    struct Loopback {
        server: Connection,
    }

    impl Write for Loopback {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = self.server.read_tls(buf);
            self.server.process_new_packets().map_err(to_io)?;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Read for Loopback {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let pending = self.server.pending_tls();
            let n = pending.len().min(buf.len());
            buf[..n].copy_from_slice(&pending[..n]);
            self.server.consume_tls(n);
            Ok(n)
        }
    }

    fn provider() -> Arc<dyn Provider> {
        Arc::new(AwsLcProvider)
    }

    /// A localhost certificate from our own local CA, and that CA's root, made once per
    /// test binary.
    pub(crate) fn local_ca() -> &'static (Arc<CertifiedKey>, Arc<RootStore>) {
        static CA: OnceLock<(Arc<CertifiedKey>, Arc<RootStore>)> = OnceLock::new();
        CA.get_or_init(|| {
            let home = std::env::temp_dir().join(format!("padlock-stream-{}", std::process::id()));
            let p = AwsLcProvider;
            let ca = LocalCa::open_or_init(&p, &home, InitOptions::default()).unwrap();
            let leaf = ca.localhost_leaf().unwrap();
            let mut roots = RootStore::new();
            roots.add_der(ca.root_der()).unwrap();
            std::fs::remove_dir_all(&home).unwrap();
            let key =
                CertifiedKey::from_pem(&p, leaf.chain_pem.as_bytes(), leaf.key_pem.as_bytes());
            (Arc::new(key.unwrap()), Arc::new(roots))
        })
    }

    fn server_key() -> Arc<CertifiedKey> {
        local_ca().0.clone()
    }

    /// A client connection and a transport to a server, with the handshake done and
    /// `data` sent by the server (then close_notify if `close_notify`).
    fn connected(data: &[u8], close_notify: bool) -> (Connection, Loopback) {
        let server = Connection::server(Arc::new(ServerConfig::new(provider(), server_key())));
        let mut sock = Loopback {
            server: server.unwrap(),
        };
        // The protocol, not the chain, is under test here.
        let config = ClientConfig::new(provider(), Arc::new(danger::NoServerVerification));
        let name = ServerName::try_from("localhost").unwrap();
        let mut client = Connection::client(Arc::new(config), name).unwrap();
        Stream::new(&mut client, &mut sock)
            .complete_handshake()
            .unwrap();
        assert_eq!(sock.server.write_plaintext(data).unwrap(), data.len());
        if close_notify {
            sock.server.send_close_notify();
        }
        (client, sock)
    }

    /// A [`Loopback`] whose every other call is interrupted by a signal (EINTR).
    struct Interrupted {
        inner: Loopback,
        interrupt: bool,
    }

    impl Interrupted {
        fn interrupted(&mut self) -> bool {
            self.interrupt = !self.interrupt;
            self.interrupt
        }
    }

    impl Write for Interrupted {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.interrupted() {
                return Err(io::ErrorKind::Interrupted.into());
            }
            self.inner.write(buf)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Read for Interrupted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.interrupted() {
                return Err(io::ErrorKind::Interrupted.into());
            }
            self.inner.read(buf)
        }
    }

    #[test]
    fn interrupted_reads_and_writes_are_retried() {
        let server = Connection::server(Arc::new(ServerConfig::new(provider(), server_key())));
        let mut sock = Interrupted {
            inner: Loopback {
                server: server.unwrap(),
            },
            interrupt: false,
        };
        let config = ClientConfig::new(provider(), Arc::new(danger::NoServerVerification));
        let name = ServerName::try_from("localhost").unwrap();
        let mut client = Connection::client(Arc::new(config), name).unwrap();
        let mut stream = Stream::new(&mut client, &mut sock);
        stream.complete_handshake().unwrap();
        stream.write_all(b"ping").unwrap();
    }

    #[test]
    fn close_notify_ends_the_stream_cleanly() {
        let (mut client, mut sock) = connected(b"all of it", true);
        let mut got = Vec::new();
        Stream::new(&mut client, &mut sock)
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, b"all of it");
    }

    #[test]
    fn eof_without_close_notify_is_an_unexpected_eof_error_after_the_data() {
        let (client, sock) = connected(b"part of it", false);
        let mut stream = StreamOwned::new(client, sock);
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"part of it");
        let err = stream.read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("close_notify"), "{err}");
        // Asking again does not turn the truncation into a clean end.
        let again = stream.read(&mut buf).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn read_to_end_reports_a_truncation_but_keeps_the_data() {
        let (mut client, mut sock) = connected(b"cut short", false);
        let mut got = Vec::new();
        let err = Stream::new(&mut client, &mut sock)
            .read_to_end(&mut got)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(got, b"cut short");
    }

    #[test]
    fn eof_during_the_handshake_is_an_unexpected_eof_error() {
        let config = ClientConfig::new(provider(), Arc::new(danger::NoServerVerification));
        let name = ServerName::try_from("localhost").unwrap();
        let mut client = Connection::client(Arc::new(config), name).unwrap();
        // A transport that swallows what is written and is closed for reading.
        let mut sock = io::Cursor::new(Vec::new());
        let err = Stream::new(&mut client, &mut sock)
            .complete_handshake()
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    /// A server configuration requiring a client certificate from the local CA, and a
    /// listener on a free port of 127.0.0.1.
    fn server_requiring_client_cert() -> (Arc<ServerConfig>, std::net::TcpListener) {
        let (key, roots) = local_ca();
        let mut server = ServerConfig::new(provider(), key.clone());
        let verifier = WebPkiClientVerifier::new(provider(), roots.clone());
        server.client_auth = ClientAuth::Required(Arc::new(verifier));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        (Arc::new(server), listener)
    }

    /// A client to localhost trusting the local CA, without a certificate of its own.
    fn verifying_client() -> Connection {
        let verifier = WebPkiServerVerifier::new(provider(), local_ca().1.clone());
        let config = Arc::new(ClientConfig::new(provider(), Arc::new(verifier)));
        let name = ServerName::try_from("localhost").unwrap();
        Connection::client(config, name).unwrap()
    }

    #[test]
    fn a_client_without_a_certificate_that_keeps_writing_reads_certificate_required() {
        let (server, listener) = server_requiring_client_cert();
        let listener_addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (sock, _) = listener.accept().unwrap();
            sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let conn = Connection::server(server).unwrap();
            StreamOwned::new(conn, sock)
                .complete_handshake()
                .unwrap_err()
        });

        let sock = std::net::TcpStream::connect(listener_addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut client = StreamOwned::new(verifying_client(), sock);
        // TLS 1.3: our handshake is over once our (empty) Certificate and Finished are
        // sent; the server refuses us while we are already writing. Had it closed at once,
        // these writes would meet a reset (a broken pipe) and the alert would be lost.
        client.complete_handshake().unwrap();
        for i in 0..16 {
            client.write_all(&[7u8; 4096]).unwrap_or_else(|e| {
                panic!("write {i} failed: the server reset the connection under us: {e}")
            });
            std::thread::sleep(Duration::from_millis(5));
        }
        let err = client.read(&mut [0u8; 64]).unwrap_err();
        let got = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
        assert_eq!(
            got,
            Some(&Error::AlertReceived(AlertDescription::CertificateRequired)),
            "{err}"
        );
        drop(client); // what a client does after a fatal alert; the server stops lingering
        let seen = server.join().unwrap();
        assert!(seen.to_string().contains("certificate"), "{seen}");
    }

    #[test]
    fn lingering_stops_when_the_peer_closes() {
        // Bytes still arriving, then the peer's EOF: everything is read, nothing waits
        // for the time limit.
        let mut sock = io::Cursor::new(vec![1u8; 10_000]);
        let started = Instant::now();
        linger(&mut sock, Duration::from_secs(30), LINGER_BYTES).unwrap();
        assert_eq!(sock.position(), 10_000);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn lingering_stops_after_its_byte_budget() {
        let mut sock = io::Cursor::new(vec![1u8; 100_000]);
        linger(&mut sock, Duration::from_secs(30), 8192).unwrap();
        assert_eq!(sock.position(), 8192);
    }

    #[test]
    fn a_write_that_meets_a_reset_reports_the_alert_that_came_before_it() {
        let (server, listener) = server_requiring_client_cert();
        let listener_addr = listener.local_addr().unwrap();
        // A server that closes at once after its alert (the engine by hand, no lingering).
        let server = std::thread::spawn(move || {
            let (mut sock, _) = listener.accept().unwrap();
            let mut conn = Connection::server(server).unwrap();
            loop {
                conn.read_tls_from(&mut sock).unwrap();
                let result = conn.process_new_packets();
                send_all(&mut conn, &mut sock).unwrap();
                if result.is_err() {
                    return; // the socket closes with our data unread: a reset
                }
            }
        });
        let sock = std::net::TcpStream::connect(listener_addr).unwrap();
        let mut client = StreamOwned::new(verifying_client(), sock);
        client.complete_handshake().unwrap();
        server.join().unwrap();
        let err = (0..100)
            .find_map(|_| {
                std::thread::sleep(Duration::from_millis(5));
                client.write_all(&[7u8; 4096]).err()
            })
            .expect("writing to a closed connection fails");
        let got = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
        assert_eq!(
            got,
            Some(&Error::AlertReceived(AlertDescription::CertificateRequired)),
            "{err}"
        );
    }
}
