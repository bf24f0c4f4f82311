//! Reading plaintext without copying it: [`Reader`] lends the decrypted application data
//! where it lies in the receive buffer.

use std::io;

use super::lifecycle::PeerStream;
use super::receive_buffer::ReceiveBuffer;
use crate::error::Error;

/// Reads the received plaintext of a [`crate::Connection`]; from
/// [`crate::Connection::reader`].
///
/// [`io::BufRead::fill_buf`] borrows the next piece of plaintext straight from the receive
/// buffer, where its record was decrypted (no copy); [`io::BufRead::consume`] releases
/// it. When nothing is buffered, `fill_buf` and `read` return:
/// - `Ok` with nothing once the peer sent close_notify: the data is complete;
/// - an error of kind [`io::ErrorKind::WouldBlock`] while more may come (read TLS data
///   and call `process_new_packets`);
/// - an error of kind [`io::ErrorKind::UnexpectedEof`] if the transport ended without
///   close_notify, which may be an attacker cutting the data short (RFC 8446 §6.1);
/// - the connection's error (kind [`io::ErrorKind::InvalidData`]) once it has failed.
pub struct Reader<'a> {
    rx: &'a mut ReceiveBuffer,
    peer: PeerStream,
    failed: Option<&'a Error>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        rx: &'a mut ReceiveBuffer,
        peer: PeerStream,
        failed: Option<&'a Error>,
    ) -> Self {
        Self { rx, peer, failed }
    }

    fn nothing_buffered(&self) -> io::Result<()> {
        if let Some(e) = self.failed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, e.clone()));
        }
        match self.peer {
            PeerStream::ClosedNotify => Ok(()),
            PeerStream::Ended => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection without close_notify (the data may be truncated)",
            )),
            // No message: a WouldBlock is what a reader draining the buffer meets after
            // every batch of records, and an error with a message allocates.
            PeerStream::Open => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = {
            let piece = io::BufRead::fill_buf(self)?;
            let n = piece.len().min(buf.len());
            crate::record::copy::copy(&mut buf[..n], &piece[..n]);
            n
        };
        io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl io::BufRead for Reader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.rx.front_plaintext().is_empty() {
            self.nothing_buffered()?;
        }
        Ok(self.rx.front_plaintext())
    }

    fn consume(&mut self, amt: usize) {
        self.rx.consume_plaintext(amt);
    }
}
