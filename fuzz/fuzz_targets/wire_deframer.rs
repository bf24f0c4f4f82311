//! The live receive path (RFC 8446 §5.1): a server `Connection` deframes records with
//! `wire::Deframer`, opens them and joins handshake messages with `wire::HandshakeJoiner`.
//! Oracle: how the bytes arrive does not matter — fed whole or in pieces of any size (the
//! first input byte picks it), the connection sends the same kinds of records (by type,
//! runs of one type counted once: the key share and signature are fresh each run, and
//! what one call queues is coalesced), yields the same plaintext and ends with the same
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_fuzz::null_server_config;
use padlock_tls::internal::wire::{ContentType, Deframer};
use padlock_tls::{Connection, Error};

/// What a server made of `bytes` fed `piece` bytes at a time: the types of the records
/// it sent, the plaintext it yielded, and its error.
fn run(bytes: &[u8], piece: usize) -> (Vec<ContentType>, Vec<u8>, Option<Error>) {
    let (sent, plaintext, error) = feed(bytes, piece);
    let mut types: Vec<ContentType> = Deframer::new()
        .records(&sent)
        .map(|span| {
            span.expect("the server sends well-formed records")
                .header
                .content_type
        })
        .collect();
    types.dedup();
    (types, plaintext, error)
}

fn feed(bytes: &[u8], piece: usize) -> (Vec<u8>, Vec<u8>, Option<Error>) {
    let mut conn = Connection::server(null_server_config()).expect("server starts");
    let (mut sent, mut plaintext) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 4096];
    let mut error = None;
    for chunk in bytes.chunks(piece) {
        let mut rest = chunk;
        // Each pass takes at least one byte or stops.
        while !rest.is_empty() {
            let n = conn.read_tls(rest);
            rest = &rest[n..];
            if let Err(e) = conn.process_new_packets() {
                error = Some(e);
            }
            let pending = conn.pending_tls();
            sent.extend_from_slice(pending);
            let pending = pending.len();
            conn.consume_tls(pending);
            loop {
                let n = conn.read_plaintext(&mut buf);
                if n == 0 {
                    break;
                }
                plaintext.extend_from_slice(&buf[..n]);
            }
            if error.is_some() || n == 0 {
                return (sent, plaintext, error);
            }
        }
    }
    (sent, plaintext, error)
}

fuzz_target!(|data: &[u8]| {
    let Some((&piece, bytes)) = data.split_first() else {
        return;
    };
    let whole = run(bytes, bytes.len().max(1));
    let pieces = run(bytes, usize::from(piece) + 1);
    assert_eq!(whole, pieces);
});
