//! Listening sockets: the backlog, `SO_REUSEADDR`, and the opt-in `SO_REUSEPORT` that lets
//! several server processes share one port.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

use crate::error::Error;

/// How a listening socket is opened.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListenOptions {
    /// The listen backlog (the kernel caps it at `net.core.somaxconn`).
    pub backlog: u32,
    /// Set `SO_REUSEPORT` (see [`ServerOptions::reuse_port`](crate::ServerOptions::reuse_port)).
    pub reuse_port: bool,
}

/// A listening socket on `addr`: tokio's `TcpListener::bind` asks for a backlog of 1,024
/// and std's for 128, neither configurable. Like std, it sets `SO_REUSEADDR`, so a restart
/// does not wait for the last run's connections in TIME_WAIT.
pub(crate) fn listen(addr: SocketAddr, options: ListenOptions) -> Result<TcpListener, Error> {
    let bind = || -> io::Result<TcpListener> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        if options.reuse_port {
            reuse_port(&socket)?;
        }
        socket.bind(addr)?;
        socket.listen(options.backlog)
    };
    bind().map_err(|error| Error::Bind { addr, error })
}

/// `SO_REUSEPORT`: other sockets of this user may bind the same address while this one is
/// open, and the kernel spreads new connections across all of them.
#[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
fn reuse_port(socket: &TcpSocket) -> io::Result<()> {
    socket.set_reuseport(true)
}

#[cfg(not(all(unix, not(any(target_os = "solaris", target_os = "illumos")))))]
fn reuse_port(_: &TcpSocket) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "SO_REUSEPORT is not available on this platform",
    ))
}

/// Sends now the ACK Linux would hold back for its delayed-ACK timer (about 40 ms): for a
/// server, right after the TLS handshake. The client's last handshake flight came with
/// nothing of ours to answer it (a TLS 1.3 server that sent its tickets with its Finished
/// has nothing more to say), and a client that writes its request after its Finished
/// without `TCP_NODELAY` (gnutls-cli, openssl s_client, many hand-written clients) has the
/// request held by Nagle's algorithm until that ACK comes: 44 ms per connection, measured,
/// instead of 1.5. `TCP_QUICKACK` sends a pending ACK at once and ACKs promptly for a while
/// after. Best effort: a socket that refuses it changes nothing; no-op off Linux.
pub fn ack_promptly<S: std::os::fd::AsFd>(socket: &S) {
    #[cfg(target_os = "linux")]
    {
        let _ = socket2::SockRef::from(socket).set_tcp_quickack(true);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = socket;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    // A backlog that holds every test connection, none of which is accepted until all
    // are open: past it the kernel drops SYNs and the connect waits for retransmissions.
    const SHARED: ListenOptions = ListenOptions {
        backlog: 128,
        reuse_port: true,
    };
    const EXCLUSIVE: ListenOptions = ListenOptions {
        backlog: 128,
        reuse_port: false,
    };

    #[tokio::test]
    async fn two_sockets_with_reuse_port_share_one_port_and_both_accept() {
        let first = listen("127.0.0.1:0".parse().unwrap(), SHARED).unwrap();
        let addr = first.local_addr().unwrap();
        let second = listen(addr, SHARED).unwrap();

        // The kernel picks a socket per connection by a hash of the source address and
        // port; a few dozen connections reach both with overwhelming probability.
        let mut clients = Vec::new();
        for _ in 0..64 {
            let connect = tokio::net::TcpStream::connect(addr);
            let connected = tokio::time::timeout(std::time::Duration::from_secs(10), connect);
            clients.push(connected.await.expect("connected within 10 s").unwrap());
        }
        let (a, b) = (accepted(&first).await, accepted(&second).await);
        assert_eq!(a + b, clients.len());
        assert!(a > 0 && b > 0, "first accepted {a}, second {b}");
    }

    #[tokio::test]
    async fn without_reuse_port_a_second_socket_on_the_port_is_refused() {
        let first = listen("127.0.0.1:0".parse().unwrap(), EXCLUSIVE).unwrap();
        let addr = first.local_addr().unwrap();
        let refused = listen(addr, EXCLUSIVE).unwrap_err();
        assert!(refused.to_string().contains(&addr.to_string()), "{refused}");
        // One side asking is not enough either: every socket on the port must opt in.
        assert!(listen(addr, SHARED).is_err());
    }

    /// How many connections `listener` accepts before none arrives for 200 ms (they are
    /// all queued already: each client's connect returned).
    async fn accepted(listener: &TcpListener) -> usize {
        let wait = std::time::Duration::from_millis(200);
        let mut n = 0;
        while let Ok(Ok(_)) = tokio::time::timeout(wait, listener.accept()).await {
            n += 1;
        }
        n
    }

    #[cfg(target_os = "linux")]
    fn quickack(socket: &std::net::TcpStream) -> bool {
        socket2::SockRef::from(socket).tcp_quickack().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_socket_that_answered_its_peer_acks_promptly_again_once_asked() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        // A few exchanges, as a handshake's: a server answering what it read is taken
        // for an interactive one, whose ACKs wait to ride on its next answer.
        let mut buf = [0u8; 16];
        for _ in 0..8 {
            client.write_all(b"hello").unwrap();
            server.read_exact(&mut buf[..5]).unwrap();
            server.write_all(b"world").unwrap();
            client.read_exact(&mut buf[..5]).unwrap();
            if !quickack(&server) {
                break;
            }
        }
        ack_promptly(&server);
        assert!(quickack(&server));
    }
}
