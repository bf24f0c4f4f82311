//! Flushing once per turn of a connection, not once per response.
//!
//! hyper's HTTP/2 (the h2 crate) flushes its transport after every DATA frame longer than
//! 256 bytes; with TLS underneath, each flush was one record and one system call per
//! response, however many responses were ready in the same turn of the connection task.
//! A [`Corked`] stream takes hyper's flushes while [`Cork::poll_connection`] is polling the
//! connection and owes them; once that poll returns, the connection loop flushes once for
//! all of them. Outside such a poll (an upgraded connection handed to another task, say)
//! a flush is a flush.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The connection loop's side: polls the connection and pays the owed flush.
#[derive(Debug)]
pub(crate) struct Cork<IO> {
    io: Mutex<IO>,
    /// Set while the connection is being polled: flushes are owed, not done.
    polling: AtomicBool,
    /// A flush was asked for and not yet done.
    owed: AtomicBool,
    /// The last call through the [`Corked`] half was a read that found nothing.
    read_pending: AtomicBool,
    /// Bytes were read since the last write.
    read_since_write: AtomicBool,
}

/// hyper's side: the stream, whose flushes are deferred while its connection is polled.
#[derive(Debug)]
pub(crate) struct Corked<IO>(Arc<Cork<IO>>);

impl<IO> Cork<IO> {
    /// Wraps `io`; give the [`Corked`] half to hyper.
    pub(crate) fn new(io: IO) -> (Arc<Self>, Corked<IO>) {
        let cork = Arc::new(Cork {
            io: Mutex::new(io),
            polling: AtomicBool::new(false),
            owed: AtomicBool::new(false),
            read_pending: AtomicBool::new(false),
            read_since_write: AtomicBool::new(false),
        });
        (cork.clone(), Corked(cork))
    }
}

impl<IO: AsyncWrite + Unpin> Cork<IO> {
    /// Polls the connection with `poll` (which writes through the [`Corked`] half), then
    /// does the flush it asked for, if any. A flush that cannot finish now is retried at
    /// the next poll; the transport has registered the task's waker for it.
    pub(crate) fn poll_connection<T>(
        &self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.polling.store(true, Ordering::Relaxed);
        let polled = poll(cx);
        self.polling.store(false, Ordering::Relaxed);
        if self.owed.load(Ordering::Relaxed) {
            // An error here surfaces at the connection's next read or write.
            let flushed = Pin::new(&mut *self.lock()).poll_flush(cx);
            if flushed.is_ready() {
                self.owed.store(false, Ordering::Relaxed);
            }
        }
        polled
    }
}

impl<IO> Cork<IO> {
    /// Whether the [`Corked`] half waits to read, with nothing read since its last write:
    /// its last call was a read that found nothing, and the bytes read before it were
    /// answered. hyper's HTTP/1.1 connection, with half-close allowed, reads only while it
    /// waits for a request head: this tells a connection idle between requests from one
    /// writing a response or holding part of a request head.
    pub(crate) fn waits_to_read(&self) -> bool {
        self.read_pending.load(Ordering::Relaxed) && !self.read_since_write.load(Ordering::Relaxed)
    }

    /// Notes a read's outcome (`filled`: how many bytes it gave).
    fn record_read(&self, read: &Poll<io::Result<()>>, filled: usize) {
        self.read_pending
            .store(read.is_pending(), Ordering::Relaxed);
        if filled > 0 {
            self.read_since_write.store(true, Ordering::Relaxed);
        }
    }

    /// Notes a write.
    fn record_write(&self) {
        self.read_pending.store(false, Ordering::Relaxed);
        self.read_since_write.store(false, Ordering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, IO> {
        // Only this connection's task takes the lock, one call at a time; a panic inside
        // the transport leaves nothing half-changed that a later call could trip over.
        self.io.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Corked<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut *self.0.lock()).poll_read(cx, buf);
        self.0.record_read(&read, buf.filled().len() - before);
        read
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Corked<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.record_write();
        Pin::new(&mut *self.0.lock()).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.record_write();
        Pin::new(&mut *self.0.lock()).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.lock().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.0.polling.load(Ordering::Relaxed) {
            self.0.owed.store(true, Ordering::Relaxed);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut *self.0.lock()).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Shutting down flushes first (a TLS stream also sends close_notify).
        Pin::new(&mut *self.0.lock()).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};

    use super::*;

    #[tokio::test]
    async fn flushes_during_a_connection_poll_are_paid_once_after_it() {
        let (near, mut far) = tokio::io::duplex(1024);
        // A buffering writer stands in for the TLS stream: bytes leave only on flush.
        let (cork, mut corked) = Cork::new(BufWriter::new(near));
        let mut connection = Box::pin(async move {
            for piece in [&b"one "[..], b"two ", b"three"] {
                corked.write_all(piece).await.unwrap();
                corked.flush().await.unwrap();
            }
            corked
        });
        let corked =
            std::future::poll_fn(|cx| cork.poll_connection(cx, |cx| connection.as_mut().poll(cx)))
                .await;
        let mut got = [0u8; 13];
        far.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"one two three");
        // Outside a connection poll, a flush is immediate.
        let mut corked = corked;
        corked.write_all(b"!").await.unwrap();
        corked.flush().await.unwrap();
        let mut bang = [0u8; 1];
        far.read_exact(&mut bang).await.unwrap();
        assert_eq!(&bang, b"!");
    }
}
