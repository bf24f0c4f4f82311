//! The shim names why padlock's server rejected 0-RTT data from the reason its trace gives
//! (`-expect-early-data-reason`): these in-process handshakes hold the engine's words and
//! the shim's table together.

use std::sync::Arc;

use padlock_bogo_shim::early_data::Rejection;
use padlock_crypto::{AwsLcProvider, Provider};
use padlock_pki::ca::{InitOptions, LocalCa};
use padlock_test_support::TempDir;
use padlock_tls::ticket::RotatingTicketer;
use padlock_tls::{
    danger, CertifiedKey, ClientConfig, Connection, EarlyDataStatus, ServerConfig, ServerName,
};

fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

fn localhost() -> ServerName {
    ServerName::try_from("localhost").unwrap()
}

/// Moves bytes both ways until neither side has more to send.
fn handshake(client: &mut Connection, server: &mut Connection) {
    for _ in 0..16 {
        let to_server = client.pending_tls().to_vec();
        client.consume_tls(to_server.len());
        server.read_tls(&to_server);
        server.process_new_packets().unwrap();
        let to_client = server.pending_tls().to_vec();
        server.consume_tls(to_client.len());
        client.read_tls(&to_client);
        client.process_new_packets().unwrap();
        if to_server.is_empty() && to_client.is_empty() {
            return;
        }
    }
    panic!("the handshake did not settle");
}

#[test]
fn a_server_selecting_another_alpn_protocol_than_the_sessions_is_alpn_mismatch() {
    let dir = TempDir::new("bogo-shim-reasons");
    let ca = LocalCa::init(&AwsLcProvider, dir.path(), InitOptions::default()).unwrap();
    let leaf = ca.localhost_leaf().unwrap();
    let key = CertifiedKey::from_pem(
        provider().as_ref(),
        leaf.chain_pem.as_bytes(),
        leaf.key_pem.as_bytes(),
    )
    .map(Arc::new)
    .unwrap();
    let ticketer = Arc::new(RotatingTicketer::new(
        provider(),
        RotatingTicketer::DEFAULT_PERIOD,
    ));
    let rejection = Arc::new(Rejection::default());
    let server = |alpn: &[u8]| {
        let mut config = ServerConfig::new(provider(), key.clone());
        config.ticketer = Some(ticketer.clone());
        config.max_early_data_size = 1000;
        config.alpn_protocols = vec![alpn.to_vec()];
        config.trace = Some(rejection.clone());
        Arc::new(config)
    };
    let mut client = ClientConfig::new(provider(), Arc::new(danger::NoServerVerification));
    client.enable_early_data = true;
    client.alpn_protocols = vec![b"foo".to_vec(), b"bar".to_vec()];
    let client = Arc::new(client);

    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    let mut s = Connection::server(server(b"foo")).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.alpn_protocol(), Some(&b"foo"[..]));

    // The session's protocol is offered, so is 0-RTT; the server now speaks only "bar".
    let mut c = Connection::client(client, localhost()).unwrap();
    assert_eq!(c.early_data_status(), EarlyDataStatus::Pending);
    let mut s = Connection::server(server(b"bar")).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(s.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(rejection.boringssl_reason(), Some("alpn_mismatch"));
}
