//! A connection's first bytes, read before its HTTP connection exists, handed back.
//!
//! `padlock serve` builds hyper's connection only once a client has sent something: until
//! then an idle connection (a browser's preconnect, a load tool's handshake) holds neither
//! hyper's connection state nor its 8 KiB read buffer. [`poll_first_bytes`] reads what
//! arrived first; [`Replay`] gives those bytes to hyper before the rest of the stream.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

use crate::forward::forward_async_write;

/// The most [`poll_first_bytes`] reads at once (a request head's first part; hyper reads
/// the rest from the stream).
const FIRST_READ: usize = 512;

/// Reads the first bytes that arrive on `io` (none at end of stream). The buffer lives
/// only during one poll, so a connection waiting here holds no buffer.
pub(crate) fn poll_first_bytes<IO: AsyncRead + Unpin>(
    io: &mut IO,
    cx: &mut Context<'_>,
) -> Poll<io::Result<Vec<u8>>> {
    let mut buf = [0u8; FIRST_READ];
    let mut read = ReadBuf::new(&mut buf);
    ready!(Pin::new(io).poll_read(cx, &mut read))?;
    Poll::Ready(Ok(read.filled().to_vec()))
}

/// `inner`, with `first` read from it already: reads return `first` before anything else.
#[derive(Debug)]
pub(crate) struct Replay<IO> {
    first: Vec<u8>,
    /// How much of `first` has been read again.
    at: usize,
    inner: IO,
}

impl<IO> Replay<IO> {
    pub(crate) fn new(first: Vec<u8>, inner: IO) -> Self {
        Replay {
            first,
            at: 0,
            inner,
        }
    }

    /// The stream, and what of the first bytes was not read again.
    pub(crate) fn into_parts(self) -> (Vec<u8>, IO) {
        let mut first = self.first;
        first.drain(..self.at);
        (first, self.inner)
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Replay<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.at < this.first.len() {
            let rest = &this.first[this.at..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.at += n;
            if this.at == this.first.len() {
                this.first = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

forward_async_write!(Replay, inner: IO);

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn the_first_bytes_come_back_before_the_rest_of_the_stream() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client.write_all(b"GET / HT").await.unwrap();
        let first = std::future::poll_fn(|cx| poll_first_bytes(&mut server, cx))
            .await
            .unwrap();
        assert_eq!(first, b"GET / HT");
        client.write_all(b"TP/1.1\r\n").await.unwrap();
        drop(client);
        let mut replay = Replay::new(first, server);
        let mut all = Vec::new();
        replay.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"GET / HTTP/1.1\r\n");
    }
}
