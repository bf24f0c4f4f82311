//! The server state machine over arbitrary client bytes: never panics, never loops, never
//! buffers without a bound.
//!
//! Runs over [`NullCrypto`] (no security: zero keys, identity AEAD with a zero tag, zero
//! Finished, every signature good), so the fuzzer can get past the ClientHello: a client
//! Finished is `14 00 00 20` and 32 zero bytes inside a record ending in `16` and a zero
//! 16-byte tag; after it come application data, KeyUpdate and alerts.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use padlock_crypto::{KeyKind, Provider};
use padlock_fuzz::NullCrypto;
use padlock_tls::{CertifiedKey, Connection, ServerConfig};

fn config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider: Arc<dyn Provider> = Arc::new(NullCrypto);
            let (key, _) = provider
                .generate_signing_key(KeyKind::EcdsaP256)
                .expect("key generation");
            // The certificate bytes are never parsed by the server itself.
            let cert = Arc::new(CertifiedKey {
                chain: vec![vec![0x30, 0x00]],
                key: Arc::from(key),
            });
            Arc::new(ServerConfig::new(provider, cert))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut conn = Connection::server(config()).expect("server starts");
    let mut plaintext = [0u8; 4096];
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
        // Drain both directions, as an application would.
        let pending = conn.pending_tls().len();
        conn.consume_tls(pending);
        while conn.read_plaintext(&mut plaintext) > 0 {}
    }
});
