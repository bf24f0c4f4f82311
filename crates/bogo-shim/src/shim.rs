//! One test: connect back to the runner, run a padlock client or server over that socket
//! as the flags say, check what they expect, then echo the runner's data back inverted
//! (each byte XOR 0xff), as BoringSSL's shim does.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::ticket::{ClientSessionCache, RotatingTicketer, ServerSessionCache};
use padlock_tls::{
    danger, AlertDescription, CertifiedKey, CipherSuite, ClientAuth, ClientCertVerifier,
    ClientConfig, Connection, Error, HandshakeKind, NamedGroup, PeerIncompatible, ProtocolVersion,
    ServerConfig, ServerName, SignatureScheme, Stream, UnixTime, DEFAULT_TICKET_LIFETIME,
};

use crate::flags::{Refusal, Settings, Which};

/// The exit code that tells the runner a test is not applicable.
pub const EXIT_UNIMPLEMENTED: i32 = 89;

/// How long a socket read or write may block before the test counts as hung.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a test failed, in words that end up on stderr for the runner's error matching.
#[derive(Debug)]
pub enum Failure {
    /// The runner asked for something padlock does not implement.
    Refused(Refusal),
    /// The TLS connection failed: the engine's error, whose `Debug` names the variant
    /// (what the shim config's `ErrorMap` matches) and whose `Display` explains it.
    Tls(Error),
    /// The socket failed (no TLS error behind it).
    Io(io::Error),
    /// The connection worked but not as the flags expected.
    Expectation(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(r) => write!(f, "{r}"),
            Self::Tls(e) => write!(f, "padlock error {e:?}: {e}"),
            Self::Io(e) => write!(f, "socket error {:?}: {e}", e.kind()),
            Self::Expectation(what) => write!(f, "unexpected outcome: {what}"),
        }
    }
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Refused(Refusal::Unimplemented(_)) => EXIT_UNIMPLEMENTED,
            _ => 1,
        }
    }
}

/// What the connections of one test share, so that a later one can resume an earlier
/// one's session: the client's session store, the server's ticket keys and session-id
/// cache.
pub struct Sessions {
    store: Arc<ClientSessionCache>,
    ticketer: Arc<RotatingTicketer>,
    session_ids: Arc<ServerSessionCache>,
}

impl Sessions {
    pub fn new(provider: &Arc<dyn Provider>) -> Self {
        Self {
            store: Arc::new(ClientSessionCache::new(1)),
            ticketer: Arc::new(RotatingTicketer::new(
                provider.clone(),
                RotatingTicketer::DEFAULT_PERIOD,
            )),
            session_ids: Arc::new(ServerSessionCache::new(
                provider.clone(),
                64,
                DEFAULT_TICKET_LIFETIME,
            )),
        }
    }
}

/// Runs every connection of a test (`1 + resume_count`); the later ones offer (client)
/// or accept (server) the session of the one before.
pub fn run_test(args: &[String], initial: &Settings) -> Result<(), Failure> {
    // A client without tickets would resume TLS 1.2 by session id alone, which padlock's
    // client does only when the server gives no ticket: not what such a test checks.
    if initial.resume_count > 0 && initial.no_ticket && !initial.server {
        return Err(Failure::Refused(Refusal::Unimplemented(
            "-no-ticket on a resuming client (resumption by session id only)".into(),
        )));
    }
    let provider: Arc<dyn Provider> = Arc::new(AwsLcProvider);
    let sessions = Sessions::new(&provider);
    run_connection(initial, &provider, &sessions, false)?;
    if initial.resume_count > 0 {
        let resumed = Settings::for_connection(args, Which::Resume).map_err(Failure::Refused)?;
        for _ in 0..initial.resume_count {
            run_connection(&resumed, &provider, &sessions, true)?;
        }
    }
    Ok(())
}

