//! Response bodies: a boxed body type, small helpers, and a file body that streams a byte
//! range of a file in bounded chunks.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// The error type of bodies: anything that can go wrong while producing a body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type of every response padlock serves.
pub type Body = BoxBody<Bytes, BoxError>;

/// An empty body.
pub fn empty() -> Body {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed()
}

/// A body of the given bytes.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Chunk size of file bodies: large enough to fill TLS records, small enough that a slow
/// client holds little memory.
const CHUNK: usize = 64 * 1024;

/// Streams exactly `remaining` bytes of a file from its current position.
#[derive(Debug)]
pub struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buf: BytesMut,
}

impl FileBody {
    /// A body of the next `len` bytes of `file`.
    pub fn new(file: tokio::fs::File, len: u64) -> Self {
        FileBody {
            file,
            remaining: len,
            buf: BytesMut::new(),
        }
    }
}

impl HttpBody for FileBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining)
            .unwrap_or(usize::MAX)
            .min(CHUNK);
        if this.buf.len() < want {
            this.buf.resize(want, 0);
        }
        let mut read_buf = ReadBuf::new(&mut this.buf[..want]);
        ready!(Pin::new(&mut this.file).poll_read(cx, &mut read_buf))?;
        let n = read_buf.filled().len();
        if n == 0 {
            // The file shrank under us: end the body short, as an error, so the client
            // sees a truncated response instead of a silently short one.
            let err = io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank while being sent");
            return Poll::Ready(Some(Err(err.into())));
        }
        this.remaining -= n as u64;
        let chunk = this.buf.split_to(n).freeze();
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
/// The bodies of `parts`, one after the other (a multipart/byteranges answer: boundaries
/// and part headers as bytes, each part's data possibly streamed from a file).
pub fn chain(parts: Vec<Body>) -> Body {
    let remaining = parts
        .iter()
        .map(|p| p.size_hint().exact())
        .sum::<Option<u64>>();
    Chain {
        parts: parts.into(),
        remaining,
    }
    .boxed()
}

struct Chain {
    parts: std::collections::VecDeque<Body>,
    remaining: Option<u64>,
}

impl HttpBody for Chain {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        while let Some(front) = this.parts.front_mut() {
            match ready!(Pin::new(front).poll_frame(cx)) {
                None => {
                    this.parts.pop_front();
                }
                Some(Ok(frame)) => {
                    if let (Some(data), Some(left)) = (frame.data_ref(), this.remaining.as_mut()) {
                        *left = left.saturating_sub(data.len() as u64);
                    }
                    return Poll::Ready(Some(Ok(frame)));
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
            }
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.parts.iter().all(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        match self.remaining {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
