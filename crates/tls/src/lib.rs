//! padlock-tls: a sans-IO TLS 1.3 engine (RFC 8446), client and server.
//!
//! The engine never touches sockets or clocks: the caller moves TLS bytes in and out of a
//! [`Connection`] and reads/writes plaintext; time and crypto come from the configuration.
//! [`Stream`] / [`StreamOwned`] drive a connection over any blocking `Read + Write`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod hkdf;
pub mod record;
pub mod tls13;
pub mod wire;

pub mod alert;
mod client;
mod config;
mod conn;
mod error;
mod hs;
pub mod keylog;
pub mod manual;
mod pem;
mod pki_glue;
mod server;
mod state;
mod stream;
mod suites;
pub mod trace;
mod transcript;
mod verify;

pub use config::{
    system_time, CertifiedKey, ClientAuth, ClientConfig, ClientHelloInfo, ResolvesServerCert,
    ServerConfig, SingleCert, SniResolver, TimeSource,
};
pub use conn::{Connection, HandshakeKind, IoState};
pub use error::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};
pub use keylog::{KeyLog, KeyLogFile};
pub use padlock_pki::{Error as CertificateError, RootStore, UnixTime};
pub use stream::{Stream, StreamOwned};
pub use trace::{Trace, TraceEvent};
pub use verify::{
    danger, ClientCertVerifier, InvalidServerName, ServerCertVerifier, ServerName,
    WebPkiClientVerifier, WebPkiServerVerifier,
};
pub use wire::{
    AlertDescription, CipherSuite, DecodeError, NamedGroup, ProtocolVersion, SignatureScheme,
};