/// One connection: connect back, write the shim id, handshake, check, echo, close.
/// `resume`: a later connection of the test, which must resume unless
/// `-expect-session-miss` (BoringSSL's shim checks the same).
pub fn run_connection(
    s: &Settings,
    provider: &Arc<dyn Provider>,
    sessions: &Sessions,
    resume: bool,
) -> Result<(), Failure> {
    refuse_what_padlock_lacks(s)?;
    let mut conn = if s.server {
        Connection::server(Arc::new(server_config(s, provider, sessions)?))
    } else {
        let name = match &s.host_name {
            Some(host) => ServerName::try_from(host.as_str())
                .map_err(|e| Failure::Refused(Refusal::Invalid(e.to_string())))?,
            // No -host-name: an address, for which padlock sends no server_name.
            None => ServerName::Ip(Ipv4Addr::LOCALHOST.into()),
        };
        Connection::client(Arc::new(client_config(s, provider, sessions)?), name)
    }
    .map_err(Failure::Tls)?;

    let mut sock = connect_back(s).map_err(Failure::Io)?;
    let mut tls = Stream::new(&mut conn, &mut sock);
    tls.complete_handshake()
        .map_err(|e| not_applicable_below_tls12(s, tls.conn, failure(tls.conn, e)))?;
    check_expectations(s, tls.conn, resume)?;
    check_resumption(s, tls.conn, resume)?;
    exchange(s, &mut tls).map_err(|e| match e {
        Failure::Io(io) => failure(tls.conn, io),
        other => other,
    })
}

/// The runner listens on loopback; the shim id, 8 bytes little-endian, says which test
/// this connection belongs to.
fn connect_back(s: &Settings) -> io::Result<TcpStream> {
    let sock = if s.ipv6 {
        TcpStream::connect((Ipv6Addr::LOCALHOST, s.port))?
    } else {
        TcpStream::connect((Ipv4Addr::LOCALHOST, s.port))?
    };
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(SOCKET_TIMEOUT))?;
    sock.set_write_timeout(Some(SOCKET_TIMEOUT))?;
    (&sock).write_all(&s.shim_id.to_le_bytes())?;
    Ok(sock)
}

/// The engine's error if the connection has one (the socket error is only its symptom).
fn failure(conn: &Connection, e: io::Error) -> Failure {
    match conn.error() {
        Some(tls) => Failure::Tls(tls.clone()),
        None => match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
            Some(tls) => Failure::Tls(tls.clone()),
            None => Failure::Io(e),
        },
    }
}

/// A handshake that failed only because the runner's peer speaks TLS 1.1 or older is a
/// test of those versions, unless the flags limited ours: with none, BoringSSL's shim would
/// have negotiated that old version and the runner expects what follows from that. padlock
/// speaks only TLS 1.3 and 1.2, so the test does not apply (exit 89).
fn not_applicable_below_tls12(s: &Settings, conn: &Connection, failure: Failure) -> Failure {
    let versions_limited = s.min_version.is_some() || s.max_version.is_some();
    let peer_below_tls12 = match &failure {
        Failure::Tls(Error::PeerIncompatible(PeerIncompatible::ObsoleteVersion(_))) => true,
        // Our ClientHello refused before any ServerHello came.
        Failure::Tls(Error::AlertReceived(AlertDescription::ProtocolVersion)) => {
            !s.server && conn.protocol_version().is_none()
        }
        _ => false,
    };
    if peer_below_tls12 && !versions_limited {
        Failure::Refused(Refusal::Unimplemented(format!(
            "a peer that speaks only TLS 1.1 or older ({failure})"
        )))
    } else {
        failure
    }
}

/// The versions the flags leave: TLS 1.3 and TLS 1.2 within `-min-version`..`-max-version`
/// (wire values), less `-no-tls13` / `-no-tls12`. Newest first.
fn versions(s: &Settings) -> Vec<ProtocolVersion> {
    let (min, max) = (
        s.min_version.unwrap_or(0),
        s.max_version.unwrap_or(u16::MAX),
    );
    [
        (ProtocolVersion::TLSv1_3, s.no_tls13),
        (ProtocolVersion::TLSv1_2, s.no_tls12),
    ]
    .into_iter()
    .filter(|&(v, off)| !off && (min..=max).contains(&v.to_wire()))
    .map(|(v, _)| v)
    .collect()
}

