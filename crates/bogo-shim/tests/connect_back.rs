//! The shim's side of the runner protocol, against a stand-in runner: a listener on
//! 127.0.0.1 that reads the shim id and talks TLS to the shim with a padlock peer.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use padlock_bogo_shim::{main_with_args, EXIT_UNIMPLEMENTED};
use padlock_crypto::{AwsLcProvider, Provider};
use padlock_pki::ca::{InitOptions, LocalCa};
use padlock_test_support::TempDir;
use padlock_tls::{
    danger, CertifiedKey, ClientConfig, Connection, ServerConfig, ServerName, StreamOwned,
};

/// A CA's localhost leaf, written where the shim's `-cert-file`/`-key-file` can read it.
struct Credentials {
    _dir: TempDir,
    chain: PathBuf,
    key: PathBuf,
}

fn credentials() -> Credentials {
    let dir = TempDir::new("bogo-shim");
    let ca = LocalCa::init(&AwsLcProvider, dir.path(), InitOptions::default()).unwrap();
    let leaf = ca.localhost_leaf().unwrap();
    let chain = dir.write("leaf.chain.pem", leaf.chain_pem.as_bytes());
    let key = dir.write("leaf.key.pem", leaf.key_pem.as_bytes());
    Credentials {
        _dir: dir,
        chain,
        key,
    }
}

/// Starts the shim with `flags` (plus `-port` and `-shim-id 42`) on a thread, accepts its
/// connection and checks the shim id; returns the socket and the shim's exit code.
fn start_shim(flags: &[&str]) -> (TcpStream, thread::JoinHandle<i32>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut args: Vec<String> = vec!["-port".into(), port, "-shim-id".into(), "42".into()];
    args.extend(flags.iter().map(|f| f.to_string()));
    let shim = thread::spawn(move || main_with_args(&args));
    let (mut sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut id = [0u8; 8];
    sock.read_exact(&mut id).unwrap();
    assert_eq!(
        u64::from_le_bytes(id),
        42,
        "the shim id comes first, little-endian"
    );
    (sock, shim)
}

/// [`start_shim`] as a server presenting `creds`.
fn start_shim_server(creds: &Credentials, flags: &[&str]) -> (TcpStream, thread::JoinHandle<i32>) {
    let mut all = vec![
        "-server",
        "-cert-file",
        creds.chain.to_str().unwrap(),
        "-key-file",
        creds.key.to_str().unwrap(),
    ];
    all.extend_from_slice(flags);
    start_shim(&all)
}

/// A padlock client (trusting any certificate) offering `alpn` over `sock`.
fn padlock_client(sock: TcpStream, alpn: &[&[u8]]) -> StreamOwned<TcpStream> {
    let mut config = ClientConfig::new(provider(), Arc::new(danger::NoServerVerification));
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let conn =
        Connection::client(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap();
    StreamOwned::new(conn, sock)
}

/// `creds` loaded, for a padlock server facing the shim's client.
fn certified_key(creds: &Credentials) -> Arc<CertifiedKey> {
    let read = |path: &PathBuf| std::fs::read(path).unwrap();
    let cert = CertifiedKey::from_pem(provider().as_ref(), &read(&creds.chain), &read(&creds.key));
    Arc::new(cert.unwrap())
}

fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

fn inverted(data: &[u8]) -> Vec<u8> {
    data.iter().map(|b| b ^ 0xff).collect()
}

#[test]
fn shim_server_handshakes_and_echoes_inverted_bytes() {
    let creds = credentials();
    let (sock, shim) = start_shim_server(&creds, &["-select-alpn", "foo", "-expect-alpn", "foo"]);
    let mut tls = padlock_client(sock, &[b"foo"]);
    let message = [0x42u8; 1000];
    tls.write_all(&message).unwrap();
    let mut reply = vec![0u8; message.len()];
    tls.read_exact(&mut reply).unwrap();
    assert_eq!(reply, inverted(&message));
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"foo"[..]));
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    assert_eq!(shim.join().unwrap(), 0);
}

#[test]
fn shim_client_writes_first_then_echoes() {
    let creds = credentials();
    let (sock, shim) = start_shim(&[
        "-shim-writes-first",
        "-advertise-alpn",
        "\x03bar\x03foo",
        "-expect-alpn",
        "foo",
        "-read-size",
        "7",
    ]);
    let mut config = ServerConfig::new(provider(), certified_key(&creds));
    config.alpn_protocols = vec![b"foo".to_vec()];
    let conn = Connection::server(Arc::new(config)).unwrap();
    let mut tls = StreamOwned::new(conn, sock);
    let mut hello = [0u8; 5];
    tls.read_exact(&mut hello).unwrap();
    assert_eq!(&hello, b"hello");
    let message = b"a message longer than one read of seven bytes";
    tls.write_all(message).unwrap();
    let mut reply = vec![0u8; message.len()];
    tls.read_exact(&mut reply).unwrap();
    assert_eq!(reply, inverted(message));
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    assert_eq!(shim.join().unwrap(), 0);
}

/// A client verifier that accepts any certificate and names one CA, `30 00` (an empty
/// DER Name), in its CertificateRequest.
struct AnyClientNamingOneCa;

impl padlock_tls::ClientCertVerifier for AnyClientNamingOneCa {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        vec![vec![0x30, 0x00]]
    }

    fn verify_client_cert(
        &self,
        _: &[u8],
        _: &[&[u8]],
        _: padlock_tls::UnixTime,
    ) -> Result<(), padlock_tls::Error> {
        Ok(())
    }
}

