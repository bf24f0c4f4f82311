//! Closing after a fatal alert so that the peer reads the alert.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use padlock_tls::{LINGER_BYTES, LINGER_TIME};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The steps after a fatal alert: send it (with whatever TLS bytes were queued before it),
/// half-close, then read and discard the peer's bytes until it closes too, [`LINGER_BYTES`]
/// have come or [`LINGER_TIME`] has passed.
///
/// Why: a peer that is still sending when we close would have its data answered by a TCP
/// reset; its writes then fail with a broken pipe, which is what it reports, and on some
/// systems the reset also drops our alert unread. Reading until the peer closes avoids the
/// reset; the FIN (half-close) tells the peer nothing more is coming, so it closes
/// promptly. Transport errors end the lingering: there is no one left to tell.
#[derive(Debug)]
pub(crate) struct Linger {
    unsent: Vec<u8>,
    sent: usize,
    step: Step,
    deadline: Pin<Box<tokio::time::Sleep>>,
    discarded: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    SendAlert,
    HalfClose,
    Drain,
    Done,
}

impl Linger {
    /// Starts with `unsent`, the TLS bytes ending in the alert. Needs tokio's timer.
    pub(crate) fn start(unsent: Vec<u8>) -> Self {
        Linger {
            unsent,
            sent: 0,
            step: Step::SendAlert,
            deadline: Box::pin(tokio::time::sleep(LINGER_TIME)),
            discarded: 0,
        }
    }

    /// Advances through the steps; every `Pending` has the transport's or the timer's
    /// waker registered.
    pub(crate) fn poll<IO: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        cx: &mut Context<'_>,
        io: &mut IO,
    ) -> Poll<()> {
        loop {
            let progress = match self.step {
                Step::Done => return Poll::Ready(()),
                Step::SendAlert => self.send_alert(cx, io),
                Step::HalfClose => Pin::new(&mut *io).poll_shutdown(cx).map(|_| true),
                Step::Drain => self.drain(cx, io),
            };
            match progress {
                Poll::Ready(true) => self.step = self.step.next(),
                Poll::Ready(false) => self.step = Step::Done,
                Poll::Pending => {
                    if self.deadline.as_mut().poll(cx).is_ready() {
                        self.step = Step::Done;
                    } else {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// Writes out the alert: `Ready(true)` once all is out, `Ready(false)` if the
    /// transport failed.
    fn send_alert<IO: AsyncWrite + Unpin>(
        &mut self,
        cx: &mut Context<'_>,
        io: &mut IO,
    ) -> Poll<bool> {
        while let Some(rest) = self.unsent.get(self.sent..).filter(|r| !r.is_empty()) {
            match Pin::new(&mut *io).poll_write(cx, rest) {
                Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(false),
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(io).poll_flush(cx).map(|r| r.is_ok())
    }

    /// Reads and discards until the peer closes (`Ready(false)`: nothing more to do) or the
    /// byte budget is spent.
    fn drain<IO: AsyncRead + Unpin>(&mut self, cx: &mut Context<'_>, io: &mut IO) -> Poll<bool> {
        let mut sink = [0u8; 4096];
        loop {
            let mut buf = ReadBuf::new(&mut sink);
            match Pin::new(&mut *io).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                    self.discarded += buf.filled().len();
                    if self.discarded >= LINGER_BYTES {
                        return Poll::Ready(false);
                    }
                }
                Poll::Ready(_) => return Poll::Ready(false), // EOF or a transport error
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Step {
    fn next(self) -> Self {
        match self {
            Step::SendAlert => Step::HalfClose,
            Step::HalfClose => Step::Drain,
            Step::Drain | Step::Done => Step::Done,
        }
    }
}

/// A refusal before any [`TlsStream`](crate::TlsStream) exists (a bad ClientHello, or a
/// configuration that shares nothing with the client): the alert bytes, lingering, then
/// the error.
#[derive(Debug)]
pub(crate) struct Refusal<IO> {
    io: IO,
    linger: Linger,
    error: padlock_tls::Error,
}

impl<IO> Refusal<IO> {
    /// Starts sending `alert` over `io` before reporting `error`; with no alert to send
    /// there is nothing to linger for, and the error is at hand at once (`Err`).
    pub(crate) fn start(io: IO, alert: Vec<u8>, error: padlock_tls::Error) -> io::Result<Self> {
        if alert.is_empty() {
            return Err(crate::stream::tls_to_io(error));
        }
        Ok(Refusal {
            io,
            linger: Linger::start(alert),
            error,
        })
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Refusal<IO> {
    /// Ready with the error once the lingering is over.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match self.linger.poll(cx, &mut self.io) {
            Poll::Ready(()) => Poll::Ready(crate::stream::tls_to_io(self.error.clone())),
            Poll::Pending => Poll::Pending,
        }
    }
}