/// `-cipher` as padlock's suite list: only a list of suite names is understood (BoringSSL's
/// `[a|b]` equal-preference groups read as their members in order); a keyword (`ALL`,
/// `DEFAULT`, `3DES`, `!AES`, …) or a list naming only suites padlock lacks is refused.
fn cipher_list(cipher: &str) -> Result<Vec<CipherSuite>, Failure> {
    let unimplemented =
        |what: String| Failure::Refused(Refusal::Unimplemented(format!("-cipher {what}")));
    let mut suites = Vec::new();
    for name in cipher
        .split(':')
        .flat_map(|group| group.trim_matches(['[', ']']).split('|'))
        .filter(|n| !n.is_empty())
    {
        let suite = CipherSuite::from_name(name)
            .ok_or_else(|| unimplemented(format!("{name:?} (only suite names are understood)")))?;
        if PADLOCK_SUITES.contains(&suite) {
            suites.push(suite);
        }
    }
    if suites.is_empty() {
        return Err(unimplemented(format!(
            "{cipher:?}: no suite padlock implements"
        )));
    }
    Ok(suites)
}

/// The suites padlock implements: TLS 1.3's (the first three), and TLS 1.2's AEAD suites
/// (ECDHE, and RSA key transport, which the shim enables as BoringSSL's defaults do).
const PADLOCK_SUITES: [CipherSuite; 11] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// The version, suite and RSA key-transport settings both sides share. BoringSSL's
/// defaults accept RSA key transport in TLS 1.2, so the shim opts in whenever TLS 1.2 is
/// on (padlock's own default is off: it costs forward secrecy).
fn apply_protocol_settings(
    s: &Settings,
    versions_out: &mut Vec<ProtocolVersion>,
    suites: &mut Vec<CipherSuite>,
    legacy_rsa_key_exchange: &mut bool,
) -> Result<(), Failure> {
    let chosen = s.cipher.as_deref().map(cipher_list).transpose()?;
    *versions_out = versions(s);
    let rsa = versions_out.contains(&ProtocolVersion::TLSv1_2);
    *legacy_rsa_key_exchange = rsa;
    match chosen {
        // -cipher sets the TLS 1.2 list; TLS 1.3's suites stay (BoringSSL's do too).
        Some(list) => {
            suites.retain(|suite| PADLOCK_SUITES[..3].contains(suite));
            for suite in list {
                if !suites.contains(&suite) {
                    suites.push(suite);
                }
            }
        }
        None if rsa => suites.extend([
            CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
        ]),
        None => {}
    }
    Ok(())
}

/// Flags whose values ask for something padlock does not do (TLS 1.1 and older).
fn refuse_what_padlock_lacks(s: &Settings) -> Result<(), Failure> {
    let unimplemented = |what: &str| Err(Failure::Refused(Refusal::Unimplemented(what.into())));
    if versions(s).is_empty() {
        return unimplemented("a version range without TLS 1.3 or TLS 1.2");
    }
    let known = [
        ProtocolVersion::TLSv1_3.to_wire(),
        ProtocolVersion::TLSv1_2.to_wire(),
    ];
    if s.expect_version.is_some_and(|v| !known.contains(&v)) {
        return unimplemented("-expect-version other than TLS 1.3 or TLS 1.2");
    }
    if !s.curves.is_empty() && !s.curves.iter().any(|&g| PADLOCK_GROUPS.contains(&g)) {
        return unimplemented("-curves with no group padlock implements");
    }
    // padlock has one list of signature schemes, for those it signs with and those it
    // accepts: a flag setting one of them can be honoured only where the other is unused.
    let signs = s.server || s.cert_file.is_some();
    let verifies = !s.server || s.verify_peer || s.require_any_client_certificate;
    if s.signing_prefs != s.verify_prefs
        && ((!s.signing_prefs.is_empty() && verifies) || (!s.verify_prefs.is_empty() && signs))
    {
        return unimplemented(
            "-signing-prefs or -verify-prefs where padlock both signs and verifies",
        );
    }
    Ok(())
}

