//! Alerts reach the peer: a server that refuses a client in the handshake answers with a
//! fatal alert, and the client reads that alert even though it was still sending when the
//! server gave up. Over real TCP on 127.0.0.1, because the failure this guards against is
//! the kernel's: a socket closed with unread data (or receiving data after close) sends a
//! reset, and a reset makes the peer's kernel drop the alert before the peer reads it.

mod support;

use std::sync::Arc;
use std::time::Duration;

use padlock_tls::{AlertDescription, Error};
use padlock_tokio::{TlsAcceptor, TlsConnector};
use support::{localhost, Pki};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The TLS error inside an I/O error, if any.
fn tls_error(e: &std::io::Error) -> Option<&Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Error>())
}

#[tokio::test]
async fn a_client_without_a_certificate_that_keeps_writing_reads_certificate_required() {
    let pki = Pki::new();
    let acceptor = TlsAcceptor::from(Arc::new(pki.server_requiring_client_cert()));
    let connector = TlsConnector::from(Arc::new(pki.client(&[])));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await.map(|_| ()).unwrap_err()
    });

    let tcp = TcpStream::connect(addr).await.unwrap();
    // TLS 1.3: the client's handshake ends with its (empty) Certificate and Finished; the
    // server's verdict comes afterwards, while the client is already sending data.
    let mut tls = connector.connect(localhost(), tcp).await.unwrap();
    // Meanwhile the server refuses us and closes. Had it closed at once, these writes
    // would meet a reset (a broken pipe here), which is how clients come to report
    // "connection closed" instead of the alert: it must read what we send until we stop.
    let chunk = vec![7u8; 4096];
    for i in 0..16 {
        tls.write_all(&chunk).await.unwrap_or_else(|e| {
            panic!("write {i} failed: the server reset the connection under us: {e}")
        });
        tls.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut buf = [0u8; 64];
    let err = tls.read(&mut buf).await.unwrap_err();
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(AlertDescription::CertificateRequired)),
        "the client should read the server's alert, not: {err} ({:?})",
        err.kind()
    );

    let seen = server.await.unwrap();
    assert!(
        matches!(tls_error(&seen), Some(Error::PeerIncompatible(_))),
        "{seen}"
    );
}

#[tokio::test]
async fn lingering_is_bounded_by_time_when_the_peer_never_closes() {
    let pki = Pki::new();
    let acceptor = TlsAcceptor::from(Arc::new(pki.server(&[])));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let started = tokio::time::Instant::now();
        let err = acceptor.accept(tcp).await.map(|_| ()).unwrap_err();
        (err, started.elapsed())
    });
    // Not a ClientHello: the server answers with an alert, then waits for us to close,
    // which we never do.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&[22, 3, 1, 0, 4, 2, 0, 0, 0]).await.unwrap();
    let mut alert = [0u8; 7];
    tcp.read_exact(&mut alert).await.unwrap();
    assert_eq!(alert[..5], [21, 3, 3, 0, 2], "an alert record");
    assert_eq!(
        tcp.read(&mut [0u8; 1]).await.unwrap(),
        0,
        "the server half-closed after its alert"
    );
    let (err, waited) = server.await.unwrap();
    assert!(tls_error(&err).is_some(), "{err}");
    assert!(
        waited >= padlock_tokio::LINGER_TIME && waited < padlock_tokio::LINGER_TIME * 3,
        "lingered {waited:?}"
    );
    drop(tcp);
}

#[tokio::test]
async fn a_write_that_meets_a_reset_reports_the_alert_that_came_before_it() {
    // A server that closes at once after its alert, the way servers without lingering do
    // (the blocking engine API by hand, so nothing here lingers).
    let pki = Pki::new();
    let config = Arc::new(pki.server_requiring_client_cert());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut conn = padlock_tls::Connection::server(config).unwrap();
        loop {
            conn.read_tls_from(&mut sock).unwrap();
            let result = conn.process_new_packets();
            while conn.wants_write() {
                conn.write_tls_to(&mut sock).unwrap();
            }
            if result.is_err() {
                return; // dropping the socket with the client's data unread: a reset
            }
        }
    });
    let connector = TlsConnector::from(Arc::new(pki.client(&[])));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector.connect(localhost(), tcp).await.unwrap();
    server.join().unwrap();
    let chunk = vec![7u8; 4096];
    let mut failure = None;
    for _ in 0..100 {
        if let Err(e) = tls.write_all(&chunk).await {
            failure = Some(e);
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let err = failure.expect("writing to a closed connection fails");
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(AlertDescription::CertificateRequired)),
        "the write should report the alert that arrived before the reset, not: {err}"
    );
}
