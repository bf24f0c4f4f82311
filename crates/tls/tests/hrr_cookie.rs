//! The server's HelloRetryRequest cookie (RFC 8446 §4.2.2), opt-in with
//! `ServerConfig::hello_retry_cookie_key`: sent in the HelloRetryRequest, echoed by our
//! client and by `openssl s_client`, and refused with illegal_parameter when the second
//! ClientHello changes it, drops it, or brings one that was never sent (§4.1.2).
//!
//! The retry is forced as in the interop suite: the server accepts only secp384r1 and the
//! client key-shares X25519 first.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::{
    handshake, have_peer, insecure_client_config, localhost, ping_through, record, records,
    server_config, spawn_echo_server, KeyType,
};
use padlock_tls::alert::alert_for;
use padlock_tls::internal::wire::{Codec, HandshakeMessage, HandshakePayload};
use padlock_tls::{
    AlertDescription, Connection, Error, HandshakeKind, NamedGroup, PeerMisbehaved, ServerConfig,
};

const COOKIE_KEY: [u8; 32] = [0x5c; 32];

#[test]
fn retry_carries_a_cookie_that_our_client_echoes() {
    let (mut client, mut server) = retry_pair(true);
    let hrr = server_flight_hello_retry(&mut client, &mut server);
    let HandshakePayload::HelloRetryRequest(hrr) = decode(&hrr) else {
        panic!("expected a HelloRetryRequest");
    };
    assert_eq!(hrr.extensions.key_share, Some(NamedGroup::secp384r1));
    let cookie = hrr
        .extensions
        .cookie
        .expect("a cookie in the HelloRetryRequest");
    // Hash(ClientHello1) (SHA-256 for the default suite) and a 32-byte MAC.
    assert_eq!(cookie.len(), 64);

    handshake(&mut client, &mut server);
    assert_eq!(
        server.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
    assert_eq!(server.negotiated_group(), Some(NamedGroup::secp384r1));
    assert_eq!(common::send(&mut client, &mut server, b"after"), b"after");
}

#[test]
fn retry_without_a_cookie_key_carries_no_cookie() {
    let (mut client, mut server) = retry_pair(false);
    let hrr = server_flight_hello_retry(&mut client, &mut server);
    let HandshakePayload::HelloRetryRequest(hrr) = decode(&hrr) else {
        panic!("expected a HelloRetryRequest");
    };
    assert_eq!(hrr.extensions.cookie, None);
    handshake(&mut client, &mut server);
}

#[test]
fn a_changed_cookie_is_refused_with_illegal_parameter() {
    let (mut client, mut server) = retry_pair(true);
    server_flight_hello_retry(&mut client, &mut server);
    let err = second_hello_edited(&mut client, &mut server, |hello| {
        let cookie = hello.extensions.cookie.as_mut().expect("echoed cookie");
        cookie.to_mut()[0] ^= 1; // inside the ClientHello1 hash: the MAC no longer matches
    });
    assert_refused(&err);
}

#[test]
fn a_cookie_with_a_changed_mac_is_refused_with_illegal_parameter() {
    let (mut client, mut server) = retry_pair(true);
    server_flight_hello_retry(&mut client, &mut server);
    let err = second_hello_edited(&mut client, &mut server, |hello| {
        let cookie = hello.extensions.cookie.as_mut().expect("echoed cookie");
        let last = cookie.len() - 1;
        cookie.to_mut()[last] ^= 0x80;
    });
    assert_refused(&err);
}

#[test]
fn a_dropped_cookie_is_refused_with_illegal_parameter() {
    let (mut client, mut server) = retry_pair(true);
    server_flight_hello_retry(&mut client, &mut server);
    let err = second_hello_edited(&mut client, &mut server, |hello| {
        assert!(hello.extensions.cookie.take().is_some());
    });
    assert_refused(&err);
}

#[test]
fn a_cookie_the_server_never_sent_is_refused_with_illegal_parameter() {
    let (mut client, mut server) = retry_pair(false);
    server_flight_hello_retry(&mut client, &mut server);
    let err = second_hello_edited(&mut client, &mut server, |hello| {
        hello.extensions.cookie = Some(vec![1; 64].into());
    });
    assert_refused(&err);
}

#[test]
fn a_cookie_from_another_connection_is_refused_with_illegal_parameter() {
    // Same key, same suite and group, but the hash of another ClientHello1: valid MAC,
    // wrong connection.
    let (mut other_client, mut other_server) = retry_pair(true);
    let other = server_flight_hello_retry(&mut other_client, &mut other_server);
    let HandshakePayload::HelloRetryRequest(other) = decode(&other) else {
        panic!("expected a HelloRetryRequest");
    };
    let stolen = other.extensions.cookie.unwrap().to_vec();

    let (mut client, mut server) = retry_pair(true);
    server_flight_hello_retry(&mut client, &mut server);
    let err = second_hello_edited(&mut client, &mut server, |hello| {
        hello.extensions.cookie = Some(stolen.clone().into());
    });
    assert_refused(&err);
}

#[test]
fn openssl_s_client_echoes_our_cookie() {
    if !have("openssl") {
        return;
    }
    let (port, server) = spawn_echo_server(cookie_server_config(true));
    // s_client key-shares only its first group (X25519): our server asks for secp384r1.
    let out = ping_through(
        Command::new("openssl")
            .args([
                "s_client",
                "-tls1_3",
                "-quiet",
                "-groups",
                "X25519:secp384r1",
            ])
            .arg("-connect")
            .arg(format!("127.0.0.1:{port}"))
            .args(["-servername", "localhost"]),
    );
    let kind = server.join().unwrap();
    assert!(out.contains("echo: ping"), "openssl said: {out}");
    assert_eq!(kind, Some(HandshakeKind::FullWithHelloRetryRequest));
}

/// A server that accepts only secp384r1 (so an X25519-first client is retried), with or
/// without a cookie key.
fn cookie_server_config(cookie: bool) -> ServerConfig {
    let mut config = server_config(KeyType::P256);
    config.groups = vec![NamedGroup::secp384r1];
    config.hello_retry_cookie_key = cookie.then_some(COOKIE_KEY);
    config
}

fn retry_pair(cookie: bool) -> (Connection, Connection) {
    let client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let server = Connection::server(Arc::new(cookie_server_config(cookie))).unwrap();
    (client, server)
}

/// Delivers the ClientHello1 to the server and the server's answer to the client; returns
/// the answer's first handshake message (read it with [`decode`]).
fn server_flight_hello_retry(client: &mut Connection, server: &mut Connection) -> Vec<u8> {
    common::transfer(client, server).unwrap();
    let answer = server.pending_tls().to_vec();
    let (typ, payload) = records(&answer).into_iter().next().expect("a record");
    assert_eq!(typ, 22, "handshake record");
    common::transfer(server, client).unwrap();
    payload
}

fn decode(message: &[u8]) -> HandshakePayload<'_> {
    HandshakeMessage::decode(message).unwrap().payload
}

