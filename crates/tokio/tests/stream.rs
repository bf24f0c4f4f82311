//! The tokio adapter over the engine, in memory: data both ways, ALPN, close_notify on
//! shutdown as a clean EOF, a transport EOF without close_notify as an error, and
//! coalesced writes.

mod support;

use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use padlock_tokio::{TlsAcceptor, TlsConnector};
use support::{localhost, Pki};
use tokio::io::{duplex, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

struct Pair {
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    _pki: Pki,
}

fn pair(client_alpn: &[&[u8]]) -> Pair {
    let pki = Pki::new();
    Pair {
        acceptor: TlsAcceptor::from(Arc::new(pki.server(&[b"h2", b"http/1.1"]))),
        connector: TlsConnector::from(Arc::new(pki.client(client_alpn))),
        _pki: pki,
    }
}

#[tokio::test]
async fn carries_data_both_ways_and_negotiates_h2() {
    let p = pair(&[b"h2", b"http/1.1"]);
    let (c, s) = duplex(4096);
    let server = tokio::spawn(async move {
        let mut s = p.acceptor.accept(s).await.unwrap();
        assert_eq!(s.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let mut buf = vec![0u8; 5];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, b"hello");
        s.write_all(&vec![42u8; 200_000]).await.unwrap();
        s.shutdown().await.unwrap();
    });
    let mut c = p.connector.connect(localhost(), c).await.unwrap();
    assert_eq!(c.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
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
async fn a_client_that_trusts_another_ca_fails_the_handshake_and_the_server_hears_why() {
    let p = pair(&[]);
    let other = pair(&[]);
    let (c, s) = duplex(4096);
    let server = tokio::spawn(async move { p.acceptor.accept(s).await.unwrap_err() });
    let err = other.connector.connect(localhost(), c).await.unwrap_err();
    assert!(
        matches!(
            err.get_ref()
                .and_then(|e| e.downcast_ref::<padlock_tls::Error>()),
            Some(padlock_tls::Error::Certificate(_))
        ),
        "{err}"
    );
    let seen = server.await.unwrap();
    assert!(
        matches!(
            seen.get_ref()
                .and_then(|e| e.downcast_ref::<padlock_tls::Error>()),
            Some(padlock_tls::Error::AlertReceived(_))
        ),
        "the server read the client's alert: {seen}"
    );
}

#[tokio::test]
async fn get_mut_reaches_the_connection_for_exporters() {
    let p = pair(&[]);
    let (c, s) = duplex(4096);
    let server = tokio::spawn(async move {
        let s = p.acceptor.accept(s).await.unwrap();
        let mut out = [0u8; 32];
        s.get_ref()
            .1
            .export_keying_material(&mut out, b"EXPERIMENTAL test", None)
            .unwrap();
        (out, s)
    });
    let mut c = p.connector.connect(localhost(), c).await.unwrap();
    let mut ours = [0u8; 32];
    c.get_mut()
        .1
        .export_keying_material(&mut ours, b"EXPERIMENTAL test", None)
        .unwrap();
    let (theirs, _s) = server.await.unwrap();
    assert_eq!(ours, theirs);
    let (_io, conn) = c.into_inner();
    assert!(!conn.is_handshaking());
}

#[tokio::test]
async fn coalesced_writes_leave_in_one_record_at_the_flush() {
    let p = pair(&[]);
    let (c, s) = duplex(1 << 20);
    let sent = Arc::new(AtomicUsize::new(0));
    let counted = Counting {
        inner: s,
        sent: sent.clone(),
    };
    let server = tokio::spawn(async move {
        let mut s = p.acceptor.accept(counted).await.unwrap();
        let mut go = [0u8; 2];
        s.read_exact(&mut go).await.unwrap();
        s.set_coalesce_writes(true);
        let before = sent.load(Ordering::Relaxed);
        s.write_all(b"one ").await.unwrap();
        s.write_all(b"two ").await.unwrap();
        let pieces = [IoSlice::new(b"three "), IoSlice::new(b"four")];
        let n = s.write_vectored(&pieces).await.unwrap();
        assert_eq!(n, 10, "a vectored write is taken whole");
        assert_eq!(
            sent.load(Ordering::Relaxed),
            before,
            "nothing leaves before the flush"
        );
        s.flush().await.unwrap();
        // One TLS 1.3 record: a 5-byte header, the 18 bytes and their content type, a
        // 16-byte tag.
        assert_eq!(sent.load(Ordering::Relaxed) - before, 5 + 18 + 1 + 16);
        // More than a record's worth, in small and large writes, arrives whole and in order.
        for i in 0..40u8 {
            s.write_all(&[i; 1000]).await.unwrap();
        }
        s.write_all(&[99; 50_000]).await.unwrap();
        s.shutdown().await.unwrap();
    });
    let mut c = p.connector.connect(localhost(), c).await.unwrap();
    c.write_all(b"go").await.unwrap();
    c.flush().await.unwrap();
    let mut got = Vec::new();
    c.read_to_end(&mut got).await.unwrap();
    let mut want = b"one two three four".to_vec();
    for i in 0..40u8 {
        want.extend_from_slice(&[i; 1000]);
    }
    want.extend_from_slice(&[99; 50_000]);
    assert!(
        got == want,
        "got {} bytes, not the {} written",
        got.len(),
        want.len()
    );
    server.await.unwrap();
}

/// A transport that counts the bytes written to it.
struct Counting<IO> {
    inner: IO,
    sent: Arc<AtomicUsize>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Counting<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Counting<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            self.sent.fetch_add(n, Ordering::Relaxed);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
