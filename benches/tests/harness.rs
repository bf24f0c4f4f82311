//! The paths the benchmarks time move the right bytes: a borrowed read yields exactly what
//! was sent, and the decrypt-only measurement (ciphertext captured first, then opened)
//! delivers every byte, for both libraries and every read mode they support.

use padlock_benches::{
    seal_to_vec, KeyType, Lib, PadlockSetup, Pipe, ReadMode, RustlsSetup, Suite, TestPki,
};

/// Sends a patterned 100 000 bytes server→client and reads them back through the
/// client's borrowed read, collecting what it is handed.
fn borrowed_bytes(lib: &Lib<'_>) -> (Vec<u8>, Vec<u8>) {
    let mut pipe = Pipe::default();
    let mut pair = lib.established(&mut pipe);
    let (client, server) = pair.ends();
    let sent: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let tls = seal_to_vec(server, &sent, sent.len());
    let mut got = Vec::new();
    let mut rest = &tls[..];
    while !rest.is_empty() {
        let n = client.read_tls(rest);
        assert!(n > 0, "the client takes the bytes");
        rest = &rest[n..];
        client.process();
        while client
            .read_borrowed(&mut |plaintext| got.extend_from_slice(plaintext))
            .expect("a borrowed read")
            > 0
        {}
    }
    (sent, got)
}

#[test]
fn a_borrowed_read_yields_exactly_what_was_sent() {
    if !TestPki::openssl_available() {
        return;
    }
    let pki = TestPki::generate(KeyType::P256);
    let padlock = PadlockSetup::new(&pki, Suite::Aes128Gcm);
    let rustls = RustlsSetup::new(&pki, Suite::ChaCha20);
    for lib in [Lib::Padlock(&padlock), Lib::Rustls(&rustls)] {
        if !lib.reads_borrowed() {
            eprintln!("{} has no borrowed read at this commit", lib.name());
            continue;
        }
        let (sent, got) = borrowed_bytes(&lib);
        assert!(got == sent, "{}: the borrowed read differs", lib.name());
    }
}

#[test]
fn decrypting_captured_records_delivers_every_byte_in_every_read_mode() {
    if !TestPki::openssl_available() {
        return;
    }
    let pki = TestPki::generate(KeyType::P256);
    for suite in Suite::ALL {
        let padlock = PadlockSetup::new(&pki, suite);
        let rustls = RustlsSetup::new(&pki, suite);
        for lib in [Lib::Padlock(&padlock), Lib::Rustls(&rustls)] {
            for mode in [ReadMode::Copy, ReadMode::Borrowed] {
                if mode == ReadMode::Borrowed && !lib.reads_borrowed() {
                    continue;
                }
                let mut pipe = Pipe::reading(mode);
                let mut pair = lib.established(&mut pipe);
                let (client, server) = pair.ends();
                let total = 300_000;
                let tls = seal_to_vec(server, &[0x5a; 16 * 1024], total);
                assert!(tls.len() > total, "records carry overhead");
                assert_eq!(pipe.open(client, &tls), total, "{} {mode:?}", lib.name());
            }
        }
    }
}
