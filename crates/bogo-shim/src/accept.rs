//! `-expect-advertised-alpn`: a server that reads the ClientHello with padlock's
//! [`Acceptor`] before it builds the connection, so the protocols the client offered can be
//! checked (BoringSSL's shim checks them in its ALPN callback, on every connection).

use std::io::{self, Read, Write};
use std::sync::Arc;

use padlock_tls::{Acceptor, Connection, ServerConfig};

use crate::flags::Settings;
use crate::shim::Failure;

/// Reads the ClientHello from `sock`, checks the ALPN list it offers against
/// `-expect-advertised-alpn`, and hands it to a connection with `config`.
pub fn accept<S: Read + Write>(
    s: &Settings,
    config: ServerConfig,
    sock: &mut S,
) -> Result<Connection, Failure> {
    let mut acceptor = Acceptor::new();
    let accepted = loop {
        match acceptor.accepted() {
            Ok(Some(accepted)) => break accepted,
            Ok(None) => {}
            Err(e) => {
                send(sock, acceptor.pending_tls())?;
                return Err(Failure::Tls(e));
            }
        }
        if acceptor.read_tls_from(sock).map_err(Failure::Io)? == 0 {
            return Err(Failure::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection before its ClientHello was whole",
            )));
        }
    };
    if let Some(want) = &s.expect_advertised_alpn {
        let got: Vec<Vec<u8>> = accepted.client_hello().alpn().map(<[u8]>::to_vec).collect();
        if &got != want {
            return Err(Failure::Expectation(format!(
                "advertised ALPN protocols: expected {want:?}, got {got:?}"
            )));
        }
    }
    accepted
        .accept(Arc::new(config))
        .map_err(|rejected| match send(sock, rejected.alert()) {
            Ok(()) => Failure::Tls(rejected.into_error()),
            Err(io) => io,
        })
}

fn send<S: Write>(sock: &mut S, bytes: &[u8]) -> Result<(), Failure> {
    sock.write_all(bytes).map_err(Failure::Io)
}
