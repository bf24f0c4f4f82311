//! Loading what TLS needs from files: certificate chains and keys, trust anchors, and the
//! server and client configurations padlock's commands use.

use std::path::Path;
use std::sync::Arc;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::{
    CertifiedKey, ClientAuth, ClientConfig, KeyLogFile, RootStore, ServerConfig,
    WebPkiClientVerifier,
};

use crate::error::Error;

/// ALPN protocols a server offers, most preferred first (RFC 7301; RFC 9113 §3.2).
pub const SERVER_ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The crypto provider padlock runs on.
pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

/// Reads a PEM certificate chain (leaf first) and its PEM private key.
pub fn load_certified_key(
    provider: &dyn Provider,
    cert: &Path,
    key: &Path,
) -> Result<Arc<CertifiedKey>, Error> {
    let chain_pem = read(cert)?;
    let key_pem = read(key)?;
    let certified =
        CertifiedKey::from_pem(provider, &chain_pem, &key_pem).map_err(|e| Error::Credentials {
            path: cert.to_path_buf(),
            reason: format!("with key {}: {e}", key.display()),
        })?;
    Ok(Arc::new(certified))
}

/// A root store with every certificate of the PEM file `path` (CERTIFICATE and OpenSSL's
/// TRUSTED CERTIFICATE blocks): `--cacert` and `--client-ca` of every command.
pub fn load_roots(path: &Path) -> Result<Arc<RootStore>, Error> {
    let text = read(path)?;
    let mut roots = RootStore::new();
    let added = roots.add_pem(&text).map_err(|e| Error::Credentials {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if added == 0 {
        return Err(Error::Credentials {
            path: path.to_path_buf(),
            reason: "it holds no PEM certificate".into(),
        });
    }
    Ok(Arc::new(roots))
}

/// The roots a client trusts when not given `--cacert`, the same for every command: the
/// system's (`SSL_CERT_FILE`, else `/etc/ssl/certs/ca-certificates.crt`, plus every file in
/// the `SSL_CERT_DIR` folders; certificates our parser refuses are skipped), and padlock's
/// own local CA (`$PADLOCK_HOME/ca/root.pem`) when there is one, so `padlock get` reaches
/// `padlock serve` before its root is installed anywhere.
pub fn system_roots() -> Result<Arc<RootStore>, Error> {
    let mut roots = RootStore::system().unwrap_or_default();
    let local =
        padlock_pki::ca::CaPaths::new(&padlock_pki::ca::CaPaths::default_home()).root_cert();
    if let Ok(text) = std::fs::read(&local) {
        // A damaged local root must not take the system's roots away with it.
        if roots.add_pem(&text).is_err() {
            eprintln!("padlock: ignoring {}: not a certificate", local.display());
        }
    }
    if roots.is_empty() {
        return Err(Error::Credentials {
            path: std::env::var_os("SSL_CERT_FILE")
                .map_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into(), Into::into),
            reason: "no trusted roots found there, in SSL_CERT_DIR or in padlock's local CA \
                     (use --cacert FILE)"
                .into(),
        });
    }
    Ok(Arc::new(roots))
}

/// Whether a client certificate is asked for, and whether it is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMode {
    /// Asked for; a client without one is still served.
    Optional,
    /// Asked for; a client without a valid one is refused in the handshake.
    Required,
}

/// The server configuration of `padlock serve`: one certificate, ALPN h2 then http/1.1,
/// optional mutual TLS against `client_roots`, and `SSLKEYLOGFILE` honoured.
pub fn server_config(
    provider: Arc<dyn Provider>,
    cert: Arc<CertifiedKey>,
    client_roots: Option<(Arc<RootStore>, ClientAuthMode)>,
) -> Arc<ServerConfig> {
    let mut config = ServerConfig::new(provider.clone(), cert);
    config.alpn_protocols = SERVER_ALPN.iter().map(|p| p.to_vec()).collect();
    if let Some((roots, mode)) = client_roots {
        let verifier = Arc::new(WebPkiClientVerifier::new(provider, roots));
        config.client_auth = match mode {
            ClientAuthMode::Optional => ClientAuth::Optional(verifier),
            ClientAuthMode::Required => ClientAuth::Required(verifier),
        };
    }
    if let Some(log) = KeyLogFile::from_env() {
        config.key_log = Some(Arc::new(log));
    }
    Arc::new(config)
}

/// Sets `SSLKEYLOGFILE` logging on a client configuration when the variable is set.
pub fn with_env_key_log(config: &mut ClientConfig) {
    if let Some(log) = KeyLogFile::from_env() {
        config.key_log = Some(Arc::new(log));
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::Credentials {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}
