//! LazyConfigAcceptor: the server reads the ClientHello, picks a configuration by what the
//! client offered, and the handshake continues with it; refusals reach the client.

mod support;

use std::sync::Arc;

use padlock_tls::{Acceptor, AlertDescription, Error};
use padlock_tokio::{LazyConfigAcceptor, TlsConnector};
use support::{localhost, Pki};
use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt, DuplexStream};

fn tls_error(e: &std::io::Error) -> Option<&Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Error>())
}

/// A server reading a ClientHello from `s` that must fail; resolves to its error.
fn expect_refusal(s: DuplexStream) -> tokio::task::JoinHandle<std::io::Error> {
    tokio::spawn(async move {
        let start = LazyConfigAcceptor::new(Acceptor::new(), s).await;
        start.map(|_| ()).unwrap_err()
    })
}

#[tokio::test]
async fn the_server_picks_its_configuration_by_the_hello_and_the_handshake_goes_on() {
    let pki = Arc::new(Pki::new());
    let connector = TlsConnector::from(Arc::new(pki.client(&[b"h2", b"http/1.1"])));
    let (c, s) = duplex(4096);
    let server_pki = pki.clone();
    let server = tokio::spawn(async move {
        let start = LazyConfigAcceptor::new(Acceptor::new(), s).await.unwrap();
        let hello = start.client_hello();
        assert_eq!(hello.server_name(), Some("localhost"));
        let offered: Vec<Vec<u8>> = hello.alpn().map(<[u8]>::to_vec).collect();
        assert_eq!(offered, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        // This name gets the configuration that speaks only HTTP/1.1.
        let config = match hello.server_name() {
            Some("localhost") => server_pki.server(&[b"http/1.1"]),
            _ => server_pki.server(&[b"h2"]),
        };
        let mut tls = start.into_stream(Arc::new(config)).await.unwrap();
        tls.write_all(b"chosen").await.unwrap();
        tls.shutdown().await.unwrap();
    });
    let mut tls = connector.connect(localhost(), c).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let mut got = Vec::new();
    tls.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"chosen");
    server.await.unwrap();
}

#[tokio::test]
async fn a_malformed_hello_is_answered_with_decode_error_and_a_close() {
    let (mut c, s) = duplex(4096);
    let server = expect_refusal(s);
    // A ClientHello that stops after its legacy_version.
    c.write_all(&[22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3])
        .await
        .unwrap();
    let mut answer = Vec::new();
    c.read_to_end(&mut answer).await.unwrap(); // the server half-closed after its alert
    assert_eq!(
        answer,
        [21, 3, 3, 0, 2, 2, AlertDescription::DecodeError.to_wire()]
    );
    drop(c);
    let err = server.await.unwrap();
    assert!(matches!(tls_error(&err), Some(Error::Decode(_))), "{err}");
}

#[tokio::test]
async fn a_configuration_that_cannot_serve_the_client_sends_its_alert() {
    let pki = Arc::new(Pki::new());
    let connector = TlsConnector::from(Arc::new(pki.client(&[b"h2"])));
    let (c, s) = duplex(4096);
    let server_pki = pki.clone();
    let server = tokio::spawn(async move {
        let start = LazyConfigAcceptor::new(Acceptor::new(), s).await.unwrap();
        let config = Arc::new(server_pki.server(&[b"imap"]));
        start.into_stream(config).await.map(|_| ()).unwrap_err()
    });
    let err = connector.connect(localhost(), c).await.unwrap_err();
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(
            AlertDescription::NoApplicationProtocol
        )),
        "{err}"
    );
    let seen = server.await.unwrap();
    assert!(
        matches!(tls_error(&seen), Some(Error::PeerIncompatible(_))),
        "{seen}"
    );
}

#[tokio::test]
async fn a_client_that_leaves_mid_hello_is_an_unexpected_eof() {
    let (mut c, s) = duplex(4096);
    let server = expect_refusal(s);
    c.write_all(&[22, 3, 1, 0, 200, 1]).await.unwrap();
    drop(c);
    let err = server.await.unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
}
