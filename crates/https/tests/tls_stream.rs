//! The tokio adapter over the engine, in memory: data both ways, ALPN, close_notify on
//! shutdown as a clean EOF, and a transport EOF without close_notify as an error.

use std::sync::Arc;

use padlock_https::credentials;
use padlock_https::{TlsAcceptor, TlsConnector};
use padlock_pki::ca::{InitOptions, LocalCa};
use padlock_tls::{ClientConfig, ServerName, WebPkiServerVerifier};
use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

struct Pair {
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    _home: tempfile::TempDir,
}

fn pair(client_alpn: &[&[u8]]) -> Pair {
    let home = tempfile::tempdir().unwrap();
    let provider = credentials::provider();
    let ca = LocalCa::open_or_init(provider.as_ref(), home.path(), InitOptions::default()).unwrap();
    let paths = ca.paths().clone();
    let key = credentials::load_certified_key(
        provider.as_ref(),
        &paths.localhost_chain(),
        &paths.localhost_key(),
    )
    .unwrap();
    let server = credentials::server_config(provider.clone(), key, None);
    let roots = credentials::load_roots(&paths.root_cert()).unwrap();
    let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), roots));
    let mut client = ClientConfig::new(provider, verifier);
    client.alpn_protocols = client_alpn.iter().map(|p| p.to_vec()).collect();
    Pair {
        acceptor: TlsAcceptor::from(server),
        connector: TlsConnector::from(Arc::new(client)),
        _home: home,
    }
}

fn localhost() -> ServerName {
    ServerName::try_from("localhost").unwrap()
}

#[tokio::test]
async fn carries_data_both_ways_and_negotiates_h2() {
    let p = pair(&[b"h2", b"http/1.1"]);
    let (c, s) = duplex(4096);
    let server = tokio::spawn(async move {
        let mut s = p.acceptor.accept(s).await.unwrap();
        assert_eq!(s.connection().alpn_protocol(), Some(&b"h2"[..]));
        let mut buf = vec![0u8; 5];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, b"hello");
        s.write_all(&vec![42u8; 200_000]).await.unwrap();
        s.shutdown().await.unwrap();
    });
    let mut c = p.connector.connect(localhost(), c).await.unwrap();
    c.write_all(b"hello").await.unwrap();
    c.flush().await.unwrap();
    let mut got = Vec::new();
    c.read_to_end(&mut got).await.unwrap(); // ends cleanly: close_notify arrived
    assert_eq!(got.len(), 200_000);
    assert!(got.iter().all(|&b| b == 42));
    server.await.unwrap();
}

#[tokio::test]
async fn eof_without_close_notify_is_an_error_not_a_short_read() {
    let p = pair(&[b"http/1.1"]);
    let (c, s) = duplex(4096);
    let server = tokio::spawn(async move {
        let mut s = p.acceptor.accept(s).await.unwrap();
        s.write_all(b"partial").await.unwrap();
        s.flush().await.unwrap();
        // Drop the transport without close_notify: a truncation attack looks like this.
        drop(s);
    });
    let mut c = p.connector.connect(localhost(), c).await.unwrap();
    let mut got = Vec::new();
    let err = c.read_to_end(&mut got).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert_eq!(got, b"partial");
    server.await.unwrap();
}

#[tokio::test]
async fn a_client_that_trusts_another_ca_fails_the_handshake() {
    let p = pair(&[]);
    let other = pair(&[]);
    let (c, s) = duplex(4096);
    let server = tokio::spawn(async move { p.acceptor.accept(s).await.is_err() });
    let result = other.connector.connect(localhost(), c).await;
    assert!(result.is_err());
    assert!(
        server.await.unwrap(),
        "the server saw the handshake fail too"
    );
}