/// The key exchange groups padlock implements: x25519, secp256r1, secp384r1.
const PADLOCK_GROUPS: [u16; 3] = [0x001d, 0x0017, 0x0018];

/// The signature schemes of `-signing-prefs` or `-verify-prefs`, if either was given.
fn schemes(s: &Settings) -> Option<Vec<SignatureScheme>> {
    let prefs = if s.signing_prefs.is_empty() {
        &s.verify_prefs
    } else {
        &s.signing_prefs
    };
    (!prefs.is_empty()).then(|| {
        prefs
            .iter()
            .map(|&v| SignatureScheme::from_wire(v))
            .collect()
    })
}

fn groups(s: &Settings) -> Option<Vec<NamedGroup>> {
    (!s.curves.is_empty()).then(|| s.curves.iter().map(|&v| NamedGroup::from_wire(v)).collect())
}

fn certified_key(
    s: &Settings,
    provider: &Arc<dyn Provider>,
) -> Result<Option<Arc<CertifiedKey>>, Failure> {
    let (Some(cert), Some(key)) = (&s.cert_file, &s.key_file) else {
        return Ok(None);
    };
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| Failure::Refused(Refusal::Invalid(format!("{path}: {e}"))))
    };
    // A key padlock cannot load is one of a kind it does not implement (P-521, ML-DSA, …).
    let key = CertifiedKey::from_pem(provider.as_ref(), &read(cert)?, &read(key)?)
        .map_err(|e| Failure::Refused(Refusal::Unimplemented(format!("the key in {key}: {e}"))))?;
    Ok(Some(Arc::new(key)))
}

fn client_config(
    s: &Settings,
    provider: &Arc<dyn Provider>,
    sessions: &Sessions,
) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(provider.clone(), Arc::new(danger::NoServerVerification));
    // The test's store: a later connection offers the session the one before kept. A
    // client without tickets keeps none.
    config.session_store = match s.no_ticket {
        true => None,
        false => Some(sessions.store.clone()),
    };
    apply_protocol_settings(
        s,
        &mut config.versions,
        &mut config.cipher_suites,
        &mut config.legacy_rsa_key_exchange,
    )?;
    if let Some(groups) = groups(s) {
        config.groups = groups;
    }
    if let Some(schemes) = schemes(s) {
        config.signature_schemes = schemes;
    }
    if let Some(alpn) = &s.advertise_alpn {
        config.alpn_protocols = alpn.clone();
    }
    config.client_auth = certified_key(s, provider)?;
    Ok(config)
}

fn server_config(
    s: &Settings,
    provider: &Arc<dyn Provider>,
    sessions: &Sessions,
) -> Result<ServerConfig, Failure> {
    let cert = certified_key(s, provider)?.ok_or_else(|| {
        Failure::Refused(Refusal::Unimplemented(
            "a server without -cert-file and -key-file".into(),
        ))
    })?;
    let mut config = ServerConfig::new(provider.clone(), cert);
    // One ticket per connection, under the test's keys; TLS 1.2 sessions by id in the
    // test's cache too.
    config.ticket_count = 1;
    config.ticketer = match s.no_ticket {
        true => None,
        false => Some(sessions.ticketer.clone()),
    };
    config.session_id_cache = Some(sessions.session_ids.clone());
    apply_protocol_settings(
        s,
        &mut config.versions,
        &mut config.cipher_suites,
        &mut config.legacy_rsa_key_exchange,
    )?;
    if let Some(groups) = groups(s) {
        config.groups = groups;
    }
    if let Some(schemes) = schemes(s) {
        config.signature_schemes = schemes;
    }
    if let (Some(alpn), false) = (&s.select_alpn, s.decline_alpn) {
        config.alpn_protocols = vec![alpn.clone()];
    }
    let verifier: Arc<dyn ClientCertVerifier> = Arc::new(AnyClientCert);
    config.client_auth = if s.require_any_client_certificate {
        ClientAuth::Required(verifier)
    } else if s.verify_peer {
        ClientAuth::Optional(verifier)
    } else {
        ClientAuth::None
    };
    Ok(config)
}

