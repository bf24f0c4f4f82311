//! A tokio server reading 0-RTT data (RFC 8446 §2.3): `accept_with_early_data` hands the
//! stream over before the handshake completes, reads return the early data first and on
//! their own, and `early_data_read` counts exactly those bytes. The client is the blocking
//! engine on a thread, which can write early data.

mod support;

use std::io::{Read, Write};
use std::sync::Arc;

use padlock_tls::{Connection, EarlyDataStatus, Stream};
use padlock_tokio::TlsAcceptor;
use support::{localhost, Pki};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const EARLY: &[u8] = b"sent before the server answered";
const LATER: &[u8] = b"sent after the handshake";

/// A server taking 0-RTT data and a client sending it, both over the test CA, and a
/// listener; the client gets its ticket from a first, full handshake.
struct Setup {
    acceptor: TlsAcceptor,
    listener: tokio::net::TcpListener,
    client: std::thread::JoinHandle<(EarlyDataStatus, Vec<u8>)>,
    _pki: Pki,
}

/// Starts the client on a thread: a full handshake (its ticket kept in the config's
/// session store), then a resumption sending [`EARLY`] as early data and [`LATER`] after
/// the handshake; it returns what became of the early data and what the server sent.
async fn setup() -> Setup {
    let pki = Pki::new();
    let mut server_config = pki.server(&[]);
    server_config.max_early_data_size = 16 * 1024;
    let mut client_config = pki.client(&[]);
    client_config.enable_early_data = true;
    let client_config = Arc::new(client_config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        let mut conn = Connection::client(client_config.clone(), localhost()).unwrap();
        let mut rest = Vec::new();
        Stream::new(&mut conn, &mut sock)
            .read_to_end(&mut rest)
            .unwrap();
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        let mut conn = Connection::client(client_config, localhost()).unwrap();
        assert_eq!(conn.write_early_data(EARLY).unwrap(), EARLY.len());
        let mut stream = Stream::new(&mut conn, &mut sock);
        stream.complete_handshake().unwrap();
        stream.write_all(LATER).unwrap();
        stream.flush().unwrap();
        let mut echoed = Vec::new();
        stream.read_to_end(&mut echoed).unwrap();
        (conn.early_data_status(), echoed)
    });
    Setup {
        acceptor: TlsAcceptor::from(Arc::new(server_config)),
        listener,
        client,
        _pki: pki,
    }
}

impl Setup {
    /// Answers the client's first, full handshake (which gives it its ticket).
    async fn serve_first_connection(&self) {
        let (tcp, _) = self.listener.accept().await.unwrap();
        let mut first = self.acceptor.accept(tcp).await.unwrap();
        first.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn early_data_is_read_first_alone_and_counted() {
    let setup = setup().await;
    setup.serve_first_connection().await;

    let (tcp, _) = setup.listener.accept().await.unwrap();
    let mut s = setup.acceptor.accept_with_early_data(tcp).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 7];
    while got.len() < EARLY.len() + LATER.len() {
        let before = s.early_data_read();
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "the stream ended after {got:?}");
        let early_now = s.early_data_read() - before;
        // A read is all early data or none of it.
        assert!(
            early_now == 0 || early_now == n as u64,
            "{n} bytes, {early_now} early"
        );
        if early_now == 0 {
            assert_eq!(
                s.early_data_read(),
                EARLY.len() as u64,
                "later data before early"
            );
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(&got[..EARLY.len()], EARLY);
    assert_eq!(&got[EARLY.len()..], LATER);
    assert!(!s.get_ref().1.is_handshaking());
    s.write_all(&got).await.unwrap();
    s.shutdown().await.unwrap();

    let (status, echoed) = setup.client.join().unwrap();
    assert_eq!(status, EarlyDataStatus::Accepted);
    assert_eq!(echoed, got);
}

#[tokio::test]
async fn a_plain_accept_still_reads_early_data_first_after_the_handshake() {
    let setup = setup().await;
    setup.serve_first_connection().await;

    let (tcp, _) = setup.listener.accept().await.unwrap();
    let mut s = setup.acceptor.accept(tcp).await.unwrap();
    assert!(!s.get_ref().1.is_handshaking());
    let mut got = vec![0u8; EARLY.len() + LATER.len()];
    s.read_exact(&mut got).await.unwrap();
    assert_eq!(&got[..EARLY.len()], EARLY);
    assert_eq!(&got[EARLY.len()..], LATER);
    assert_eq!(s.early_data_read(), EARLY.len() as u64);
    s.shutdown().await.unwrap();
    let (status, _) = setup.client.join().unwrap();
    assert_eq!(status, EarlyDataStatus::Accepted);
}
