//! Blocking adapters: a [`Connection`] over any `Read + Write` (e.g. a `TcpStream`).

use std::io::{self, Read, Write};

use crate::Connection;

/// Borrows a connection and a socket; drives the handshake on first use.
#[derive(Debug)]
pub struct Stream<'a, S: Read + Write> {
    /// The TLS connection.
    pub conn: &'a mut Connection,
    /// The transport.
    pub sock: &'a mut S,
}

impl<'a, S: Read + Write> Stream<'a, S> {
    /// Wraps `conn` and `sock`.
    pub fn new(conn: &'a mut Connection, sock: &'a mut S) -> Self {
        Self { conn, sock }
    }

    /// Runs the handshake to completion.
    pub fn complete_handshake(&mut self) -> io::Result<()> {
        complete_handshake(self.conn, self.sock)
    }
}

impl<S: Read + Write> Read for Stream<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read(self.conn, self.sock, buf)
    }
}

impl<S: Read + Write> Write for Stream<'_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write(self.conn, self.sock, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        flush(self.conn, self.sock)
    }
}

/// Owns the connection and the socket.
#[derive(Debug)]
pub struct StreamOwned<S: Read + Write> {
    /// The TLS connection.
    pub conn: Connection,
    /// The transport.
    pub sock: S,
}

impl<S: Read + Write> StreamOwned<S> {
    /// Wraps `conn` and `sock`.
    pub fn new(conn: Connection, sock: S) -> Self {
        Self { conn, sock }
    }

    /// Runs the handshake to completion.
    pub fn complete_handshake(&mut self) -> io::Result<()> {
        complete_handshake(&mut self.conn, &mut self.sock)
    }

    /// Gives back the parts.
    pub fn into_parts(self) -> (Connection, S) {
        (self.conn, self.sock)
    }
}

impl<S: Read + Write> Read for StreamOwned<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read(&mut self.conn, &mut self.sock, buf)
    }
}

impl<S: Read + Write> Write for StreamOwned<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write(&mut self.conn, &mut self.sock, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        flush(&mut self.conn, &mut self.sock)
    }
}

fn to_io(e: crate::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

fn send_all<S: Write>(conn: &mut Connection, sock: &mut S) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls_to(sock)?;
    }
    Ok(())
}

/// Reads one chunk from the socket and processes it; `Ok(false)` on EOF.
fn read_some<S: Read + Write>(conn: &mut Connection, sock: &mut S) -> io::Result<bool> {
    let n = conn.read_tls_from(sock)?;
    let result = conn.process_new_packets();
    // Whatever happened, the alert (or handshake reply) goes out before we report it.
    send_all(conn, sock)?;
    result.map_err(to_io)?;
    Ok(n > 0)
}

fn complete_handshake<S: Read + Write>(conn: &mut Connection, sock: &mut S) -> io::Result<()> {
    send_all(conn, sock)?;
    while conn.is_handshaking() {
        if !read_some(conn, sock)? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection during the handshake",
            ));
        }
    }
    send_all(conn, sock)
}

fn read<S: Read + Write>(conn: &mut Connection, sock: &mut S, buf: &mut [u8]) -> io::Result<usize> {
    complete_handshake(conn, sock)?;
    loop {
        let n = conn.read_plaintext(buf);
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        let state = conn.process_new_packets().map_err(to_io)?;
        if state.peer_has_closed && state.plaintext_bytes_to_read == 0 {
            return Ok(0);
        }
        if state.plaintext_bytes_to_read > 0 {
            continue;
        }
        if !read_some(conn, sock)? {
            // EOF without close_notify: report it as EOF; the caller's framing decides
            // whether that was a truncation.
            return Ok(conn.read_plaintext(buf));
        }
    }
}

fn write<S: Read + Write>(conn: &mut Connection, sock: &mut S, buf: &[u8]) -> io::Result<usize> {
    complete_handshake(conn, sock)?;
    let n = conn.write_plaintext(buf).map_err(to_io)?;
    send_all(conn, sock)?;
    Ok(n)
}

fn flush<S: Read + Write>(conn: &mut Connection, sock: &mut S) -> io::Result<()> {
    send_all(conn, sock)?;
    sock.flush()
}