#[test]
fn shim_client_sends_the_credential_the_certificate_request_accepts() {
    let creds = credentials();
    let (chain, key) = (creds.chain.to_str().unwrap(), creds.key.to_str().unwrap());
    // Credential 0 signs ecdsa_secp384r1_sha384 only, which the server does not accept;
    // the default one (-1) signs ecdsa_secp256r1_sha256 (1027), the one it does.
    let (sock, shim) = start_shim(&[
        "-cert-file",
        chain,
        "-key-file",
        key,
        "-new-x509-credential",
        "-cert-file",
        chain,
        "-key-file",
        key,
        "-signing-prefs",
        "1283",
        "-expect-selected-credential",
        "-1",
        "-expect-peer-verify-pref",
        "1027",
        "-expect-client-ca-list",
        "3000",
    ]);
    let mut config = ServerConfig::new(provider(), certified_key(&creds));
    config.signature_schemes = vec![padlock_tls::SignatureScheme::ecdsa_secp256r1_sha256];
    config.client_auth = padlock_tls::ClientAuth::Required(Arc::new(AnyClientNamingOneCa));
    let conn = Connection::server(Arc::new(config)).unwrap();
    let mut tls = StreamOwned::new(conn, sock);
    let message = b"mutual";
    tls.write_all(message).unwrap();
    let mut reply = vec![0u8; message.len()];
    tls.read_exact(&mut reply).unwrap();
    assert_eq!(reply, inverted(message));
    assert!(tls.conn.peer_certificates().is_some());
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    assert_eq!(shim.join().unwrap(), 0);
}

#[test]
fn shim_server_limited_to_tls12_handshakes_tls12_and_echoes() {
    let creds = credentials();
    let (sock, shim) =
        start_shim_server(&creds, &["-max-version", "771", "-expect-version", "771"]);
    let mut tls = padlock_client(sock, &[]);
    let message = [0x17u8; 700];
    tls.write_all(&message).unwrap();
    let mut reply = vec![0u8; message.len()];
    tls.read_exact(&mut reply).unwrap();
    assert_eq!(reply, inverted(&message));
    assert_eq!(
        tls.conn.protocol_version(),
        Some(padlock_tls::ProtocolVersion::TLSv1_2)
    );
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    assert_eq!(shim.join().unwrap(), 0);
}

#[test]
fn shim_server_writes_the_tls_unique_binding_and_checks_the_advertised_alpn() {
    let creds = credentials();
    let (sock, shim) = start_shim_server(
        &creds,
        &[
            "-max-version",
            "771",
            "-tls-unique",
            "-expect-advertised-alpn",
            "\x03foo\x03bar",
        ],
    );
    let mut tls = padlock_client(sock, &[b"foo", b"bar"]);
    let mut binding = [0u8; 12];
    tls.read_exact(&mut binding).unwrap();
    assert_eq!(Some(&binding[..]), tls.conn.tls_unique());
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    assert_eq!(shim.join().unwrap(), 0);

    // Another ALPN offer than the one expected fails the test.
    let (sock, shim) = start_shim_server(&creds, &["-expect-advertised-alpn", "\x03foo"]);
    let mut tls = padlock_client(sock, &[b"bar"]);
    assert!(tls.complete_handshake().is_err());
    assert_eq!(shim.join().unwrap(), 1);
}

#[test]
fn shim_server_rejecting_alpn_sends_no_application_protocol() {
    let creds = credentials();
    let (sock, shim) = start_shim_server(&creds, &["-reject-alpn"]);
    let mut tls = padlock_client(sock, &[b"foo"]);
    let err = tls.complete_handshake().unwrap_err();
    assert!(
        matches!(
            tls.conn.error(),
            Some(padlock_tls::Error::AlertReceived(
                padlock_tls::AlertDescription::NoApplicationProtocol
            ))
        ),
        "{err}"
    );
    // Closed, so the shim stops waiting for us to read its alert.
    drop(tls);
    assert_eq!(shim.join().unwrap(), 1);
}

#[test]
fn shim_fails_when_an_expectation_is_not_met() {
    let creds = credentials();
    let (sock, shim) = start_shim_server(&creds, &["-expect-alpn", "foo"]);
    let mut tls = padlock_client(sock, &[]);
    tls.complete_handshake().unwrap();
    assert_eq!(shim.join().unwrap(), 1, "no ALPN was negotiated");
}

#[test]
fn unknown_flags_exit_unimplemented_without_connecting() {
    let args: Vec<String> = ["-port", "1", "-shim-id", "0", "-dtls"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(main_with_args(&args), EXIT_UNIMPLEMENTED);
    // TLS 1.1 and older are not implemented: a range holding neither 1.2 nor 1.3.
    let tls11 = ["-port", "1", "-max-version", "770"].map(String::from);
    assert_eq!(main_with_args(&tls11), EXIT_UNIMPLEMENTED);
    let no_versions = ["-port", "1", "-no-tls13", "-no-tls12"].map(String::from);
    assert_eq!(main_with_args(&no_versions), EXIT_UNIMPLEMENTED);
    let cbc_only = ["-port", "1", "-cipher", "TLS_RSA_WITH_AES_128_CBC_SHA"].map(String::from);
    assert_eq!(main_with_args(&cbc_only), EXIT_UNIMPLEMENTED);
}

#[test]
fn answers_the_handshaker_probe_with_success() {
    assert_eq!(main_with_args(&["-is-handshaker-supported".into()]), 0);
}
