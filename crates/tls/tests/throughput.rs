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

#[test]
fn shrink_buffers_keeps_queued_bytes_and_the_connection_keeps_working() {
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
    handshake(&mut client, &mut server);

    // Queued TLS bytes survive a shrink: only empty buffers are freed.
    let data: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(server.write_plaintext(&data).unwrap(), data.len());
    let queued = server.pending_tls().to_vec();
    server.shrink_buffers();
    assert_eq!(server.pending_tls(), &queued[..]);

    // Half delivered, shrink on both sides, then the rest: every byte arrives in order.
    let half = queued.len() / 2;
    deliver(&mut client, &queued[..half]);
    server.consume_tls(half);
    client.shrink_buffers();
    server.shrink_buffers();
    let mut received = vec![0u8; data.len()];
    let mut got = client.read_plaintext(&mut received);
    received.truncate(data.len());
    let rest = server.pending_tls().to_vec();
    deliver(&mut client, &rest);
    server.consume_tls(rest.len());
    server.shrink_buffers();
    got += client.read_plaintext(&mut received[got..]);
    assert_eq!(got, data.len());
    assert_eq!(received, data);

    // After a shrink with nothing queued, both directions still work.
    client.shrink_buffers();
    assert_eq!(send(&mut server, &mut client, b"again"), b"again");
    assert_eq!(send(&mut client, &mut server, b"and back"), b"and back");
}

/// Hands `bytes` to `to` (`read_tls` takes up to a full record's worth of them at a time)
/// and processes them, leaving the plaintext unread.
fn deliver(to: &mut Connection, bytes: &[u8]) {
    let mut taken = 0;
    while taken < bytes.len() {
        let n = to.read_tls(&bytes[taken..]);
        assert!(n > 0, "the receive buffer is full");
        taken += n;
        to.process_new_packets().unwrap();
    }
}

#[test]
fn read_tls_from_starts_with_small_reads_and_grows_for_a_burst() {
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
    handshake(&mut client, &mut server);

    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 249) as u8).collect();
    assert_eq!(server.write_plaintext(&data).unwrap(), data.len());
    let tls = server.pending_tls().to_vec();
    server.consume_tls(tls.len());

    let mut wire = std::io::Cursor::new(&tls[..]);
    let mut reads = Vec::new();
    let mut received = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while (wire.position() as usize) < tls.len() {
        reads.push(client.read_tls_from(&mut wire).unwrap());
        client.process_new_packets().unwrap();
        loop {
            let n = client.read_plaintext(&mut buf);
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        assert!(reads.len() < 1000, "reads make progress");
    }
    assert_eq!(received, data);
    // A fresh buffer offers 4 KiB first (a small request needs no more zeroed), then
    // doubles while reads fill it.
    assert_eq!(reads[0], 4096);
    assert_eq!(reads[1], 8192);
    assert!(reads.iter().any(|&n| n > 16 * 1024), "{reads:?}");
}
