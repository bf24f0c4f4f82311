//! padlock-tls: a sans-IO TLS 1.3 (RFC 8446) and TLS 1.2 (RFC 5246) engine, client and
//! server.
//!
//! The engine never touches sockets or clocks: the caller moves TLS bytes in and out of a
//! [`Connection`] and reads/writes plaintext; time and crypto come from the configuration.
//! [`Stream`] / [`StreamOwned`] drive a connection over any blocking `Read + Write`.
//! [`Acceptor`] reads a ClientHello first, so a server can choose its [`ServerConfig`] by
//! what the client offered (server name, ALPN, suites, groups, signature schemes).
//!
//! ```text
//!   socket ──read_tls_from──▶ [receive buffer] ──process_new_packets──▶ handshake states
//!                                   │ (decrypted in place)                     │ Output
//!   caller ◀──read_plaintext/reader─┘                                           ▼
//!   caller ──write_plaintext──▶ [send buffer, sealed in place] ──write_tls_to──▶ socket
//! ```
//!
//! What is here: TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only (RFC 5289, RFC 7905)
//! when the peer does not speak TLS 1.3 — with the Extended Master Secret (RFC 7627),
//! secure renegotiation indication (RFC 5746; renegotiation itself is refused),
//! TLS_FALLBACK_SCSV (RFC 7507) and the TLS 1.3 downgrade sentinel; older versions, CBC
//! and other legacy suites are refused by name. Full TLS 1.3 handshakes with
//! HelloRetryRequest; the three TLS 1.3 AEAD suites; the post-quantum
//! hybrids X25519MLKEM768 (offered first by default, beside an X25519 share) and
//! SecP256r1MLKEM768, ML-KEM-1024 alone, X25519, P-256, P-384; ECDSA, RSA-PSS and Ed25519 signatures; SNI, ALPN, mutual TLS, KeyUpdate, exporters,
//! NSS key logs and structured traces; session resumption with tickets and 0-RTT data
//! (see [`ticket`]).
//!
//! A client over a blocking socket:
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//!
//! use padlock_crypto::AwsLcProvider;
//! use padlock_tls::{ClientConfig, Connection, RootStore, ServerName, StreamOwned, WebPkiServerVerifier};
//!
//! let provider = Arc::new(AwsLcProvider);
//! let roots = Arc::new(RootStore::system().expect("system roots"));
//! let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), roots));
//! let config = Arc::new(ClientConfig::new(provider, verifier));
//! let name = ServerName::try_from("example.com").unwrap();
//! let conn = Connection::client(config, name).unwrap();
//! let sock = std::net::TcpStream::connect("example.com:443").unwrap();
//! let mut tls = StreamOwned::new(conn, sock);
//! tls.write_all(b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n").unwrap();
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page).unwrap();
//! ```
//!
//! The design is explained in [`manual`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod hkdf;
mod key_update;

mod acceptor;
pub mod alert;
/// Internals that padlock's own tests, fuzz targets and benchmarks reach into: the wire
/// format, the record layer and the TLS 1.3 key schedule. Not public API: hidden from the
/// docs, with no stability promise. What a user needs of them (`NamedGroup`,
/// `AlertDescription`, …) is exported at the crate root.
#[doc(hidden)]
#[path = "."]
pub mod internal {
    pub mod record;
    pub mod tls12;
    pub mod tls13;
    pub mod wire;
}
use internal::{record, tls12, tls13, wire};
mod auth_messages;
mod certificate_chain;
mod client;
mod client_certs;
mod config;
mod conn;
mod error;
mod handshake_trace;
#[cfg(feature = "insecure-test-hooks")]
#[doc(hidden)]
pub mod insecure_test_hooks;
pub mod keylog;
pub mod manual;
mod output;
mod pem;
mod pki_verify;
mod server;
mod state;
mod stream;
mod suites;
pub mod ticket;
pub mod trace;
mod transcript;
mod verify;

pub use acceptor::{Accepted, Acceptor, ClientHello, Rejected, MAX_BUFFERED, MAX_CLIENT_HELLO_LEN};
pub use certificate_chain::{CertificateChain, CertificateChainIter};
pub use client_certs::{CertificateRequestInfo, ClientCertificates, ResolvesClientCert};
pub use config::{
    system_time, CertifiedKey, ClientAuth, ClientConfig, ClientHelloInfo, ResolvesServerCert,
    ServerConfig, SingleCert, SniResolver, TimeSource, DEFAULT_TICKET_LIFETIME, MAX_FRAGMENT_SIZE,
    MIN_FRAGMENT_SIZE,
};
pub use conn::{free_spare_buffers, Connection, EarlyDataStatus, HandshakeKind, IoState, Reader};
pub use error::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};
pub use keylog::{KeyLog, KeyLogFile};
pub use padlock_pki::{Error as CertificateError, RootStore, UnixTime};
pub use stream::{Stream, StreamOwned, LINGER_BYTES, LINGER_TIME};
pub use trace::{Trace, TraceEvent};
pub use verify::{
    danger, ClientCertVerifier, InvalidServerName, ServerCertVerifier, ServerName,
    WebPkiClientVerifier, WebPkiServerVerifier,
};
pub use wire::{
    AlertDescription, CipherSuite, DecodeError, NamedGroup, ProtocolVersion, SignatureScheme,
};
