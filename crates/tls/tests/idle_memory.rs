//! An idle connection holds no buffer: what a bulk transfer allocated (the receive buffer,
//! the send buffer) is freed once the traffic stops — at the end of `process_new_packets`,
//! or at once by `shrink_buffers`.
//!
//! The heap is measured with a counting global allocator (`stats_alloc`, which holds the
//! `unsafe` a global allocator needs). It counts every thread of the process, so this file
//! holds one test and nothing runs beside it.

mod common;

use std::alloc::System;
use std::sync::Arc;

use common::*;
use padlock_tls::Connection;
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes on the heap now, as the allocator counts them (a realloc's growth or shrinkage is
/// already in bytes_allocated / bytes_deallocated; bytes_reallocated is the same change
/// again, so it is not added).
fn heap() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// Most a connection may keep of a finished 100 KB transfer: less than any buffer it uses
/// for one (a record is up to 16 KiB).
const SLACK: i64 = 1024;

#[test]
fn idle_connection_frees_its_buffers() {
    let (mut client, mut server) = (
        Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap(),
        Connection::server(Arc::new(server_config(KeyType::P256))).unwrap(),
    );
    handshake(&mut client, &mut server);
    let data = vec![1u8; 100_000];
    let mut sink = vec![0u8; 1 << 16];
    let before = heap();

    // The measurement sees the buffers: 100 KB of plaintext written is ~100 KB of records
    // queued in the client's send buffer.
    let mut written = 0;
    while written < data.len() {
        written += client.write_plaintext(&data[written..]).unwrap();
    }
    let queued = heap() - before;
    assert!(
        queued >= data.len() as i64,
        "only {queued} bytes held with 100 KB queued: the allocator is not counting"
    );

    // Deliver it all; the server reads every byte.
    let mut received = 0;
    while client.wants_write() {
        let n = server.read_tls(client.pending_tls());
        client.consume_tls(n);
        server.process_new_packets().unwrap();
        loop {
            let got = server.read_plaintext(&mut sink);
            if got == 0 {
                break;
            }
            assert!(sink[..got].iter().all(|&b| b == 1));
            received += got;
        }
    }
    assert_eq!(received, data.len());
    assert!(!server.wants_write(), "the server has nothing to say");

    // Going idle, each side calls process_new_packets once more (nothing new arrived):
    // that frees the receiver's drained receive buffer and the sender's emptied send buffer.
    let busy = heap() - before;
    server.process_new_packets().unwrap();
    client.process_new_packets().unwrap();
    let idle = heap() - before;
    assert!(
        idle <= SLACK,
        "{idle} bytes still held after the transfer ({busy} before the last process_new_packets)"
    );

    // Or shrink_buffers, the explicit way, with no process_new_packets after the data was
    // read and sent.
    let mut written = 0;
    while written < 20_000 {
        written += client.write_plaintext(&data[..20_000 - written]).unwrap();
    }
    while client.wants_write() {
        let n = server.read_tls(client.pending_tls());
        client.consume_tls(n);
        server.process_new_packets().unwrap();
        while server.read_plaintext(&mut sink) > 0 {}
    }
    let busy = heap() - before;
    assert!(
        busy > SLACK,
        "the buffers of the second transfer are not seen"
    );
    client.shrink_buffers();
    server.shrink_buffers();
    let idle = heap() - before;
    assert!(
        idle <= SLACK,
        "{idle} bytes still held after shrink_buffers ({busy} before)"
    );
}
