//! padlock-https: HTTPS on tokio and hyper over the padlock TLS engine.
//!
//! - TLS streams come from [`padlock_tokio`] ([`TlsStream`], made by [`TlsAcceptor`] and
//!   [`TlsConnector`]); [`tls_server`] adds the swappable server configuration.
//! - [`site`], [`files`], [`proxy`]: the HTTP service behind `padlock serve` — a folder or a
//!   reverse proxy — independent of TLS. [`filecache`] keeps small files in memory between
//!   requests (revalidated against the disk at most every [`filecache::FRESH_FOR`]).
//! - [`server`]: listeners (their sockets opened by `listener`: backlog, `SO_REUSEPORT`),
//!   timeouts, graceful shutdown, certificate reload; connections run on per-thread
//!   single-threaded runtimes ([`ServerOptions::workers`]). [`admission`]
//!   holds the connection budgets that keep floods of silent, half-open or idle
//!   connections from locking clients out; [`failure_log`] keeps failed connections from
//!   flooding the log.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admission;
pub mod body;
pub mod certinfo;
pub mod client;
mod cork;
pub mod credentials;
mod date;
pub mod decode;
pub mod early;
pub mod error;
pub mod failure_log;
pub mod filecache;
pub mod files;
mod forward;
pub mod idle;
mod listener;
pub mod listing;
pub mod mime;
pub mod proxy;
pub mod range;
mod replay;
pub mod server;
pub mod site;
mod streams;
pub mod ticket_keys;
pub mod tls_server;
pub mod trace;

pub use error::Error;
pub use listener::ack_promptly;
pub use padlock_tokio::{TlsAcceptor, TlsConnector, TlsStream};
pub use server::{Server, ServerOptions};
pub use site::{ConnInfo, Mode, Site};
pub use tls_server::TlsSetup;
