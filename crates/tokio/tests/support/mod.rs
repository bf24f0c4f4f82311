//! What the tests share: a local CA issuing the localhost certificate, and the server and
//! client configurations built on it.
#![allow(dead_code)]

use std::sync::Arc;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_pki::ca::{InitOptions, LocalCa};
use padlock_tls::{
    CertifiedKey, ClientAuth, ClientConfig, RootStore, ServerConfig, ServerName,
    WebPkiClientVerifier, WebPkiServerVerifier,
};

/// A CA (in a temporary folder, removed on drop), its localhost leaf and its root.
pub struct Pki {
    pub server_key: Arc<CertifiedKey>,
    pub roots: Arc<RootStore>,
    _home: tempfile::TempDir,
}

pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

impl Pki {
    pub fn new() -> Pki {
        let home = tempfile::tempdir().unwrap();
        let p = AwsLcProvider;
        let ca = LocalCa::open_or_init(&p, home.path(), InitOptions::default()).unwrap();
        let leaf = ca.localhost_leaf().unwrap();
        let key = CertifiedKey::from_pem(&p, leaf.chain_pem.as_bytes(), leaf.key_pem.as_bytes());
        let mut roots = RootStore::new();
        roots.add_der(ca.root_der()).unwrap();
        Pki {
            server_key: Arc::new(key.unwrap()),
            roots: Arc::new(roots),
            _home: home,
        }
    }

    /// The server's configuration, offering `alpn`.
    pub fn server(&self, alpn: &[&[u8]]) -> ServerConfig {
        let mut config = ServerConfig::new(provider(), self.server_key.clone());
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }

    /// A server that requires a client certificate issued under this CA.
    pub fn server_requiring_client_cert(&self) -> ServerConfig {
        let mut config = self.server(&[]);
        let verifier = WebPkiClientVerifier::new(provider(), self.roots.clone());
        config.client_auth = ClientAuth::Required(Arc::new(verifier));
        config
    }

    /// A client trusting this CA, offering `alpn`, with no certificate of its own.
    pub fn client(&self, alpn: &[&[u8]]) -> ClientConfig {
        let verifier = Arc::new(WebPkiServerVerifier::new(provider(), self.roots.clone()));
        let mut config = ClientConfig::new(provider(), verifier);
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }
}

pub fn localhost() -> ServerName {
    ServerName::try_from("localhost").unwrap()
}
