//! The errors of the HTTPS layer.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Something went wrong serving or fetching over HTTPS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A listening socket could not be opened.
    #[error("could not listen on {addr}: {error}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the kernel refused.
        error: std::io::Error,
    },
    /// The folder to serve is missing or not a folder.
    #[error("cannot serve {path}: {error}")]
    Root {
        /// The folder asked for.
        path: PathBuf,
        /// Why it can't be used.
        error: std::io::Error,
    },
    /// The upstream URL of the reverse proxy is not a usable `http://host[:port][/path]`.
    #[error("the proxy upstream {url:?} is not an http:// URL with a host ({reason})")]
    BadUpstream {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A URL given to the client is not usable.
    #[error("{url:?} is not a usable URL: {reason}")]
    BadUrl {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS engine refused the connection or its configuration.
    #[error("TLS: {0}")]
    Tls(#[from] padlock_tls::Error),
    /// Reading or writing a socket or file failed.
    #[error("{context}: {error}")]
    Io {
        /// What we were doing.
        context: String,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// The TLS handshake did not complete in time.
    #[error("the TLS handshake did not complete within {0:?}")]
    HandshakeTimeout(std::time::Duration),
    /// An HTTP-level failure (hyper).
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    /// Building an HTTP request failed.
    #[error("invalid HTTP request: {0}")]
    InvalidRequest(#[from] hyper::http::Error),
    /// A certificate or key file could not be loaded.
    #[error("cannot load {path}: {reason}")]
    Credentials {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A ticket key file (`--ticket-keys`) could not be read or is malformed.
    #[error("ticket keys from {path}: {reason}")]
    TicketKeys {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `--location` followed more redirects than allowed.
    #[error("stopped after {0} redirects (--max-redirs)")]
    TooManyRedirects(u32),
    /// A redirect's Location is not a usable http(s) URL.
    #[error("the server redirected to {location:?}, which is not a usable URL: {reason}")]
    BadRedirect {
        /// The Location header's value.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A connection to `addr` could not be made.
    #[error("could not connect to {addr}: {error}")]
    Connect {
        /// Where we tried.
        addr: SocketAddr,
        /// Why it failed.
        error: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with what we were doing.
    pub fn io(context: impl Into<String>, error: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            error,
        }
    }
}