/// BoringSSL's shim asks for a client certificate and accepts whichever comes (its verify
/// callback says yes); the runner checks which one was sent with `-expect-peer-cert-file`.
struct AnyClientCert;

impl ClientCertVerifier for AnyClientCert {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    fn verify_client_cert(&self, _: &[u8], _: &[&[u8]], _: UnixTime) -> Result<(), Error> {
        Ok(())
    }
}

/// The `-expect-*` checks on a finished handshake. On a resumed connection (`resume`) the
/// key exchange group and the peer's signature scheme are not checked: BoringSSL reports
/// the original session's, padlock this connection's — a resumed TLS 1.2 connection has
/// no key exchange, and no resumed connection has a signature.
fn check_expectations(s: &Settings, conn: &Connection, resume: bool) -> Result<(), Failure> {
    let resumed = resume && conn.handshake_kind().is_some_and(HandshakeKind::is_resumed);
    let mismatch = |what: &str, want: &dyn fmt::Debug, got: &dyn fmt::Debug| {
        Err(Failure::Expectation(format!(
            "{what}: expected {want:?}, got {got:?}"
        )))
    };
    if let Some(want) = &s.expect_alpn {
        if conn.alpn_protocol() != Some(want.as_slice()) {
            return mismatch("ALPN", &want, &conn.alpn_protocol());
        }
    }
    if let Some(want) = &s.expect_server_name {
        if conn.server_name() != Some(want.as_str()) {
            return mismatch("server name", want, &conn.server_name());
        }
    }
    if s.expect_no_server_name && conn.server_name().is_some() {
        return mismatch("server name", &None::<&str>, &conn.server_name());
    }
    let tls12 = conn.protocol_version() == Some(ProtocolVersion::TLSv1_2);
    if let Some(want) = s.expect_curve_id.filter(|_| !(resumed && tls12)) {
        let got = conn.negotiated_group().map(NamedGroup::to_wire);
        if got != Some(want) {
            return mismatch("group", &want, &got);
        }
    }
    if let Some(want) = s.expect_peer_signature_algorithm.filter(|_| !resumed) {
        let got = conn.signature_scheme().map(SignatureScheme::to_wire);
        if got != Some(want) {
            return mismatch("peer signature algorithm", &want, &got);
        }
    }
    if let Some(want) = s.expect_version {
        let got = conn.protocol_version().map(ProtocolVersion::to_wire);
        if got != Some(want) {
            return mismatch("version", &want, &got);
        }
    }
    if let Some(want) = s.expect_cipher {
        let got = conn.cipher_suite().map(CipherSuite::to_wire);
        if got != Some(want) {
            return mismatch("cipher suite", &want, &got);
        }
    }
    let hrr = matches!(
        conn.handshake_kind(),
        Some(
            HandshakeKind::FullWithHelloRetryRequest | HandshakeKind::ResumedWithHelloRetryRequest
        )
    );
    if (s.expect_hrr && !hrr) || (s.expect_no_hrr && hrr) {
        return mismatch("HelloRetryRequest", &s.expect_hrr, &hrr);
    }
    let peer_certs = conn.peer_certificates().unwrap_or(&[]);
    if s.expect_no_peer_cert && !peer_certs.is_empty() {
        return mismatch("peer certificates", &0, &peer_certs.len());
    }
    if let Some(path) = &s.expect_peer_cert_file {
        let pem = std::fs::read(path)
            .map_err(|e| Failure::Refused(Refusal::Invalid(format!("{path}: {e}"))))?;
        let want: Vec<Vec<u8>> = padlock_pki::pem::parse_all(&pem)
            .map_err(|e| Failure::Refused(Refusal::Invalid(format!("{path}: {e}"))))?
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE")
            .map(|b| b.der)
            .collect();
        if peer_certs != want.as_slice() {
            return Err(Failure::Expectation(format!(
                "the peer's chain differs from {path}"
            )));
        }
    }
    Ok(())
}