/// Takes the client's ClientHello2, edits it, delivers it (with the records around it) to
/// the server and returns the server's error, after checking the alert was queued.
fn second_hello_edited(
    client: &mut Connection,
    server: &mut Connection,
    edit: impl Fn(&mut padlock_tls::internal::wire::ClientHello),
) -> Error {
    let flight = client.pending_tls().to_vec();
    client.consume_tls(flight.len());
    let mut edited = Vec::new();
    for (typ, payload) in records(&flight) {
        let payload = if typ == 22 {
            let HandshakePayload::ClientHello(mut hello) =
                HandshakeMessage::decode(&payload).unwrap().payload
            else {
                panic!("expected ClientHello2");
            };
            edit(&mut hello);
            HandshakePayload::ClientHello(hello).to_vec()
        } else {
            payload
        };
        edited.extend_from_slice(&record(typ, &payload));
    }
    assert_eq!(server.read_tls(&edited), edited.len());
    let err = server
        .process_new_packets()
        .expect_err("the server should refuse the edited ClientHello2");
    // RFC 8446 §6: the alert goes out before the connection closes.
    let alert = records(server.pending_tls());
    assert_eq!(
        alert.last().map(|(t, p)| (*t, p.clone())),
        Some((21, vec![2, 47])),
        "a fatal illegal_parameter alert"
    );
    err
}

/// The server refused ClientHello2 for what RFC 8446 §4.1.2 / §4.2.2 forbid, with
/// illegal_parameter.
fn assert_refused(err: &Error) {
    assert_eq!(
        err,
        &Error::PeerMisbehaved(PeerMisbehaved::IllegalClientHelloAfterRetry),
        "{err}"
    );
    assert_eq!(alert_for(err), Some(AlertDescription::IllegalParameter));
}

fn have(binary: &str) -> bool {
    have_peer(binary, "version")
}
