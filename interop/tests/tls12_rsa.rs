//! TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1) against OpenSSL on 127.0.0.1: padlock's
//! client against `openssl s_server -tls1_2 -cipher AES128-GCM-SHA256` (and AES256), and
//! `openssl s_client -tls1_2 -cipher …` against padlock's server — each working with the
//! `legacy_rsa_key_exchange` opt-in and refused without it, saying why.

use std::time::Duration;

use padlock_interop::engine::{self, TestServer};
use padlock_interop::peers::{openssl_client, openssl_server};
use padlock_interop::{contains, Fixtures};
use padlock_tls::{CipherSuite, PeerIncompatible, ProtocolVersion};

const WAIT: Duration = Duration::from_secs(10);
const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// (OpenSSL's name, the IANA suite).
const SUITES: [(&str, CipherSuite); 2] = [
    (
        "AES128-GCM-SHA256",
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "AES256-GCM-SHA384",
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
    ),
];

fn rsa_client(fx: &Fixtures, opt_in: bool) -> padlock_tls::ClientConfig {
    let mut config = engine::client_config(&fx.rsa_ca.cert);
    if opt_in {
        config.legacy_rsa_key_exchange = true;
        config
            .cipher_suites
            .extend(SUITES.iter().map(|(_, suite)| *suite));
    }
    config
}

fn rsa_server(fx: &Fixtures, opt_in: bool) -> padlock_tls::ServerConfig {
    let mut config = engine::server_config(&fx.rsa_server);
    if opt_in {
        config.legacy_rsa_key_exchange = true;
        config
            .cipher_suites
            .extend(SUITES.iter().map(|(_, suite)| *suite));
    }
    config
}

#[test]
fn padlock_client_uses_rsa_key_transport_with_openssl_server_only_with_the_opt_in() {
    let Some(fx) = Fixtures::get() else { return };
    for (name, suite) in SUITES {
        let (_peer, port) =
            openssl_server(fx, &fx.rsa_server, "-tls1_2", &["-cipher", name, "-www"]);
        let out = engine::client_exchange(rsa_client(fx, true), "localhost", port, GET, 1 << 16)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            out.negotiated.version,
            Some(ProtocolVersion::TLSv1_2),
            "{name}"
        );
        assert_eq!(out.negotiated.suite, Some(suite), "{name}");
        assert_eq!(out.negotiated.group, None, "{name}: no key exchange group");
        assert!(
            contains(&out.response, name.as_bytes()),
            "{name}: s_server's page does not name the suite"
        );

        let refused =
            engine::client_exchange(rsa_client(fx, false), "localhost", port, GET, 1 << 16)
                .expect_err("a client without the opt-in offers no RSA key transport");
        assert!(refused.contains("handshake_failure"), "{name}: {refused}");
    }
}

#[test]
fn openssl_client_gets_rsa_key_transport_from_padlock_server_only_with_the_opt_in() {
    let Some(fx) = Fixtures::get() else { return };
    let ca = fx.rsa_ca.cert.display().to_string();
    for (name, suite) in SUITES {
        let args = [
            "-cipher",
            name,
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-verify_return_error",
            "-CAfile",
            &ca,
        ];
        let server = TestServer::start(rsa_server(fx, true), 1, 16);
        let client = openssl_client(fx, server.port, "-tls1_2", &args);
        let n = server
            .next(WAIT)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", client.output_text()));
        assert_eq!(n.suite, Some(suite), "{name}");
        assert_eq!(n.version, Some(ProtocolVersion::TLSv1_2));
        assert!(
            contains(&client.stdout(), format!("suite={suite}").as_bytes()),
            "{name}: {}",
            client.output_text()
        );

        let server = TestServer::start(rsa_server(fx, false), 1, 16);
        let client = openssl_client(fx, server.port, "-tls1_2", &args);
        let refused = server
            .next(WAIT)
            .expect_err("no RSA key transport without the opt-in");
        assert!(
            refused.contains(
                &padlock_tls::Error::PeerIncompatible(PeerIncompatible::RsaKeyExchangeNotEnabled)
                    .to_string()
            ),
            "{name}: {refused}"
        );
        assert!(
            client.output_text().contains("handshake failure"),
            "{name}: {}",
            client.output_text()
        );
    }
}
