//! Rough in-place AEAD throughput of the aws-lc-rs provider on 16 KiB records (the TLS
//! maximum), for sanity-checking the bulk path: `cargo run --example aead_speed -p padlock-crypto`.

use std::time::Instant;

use padlock_crypto::{AeadAlgorithm, AwsLcProvider, Provider, TAG_LEN};

fn main() {
    const RECORD: usize = 16 * 1024;
    const TOTAL: usize = 256 * 1024 * 1024;
    for alg in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ] {
        let key = AwsLcProvider
            .aead_key(alg, &vec![1u8; alg.key_len()])
            .expect("key");
        let mut buf = vec![0u8; RECORD + TAG_LEN];
        let aad = [0x17, 0x03, 0x03, 0x40, 0x11];
        let start = Instant::now();
        let mut seq = 0u64;
        while (seq as usize) * RECORD < TOTAL {
            let mut nonce = [0u8; 12];
            nonce[4..].copy_from_slice(&seq.to_be_bytes());
            let tag = key
                .seal_in_place(&nonce, &aad, &mut buf[..RECORD])
                .expect("seal");
            buf[RECORD..].copy_from_slice(&tag);
            key.open_in_place(&nonce, &aad, &mut buf).expect("open");
            seq += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        let mib = TOTAL as f64 / (1024.0 * 1024.0);
        println!("{alg:?}: seal+open {:.0} MiB/s", mib / secs);
    }
}
