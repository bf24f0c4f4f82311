//! An idle connection holds no buffer: what a bulk transfer allocated (the receive buffer,
//! the send buffer) is released once the traffic stops — the send buffer as soon as it
//! drains, the receive buffer once its last plaintext is read after a short record (the
//! usual end of a response), else at the end of the next `process_new_packets` or by
//! `shrink_buffers`. Released buffers go to the thread's spares (one per direction, kept
//! for the next record of any connection on that thread), so each step runs on a thread of
//! its own: once it has ended, what is left on the heap is what the connections hold.
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

/// Sends `data` from the client, delivering each record to the server as it
/// comes and reading all the plaintext; returns the count read.
fn transfer(
    client: &mut Connection,
    server: &mut Connection,
    data: &[u8],
    sink: &mut [u8],
) -> usize {
    let mut written = 0;
    let mut received = 0;
    while written < data.len() {
        written += client.write_plaintext(&data[written..]).unwrap();
        while client.wants_write() {
            let n = server.read_tls(client.pending_tls());
            client.consume_tls(n);
            server.process_new_packets().unwrap();
            loop {
                let got = server.read_plaintext(sink);
                if got == 0 {
                    break;
                }
                assert!(sink[..got].iter().all(|&b| b == 1));
                received += got;
            }
        }
    }
    assert!(!server.wants_write(), "the server has nothing to say");
    received
}

/// Most this thread's two spare buffers may hold: two maximal records each.
const SPARES: i64 = 2 * 2 * (5 + 16384 + 256);

/// Runs `step` on a thread of its own, so that the spare buffers it leaves are freed when
/// it ends, and returns what it returned.
fn on_a_thread<R: Send>(step: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| s.spawn(step).join().unwrap())
}

/// A call that lets a connection release what it holds.
type Release = fn(&mut Connection);

#[test]
fn idle_connection_frees_its_buffers() {
    let (mut client, mut server) = (
        Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap(),
        Connection::server(Arc::new(server_config(KeyType::P256))).unwrap(),
    );
    handshake(&mut client, &mut server);
    let data = vec![1u8; 100_000];
    let full = vec![1u8; 4 * 16384];
    let mut sink = vec![0u8; 1 << 16];
    let before = heap();

    on_a_thread(|| {
        // The measurement sees the buffers: 100 KB of plaintext written is ~100 KB of
        // records queued in the client's send buffer.
        let mut written = 0;
        while written < data.len() {
            written += client.write_plaintext(&data[written..]).unwrap();
        }
        let queued = heap() - before;
        assert!(
            queued >= data.len() as i64,
            "only {queued} bytes held with 100 KB queued: the allocator is not counting"
        );
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
                received += got;
            }
        }
        assert_eq!(received, data.len());
        // The released buffers wait as this thread's spares, which are bounded.
        let held = heap() - before;
        assert!(
            held <= SLACK + SPARES,
            "{held} bytes held on the thread: more than its two spare buffers"
        );
    });

    // 100 KB ends with a short record: once it is sent and read, both buffers are
    // released at once, with no further call (the connection is idle; nothing says so but
    // the short last record).
    let idle = heap() - before;
    assert!(
        idle <= SLACK,
        "{idle} bytes still held once the last, short record was sent and read"
    );

    // A burst of full-size records keeps the receive buffer for the next record (more is
    // likely on its way), until process_new_packets finds it empty (each side calls it
    // once more, nothing new arrived) or shrink_buffers says the connection is idle.
    let releases: [(&str, Release); 2] = [
        ("process_new_packets", |c| {
            c.process_new_packets().unwrap();
        }),
        ("shrink_buffers", Connection::shrink_buffers),
    ];
    for (release, call) in releases {
        on_a_thread(|| {
            assert_eq!(
                transfer(&mut client, &mut server, &full, &mut sink),
                full.len()
            );
        });
        let busy = heap() - before;
        assert!(
            busy > SLACK,
            "the buffers of a burst of full records were not kept ({busy} bytes)"
        );
        on_a_thread(|| {
            call(&mut server);
            call(&mut client);
        });
        let idle = heap() - before;
        assert!(
            idle <= SLACK,
            "{idle} bytes still held after {release} ({busy} before)"
        );
    }
}
