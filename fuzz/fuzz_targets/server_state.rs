//! The server state machine over arbitrary client bytes: never panics, never loops.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use padlock_crypto::{AwsLcProvider, KeyKind, Provider};
use padlock_tls::{CertifiedKey, Connection, ServerConfig};

fn config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider: Arc<dyn Provider> = Arc::new(AwsLcProvider);
            let (key, _) = provider.generate_signing_key(KeyKind::EcdsaP256).unwrap();
            // The certificate bytes are never parsed by the server itself.
            let cert = Arc::new(CertifiedKey { chain: vec![vec![0x30, 0x00]], key: Arc::from(key) });
            Arc::new(ServerConfig::new(provider, cert))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut conn = Connection::server(config()).unwrap();
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
    }
});
