//! A rough in-memory bulk throughput check (the real side-by-side benchmark with rustls
//! lives in `benches/`). Run: `cargo test --release -p padlock-tls --test throughput --
//! --ignored --nocapture`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use padlock_crypto::{AeadAlgorithm, NONCE_LEN};
use padlock_tls::{CipherSuite, Connection};

#[test]
#[ignore = "a measurement, not a check; run in release"]
fn bulk_throughput_against_raw_aead() {
    let chunk = vec![0x42u8; 16 * 1024];
    let total = 256 * 1024 * 1024;
    for (suite, aead) in [
        (
            CipherSuite::TLS_AES_128_GCM_SHA256,
            AeadAlgorithm::Aes128Gcm,
        ),
        (
            CipherSuite::TLS_AES_256_GCM_SHA384,
            AeadAlgorithm::Aes256Gcm,
        ),
        (
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            AeadAlgorithm::ChaCha20Poly1305,
        ),
    ] {
        let mut client = insecure_client_config();
        client.cipher_suites = vec![suite];
        let mut client = Connection::client(Arc::new(client), localhost()).unwrap();
        let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
        handshake(&mut client, &mut server);
        let mut buf = vec![0u8; 32 * 1024];
        let start = Instant::now();
        let mut sent = 0;
        while sent < total {
            sent += client.write_plaintext(&chunk).unwrap();
            let n = server.read_tls(client.pending_tls());
            client.consume_tls(n);
            server.process_new_packets().unwrap();
            while server.read_plaintext(&mut buf) > 0 {}
        }
        let tls = total as f64 / start.elapsed().as_secs_f64() / 1e6;

        // Raw seal + open of the same records, in place.
        let key = provider()
            .aead_key(aead, &vec![7u8; aead.key_len()])
            .unwrap();
        let mut record = chunk.clone();
        record.push(0x17);
        let start = Instant::now();
        let mut done = 0;
        while done < total {
            let nonce = [0u8; NONCE_LEN];
            let tag = key.seal_in_place(&nonce, b"hdr", &mut record).unwrap();
            record.extend_from_slice(&tag);
            let n = key.open_in_place(&nonce, b"hdr", &mut record).unwrap();
            record.truncate(n);
            done += chunk.len();
        }
        let raw = total as f64 / start.elapsed().as_secs_f64() / 1e6;
        println!(
            "{suite}: padlock {tls:.0} MB/s, raw seal+open {raw:.0} MB/s, ratio {:.2}",
            tls / raw
        );
    }
}