/// A later connection resumed, unless the test expects it not to; the first never does.
fn check_resumption(s: &Settings, conn: &Connection, resume: bool) -> Result<(), Failure> {
    let resumed = conn.handshake_kind().is_some_and(HandshakeKind::is_resumed);
    let expected = resume && !s.expect_session_miss;
    if resumed != expected {
        return Err(Failure::Expectation(format!(
            "session resumed: expected {expected}, got {resumed}"
        )));
    }
    Ok(())
}

/// After the handshake: the exporter output, the initial write, then echo until the
/// runner closes; then close_notify.
fn exchange<S: Read + Write>(s: &Settings, tls: &mut Stream<'_, S>) -> Result<(), Failure> {
    if s.export_keying_material > 0 {
        let mut out = vec![0u8; s.export_keying_material];
        let context = s.use_export_context.then_some(s.export_context.as_slice());
        tls.conn
            .export_keying_material(&mut out, &s.export_label, context)
            .map_err(Failure::Tls)?;
        tls.write_all(&out).map_err(Failure::Io)?;
    }
    if s.shim_writes_first {
        for _ in 0..s.repeat_shim_initial_write {
            tls.write_all(&s.shim_initial_write).map_err(Failure::Io)?;
        }
    }
    if !s.shim_shuts_down {
        echo(s, tls)?;
    }
    tls.conn.send_close_notify();
    match tls.flush() {
        Ok(()) => {}
        // The runner may have closed its socket already: our close_notify has no reader.
        Err(e) if !s.shim_shuts_down && is_peer_gone(&e) => return Ok(()),
        Err(e) => return Err(Failure::Io(e)),
    }
    if s.shim_shuts_down && s.check_close_notify {
        // The runner answers our close_notify with its own. Like SSL_shutdown, a shim
        // that has shut down reads nothing more: data instead is a failure.
        let mut buf = [0u8; 1];
        if tls.read(&mut buf).map_err(Failure::Io)? != 0 {
            return Err(Failure::Expectation(
                "application data after our close_notify instead of the peer's".into(),
            ));
        }
    }
    Ok(())
}

/// Reads `read_size` bytes at most at a time and writes each piece back inverted, until
/// the runner closes (with close_notify, or — unless `-check-close-notify` — without).
fn echo<S: Read + Write>(s: &Settings, tls: &mut Stream<'_, S>) -> Result<(), Failure> {
    let mut buf = vec![0u8; s.read_size];
    loop {
        if s.key_update_before_read {
            tls.conn.request_key_update(false).map_err(Failure::Tls)?;
            tls.flush().map_err(Failure::Io)?;
        }
        let n = match tls.read(&mut buf) {
            Ok(0) => return Ok(()),
            Err(e)
                if e.kind() == io::ErrorKind::UnexpectedEof
                    && !s.check_close_notify
                    && tls.conn.error().is_none() =>
            {
                return Ok(());
            }
            Err(e) => return Err(Failure::Io(e)),
            Ok(n) => n,
        };
        if s.key_update {
            tls.conn.request_key_update(false).map_err(Failure::Tls)?;
        }
        for b in &mut buf[..n] {
            *b ^= 0xff;
        }
        tls.write_all(&buf[..n]).map_err(Failure::Io)?;
    }
}

fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    )
}
