//! padlock against rustls in memory, both directions, every suite: the handshake
//! completes, data flows both ways, and both sides derive the same exporter output
//! (RFC 8446 §7.5), and data keeps flowing after padlock sends a KeyUpdate that asks
//! rustls to update too (§4.6.3, §7.2) — independent checks of padlock's key schedule.

use padlock_benches::{Endpoint, KeyType, PadlockSetup, Pipe, RustlsSetup, Suite, TestPki};

fn exchange(pipe: &mut Pipe, client: &mut dyn Endpoint, server: &mut dyn Endpoint) {
    pipe.handshake(client, server);
    both_ways(pipe, client, server);
}

fn both_ways(pipe: &mut Pipe, client: &mut dyn Endpoint, server: &mut dyn Endpoint) {
    let data = vec![0xa5; 40_000];
    assert_eq!(pipe.transfer(client, server, &data, data.len()), data.len());
    assert_eq!(pipe.transfer(server, client, &data, data.len()), data.len());
}

#[test]
fn padlock_client_and_rustls_server_agree_on_exporters() {
    if !TestPki::openssl_available() {
        return;
    }
    let pki = TestPki::generate(KeyType::P256);
    for suite in Suite::ALL {
        let mut pipe = Pipe::default();
        let mut client = PadlockSetup::new(&pki, suite).client();
        let mut server = RustlsSetup::new(&pki, suite).server();
        exchange(&mut pipe, &mut client, &mut server);

        for context in [None, Some(&b""[..]), Some(&b"context"[..])] {
            let mut ours = [0u8; 48];
            client
                .export_keying_material(&mut ours, b"EXPORTER-padlock", context)
                .unwrap();
            let theirs = server
                .export_keying_material([0u8; 48], b"EXPORTER-padlock", context)
                .unwrap();
            assert_eq!(ours, theirs, "{} with context {context:?}", suite.name());
        }

        // Two KeyUpdates from padlock, each asking rustls to answer with its own.
        for _ in 0..2 {
            client.request_key_update(true).unwrap();
            both_ways(&mut pipe, &mut client, &mut server);
        }
    }
}

#[test]
fn rustls_client_and_padlock_server_agree_on_exporters() {
    if !TestPki::openssl_available() {
        return;
    }
    let pki = TestPki::generate(KeyType::Rsa2048);
    for suite in Suite::ALL {
        let mut pipe = Pipe::default();
        let mut client = RustlsSetup::new(&pki, suite).client();
        let mut server = PadlockSetup::new(&pki, suite).server();
        exchange(&mut pipe, &mut client, &mut server);

        let mut ours = [0u8; 100];
        server
            .export_keying_material(&mut ours, b"EXPORTER-padlock", Some(b"ctx"))
            .unwrap();
        let theirs = client
            .export_keying_material([0u8; 100], b"EXPORTER-padlock", Some(b"ctx"))
            .unwrap();
        assert_eq!(ours, theirs, "{}", suite.name());

        server.request_key_update(true).unwrap();
        both_ways(&mut pipe, &mut client, &mut server);
    }
}
