//! One test: connect back to the runner, run a padlock client or server over that socket
//! as the flags say, check what they expect, then echo the runner's data back inverted
//! (each byte XOR 0xff), as BoringSSL's shim does.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, TcpStream};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::{
    AlertDescription, CertificateChain, CipherSuite, ClientAuth, ClientConfig, Connection,
    EarlyDataStatus, Error, HandshakeKind, NamedGroup, PeerIncompatible, ProtocolVersion,
    ServerConfig, ServerName, SignatureScheme, Stream,
};

use crate::accept;
use crate::credentials::{
    self, ClientCredentials, CredentialResolver, PeerRequest, Seen, Selected,
};
use crate::early_data;
use crate::flags::{Refusal, Settings, Which};
use crate::shared::{CallbackTicketer, Shared, ShimVerifier};

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
    let shared = Shared::new(&provider);
    run_connection(initial, initial, &provider, &shared, false)?;
    if initial.resume_count > 0 {
        let resumed = Settings::for_connection(args, Which::Resume).map_err(Failure::Refused)?;
        let retry = Settings::for_connection(args, Which::Retry).map_err(Failure::Refused)?;
        for _ in 0..initial.resume_count {
            shared.advance_clock(resumed.resumption_delay);
            run_connection(&resumed, &retry, &provider, &shared, true)?;
        }
    }
    Ok(())
}

/// One connection: connect back, write the shim id, handshake, check, echo, close.
/// `resume`: a later connection of the test, which must resume unless
/// `-expect-session-miss` (BoringSSL's shim checks the same). `retry`: the settings a
/// client goes on with when the server rejected its 0-RTT data.
pub fn run_connection(
    s: &Settings,
    retry: &Settings,
    provider: &Arc<dyn Provider>,
    shared: &Shared,
    resume: bool,
) -> Result<(), Failure> {
    refuse_what_padlock_lacks(s)?;
    shared.store.start_connection();
    shared.rejection.clear();
    let session_ids_before = shared.session_ids.len();
    // The default credential (-1) unless the resolver picks one of -new-x509-credential's.
    let selected: Selected = Arc::new(AtomicI64::new(-1));
    // A client without -verify-peer records a refusal but goes on (BoringSSL's soft fail).
    let verifier = Arc::new(
        ShimVerifier::new(
            s.verify_fail,
            s.server || s.verify_peer,
            shared.verdict.clone(),
        )
        .with_hints(s.use_client_ca_list.clone()),
    );
    // What the peer asked of our certificate, for the -expect-* checks on it.
    let seen: Seen = Arc::default();
    let side = if s.server {
        Side::Server(server_config(
            s,
            provider,
            shared,
            (&selected, &seen),
            verifier.clone(),
        )?)
    } else {
        let name = match &s.host_name {
            Some(host) => ServerName::try_from(host.as_str())
                .map_err(|e| Failure::Refused(Refusal::Invalid(e.to_string())))?,
            // No -host-name: an address, for which padlock sends no server_name.
            None => ServerName::Ip(Ipv4Addr::LOCALHOST.into()),
        };
        Side::Client(
            client_config(s, provider, shared, (&selected, &seen), verifier.clone())?,
            name,
        )
    };

    let mut sock = connect_back(s).map_err(Failure::Io)?;
    let mut conn = match side {
        // The client's ClientHello is read (and its ALPN offer checked) first.
        Side::Server(config) if s.expect_advertised_alpn.is_some() => {
            accept::accept(s, config, &mut sock)?
        }
        Side::Server(config) => Connection::server(Arc::new(config)).map_err(Failure::Tls)?,
        Side::Client(config, name) => {
            Connection::client(Arc::new(config), name).map_err(Failure::Tls)?
        }
    };
    let mut tls = Stream::new(&mut conn, &mut sock);
    let mut early = early_data::Progress::start(s, tls.conn)?;
    early_data::check_not_offered(s, &early)?;
    // 0-RTT offered: a full handshake, if the server refuses the session, is the retry.
    if early.offered {
        verifier.refuse_from_now(retry.verify_fail);
    }
    early_data::handshake(s, &mut tls, &mut early)
        .map_err(|e| not_applicable_below_tls12(s, tls.conn, failure(tls.conn, e)))?;
    // A client whose 0-RTT data the server rejected goes on at 1-RTT as a new connection
    // would, with the -on-retry settings (BoringSSL's shim resets and retries).
    let s = early_data::check_outcome(s, retry, tls.conn, &mut early, resume)?;
    refuse_a_second_reverification(s, tls.conn, &early)?;
    check_expectations(s, tls.conn, resume)?;
    check_resumption(s, tls.conn, resume)?;
    check_secure_renegotiation(s, tls.conn)?;
    early_data::check_reason(s, tls.conn, &early, shared, resume)?;
    check_verify_result(s, shared)?;
    check_new_session(s, tls.conn, shared, session_ids_before, resume)?;
    check_peer_request(s, &seen)?;
    if let Some(want) = s.expect_selected_credential {
        let got = selected.load(Ordering::Relaxed);
        if got != want {
            return Err(Failure::Expectation(format!(
                "selected credential: expected {want}, got {got}"
            )));
        }
    }
    exchange(s, &mut tls, early.wrote_initial).map_err(|e| match e {
        Failure::Io(io) => failure(tls.conn, io),
        other => other,
    })?;
    check_ticket(s, tls.conn, shared)?;
    check_session_kept(s, tls.conn, shared)
}

/// Whether the test checks what the peer asked of our certificate.
fn expects_a_request(s: &Settings) -> bool {
    !s.expect_peer_verify_prefs.is_empty()
        || s.expect_certificate_types.is_some()
        || s.expect_client_ca_list.is_some()
}

/// `-expect-peer-verify-pref`, `-expect-certificate-types`, `-expect-client-ca-list`:
/// what the peer asked of our certificate, as our resolver saw it.
fn check_peer_request(s: &Settings, seen: &Seen) -> Result<(), Failure> {
    if !expects_a_request(s) {
        return Ok(());
    }
    let seen = seen
        .lock()
        .map_err(|_| Failure::Expectation("a poisoned lock".into()))?;
    let Some(PeerRequest {
        schemes,
        certificate_types,
        authorities,
    }) = seen.as_ref()
    else {
        return Err(Failure::Expectation(
            "the peer asked nothing of our certificate".into(),
        ));
    };
    let mismatch = |what: &str, want: &dyn fmt::Debug, got: &dyn fmt::Debug| {
        Err(Failure::Expectation(format!(
            "{what}: expected {want:?}, got {got:?}"
        )))
    };
    let want = &s.expect_peer_verify_prefs;
    if !want.is_empty() && want != schemes {
        return mismatch("peer verify preferences", want, schemes);
    }
    if let Some(want) = s.expect_certificate_types.as_ref() {
        if want != certificate_types {
            return mismatch("certificate types", want, certificate_types);
        }
    }
    if let Some(want) = s.expect_client_ca_list.as_ref() {
        if want != authorities {
            return mismatch("CA names", want, authorities);
        }
    }
    Ok(())
}

/// The configuration of the shim's side of a connection.
enum Side {
    Server(ServerConfig),
    Client(ClientConfig, ServerName),
}

/// `-reverify-on-resume` with `-on-retry-verify-fail`, on a resumed connection whose 0-RTT
/// data the server rejected: BoringSSL verifies the session's certificates again after
/// the rejection, with the retry's callback; padlock re-verifies a session once, before
/// offering it, so has nothing more to verify.
fn refuse_a_second_reverification(
    s: &Settings,
    conn: &Connection,
    early: &early_data::Progress,
) -> Result<(), Failure> {
    let resumed = conn.handshake_kind().is_some_and(HandshakeKind::is_resumed);
    let rejected = early.offered && conn.early_data_status() == EarlyDataStatus::Rejected;
    if s.reverify_on_resume && s.verify_fail && resumed && rejected {
        return Err(Failure::Refused(Refusal::Unimplemented(
            "-on-retry-verify-fail after a rejected 0-RTT on a resumed connection \
             (padlock re-verifies a session once, before offering it)"
                .into(),
        )));
    }
    Ok(())
}

/// `-expect-verify-result`: the shim's verifier (or, on a resumed connection, the
/// original connection's) said what `-verify-fail` asks of it. A connection whose peer
/// sent no certificate reports success, as OpenSSL's verify result does.
fn check_verify_result(s: &Settings, shared: &Shared) -> Result<(), Failure> {
    let got = shared.verdict.get().unwrap_or(true);
    if s.expect_verify_result && got == s.verify_fail {
        return Err(Failure::Expectation(format!(
            "verify result: expected {}, got {}",
            !s.verify_fail, got
        )));
    }
    Ok(())
}

/// The session flags of a full TLS 1.2 handshake: `-expect-session-id` (the client was
/// given a session to resume; a server kept it under its id) and `-expect-no-session-id`;
/// `-expect-ticket-renewal`: a resumed TLS 1.2 client was given a new ticket.
fn check_new_session(
    s: &Settings,
    conn: &Connection,
    shared: &Shared,
    session_ids_before: usize,
    resume: bool,
) -> Result<(), Failure> {
    let got_new_session = if s.server {
        shared.session_ids.len() > session_ids_before
    } else {
        shared.store.received() > 0
    };
    let tls12 = conn.protocol_version() == Some(ProtocolVersion::TLSv1_2);
    let mismatch = |what: &str| Err(Failure::Expectation(what.to_owned()));
    if !resume && s.expect_session_id && !got_new_session {
        return mismatch("the session was not cached");
    }
    if !resume && s.expect_no_session_id && got_new_session {
        return mismatch("the session was unexpectedly cached");
    }
    let resumed = conn.handshake_kind().is_some_and(HandshakeKind::is_resumed);
    if s.expect_ticket_renewal && !s.server && tls12 && resumed && !got_new_session {
        return mismatch("the resumed session's ticket was not renewed");
    }
    Ok(())
}

/// A client was given a session to keep, unless `-expect-no-session`, as BoringSSL's shim
/// checks on every connection: in TLS 1.2 by a full handshake, or a resumed one whose
/// ticket the test expects renewed; in TLS 1.3 by the end of the connection (not checked
/// when the shim shut it down). padlock keeps no TLS 1.2 session made without the Extended
/// Master Secret (RFC 7627 §5.3), and a client without tickets (`-no-ticket`) none.
fn check_session_kept(s: &Settings, conn: &Connection, shared: &Shared) -> Result<(), Failure> {
    if s.server || s.no_ticket {
        return Ok(());
    }
    let resumed = conn.handshake_kind().is_some_and(HandshakeKind::is_resumed);
    let expected = !s.expect_no_session
        && match conn.protocol_version() {
            Some(ProtocolVersion::TLSv1_2) => {
                (!resumed || s.expect_ticket_renewal) && conn.extended_master_secret() == Some(true)
            }
            // Whether tickets that came before the peer's close_notify were kept is
            // BoringSSL's detail of SSL_shutdown (it expects none): no expectation.
            Some(ProtocolVersion::TLSv1_3) if s.shim_shuts_down => return Ok(()),
            Some(ProtocolVersion::TLSv1_3) => true,
            _ => return Ok(()),
        };
    let got = shared.store.received() > 0;
    if got != expected {
        return Err(Failure::Expectation(format!(
            "a session to keep: expected {expected}, got {got}"
        )));
    }
    Ok(())
}

/// `-expect-ticket-supports-early-data`: the TLS 1.3 session the client was given last
/// allows 0-RTT data.
fn check_ticket(s: &Settings, conn: &Connection, shared: &Shared) -> Result<(), Failure> {
    let tls13 = conn.protocol_version() == Some(ProtocolVersion::TLSv1_3);
    if s.expect_ticket_supports_early_data
        && !s.server
        && tls13
        && shared.store.received() > 0
        && !shared.store.last_allows_early_data()
    {
        return Err(Failure::Expectation(
            "the new session does not allow early data".into(),
        ));
    }
    Ok(())
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
    if !s.curves.is_empty()
        && !s
            .curves
            .iter()
            .any(|g| PADLOCK_GROUPS.contains(g) || PADLOCK_PQ_GROUPS.contains(g))
    {
        return unimplemented("-curves with no group padlock implements");
    }
    Ok(())
}

/// The key exchange groups padlock implements: x25519, secp256r1, secp384r1.
const PADLOCK_GROUPS: [u16; 3] = [0x001d, 0x0017, 0x0018];
/// And its post-quantum ones: X25519MLKEM768, SecP256r1MLKEM768, MLKEM1024.
const PADLOCK_PQ_GROUPS: [u16; 3] = [0x11ec, 0x11eb, 0x0202];

/// `-verify-prefs`, if given: the schemes the shim accepts from its peer (and lists in its
/// signature_algorithms). What it signs with is each credential's `-signing-prefs`
/// ([`credentials::candidates`]).
fn schemes(s: &Settings) -> Option<Vec<SignatureScheme>> {
    (!s.verify_prefs.is_empty()).then(|| credentials::schemes(&s.verify_prefs))
}

fn groups(s: &Settings) -> Option<Vec<NamedGroup>> {
    (!s.curves.is_empty()).then(|| s.curves.iter().map(|&v| NamedGroup::from_wire(v)).collect())
}

fn client_config(
    s: &Settings,
    provider: &Arc<dyn Provider>,
    shared: &Shared,
    (selected, seen): (&Selected, &Seen),
    verifier: Arc<ShimVerifier>,
) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(provider.clone(), verifier);
    config.reverify_on_resume = s.reverify_on_resume;
    config.time = shared.clock();
    // The test's store: a later connection offers the session the one before kept. A
    // client without tickets keeps none.
    config.session_store = match s.no_ticket {
        true => None,
        false => Some(shared.store.clone()),
    };
    config.enable_early_data = s.enable_early_data;
    config.require_extended_master_secret = s.expect_extended_master_secret;
    if let Some(size) = s.max_send_fragment {
        config.max_fragment_size = size;
    }
    apply_protocol_settings(
        s,
        &mut config.versions,
        &mut config.cipher_suites,
        &mut config.legacy_rsa_key_exchange,
    )?;
    if let Some(groups) = groups(s) {
        config.groups = groups;
    }
    if let Some(shares) = &s.key_shares {
        config.key_shares = key_share_count(shares, &config.groups)?;
    }
    if let Some(schemes) = schemes(s) {
        config.signature_schemes = schemes;
    }
    if let Some(alpn) = &s.advertise_alpn {
        config.alpn_protocols = alpn.clone();
    }
    // The first credential that fits the server's CertificateRequest, the default last.
    // With none, the resolver still sees the CertificateRequest (and sends no certificate).
    let candidates = credentials::candidates(s, provider)?;
    if !candidates.is_empty() || expects_a_request(s) {
        config.client_auth = Some(Arc::new(ClientCredentials::new(
            candidates,
            selected.clone(),
            seen.clone(),
        )));
    }
    Ok(config)
}

/// `-key-shares` as padlock's count of shares for the first groups offered: only a list
/// naming the first groups, in order, can be expressed.
fn key_share_count(shares: &[u16], groups: &[NamedGroup]) -> Result<usize, Failure> {
    let first: Vec<u16> = groups
        .iter()
        .take(shares.len())
        .map(|g| g.to_wire())
        .collect();
    let implemented = |g: &u16| PADLOCK_GROUPS.contains(g) || PADLOCK_PQ_GROUPS.contains(g);
    if shares.is_empty() || first != shares || !shares.iter().all(implemented) {
        return Err(Failure::Refused(Refusal::Unimplemented(format!(
            "-key-shares {shares:?}: padlock sends shares for the first groups it offers"
        ))));
    }
    Ok(shares.len())
}

fn server_config(
    s: &Settings,
    provider: &Arc<dyn Provider>,
    shared: &Shared,
    (selected, seen): (&Selected, &Seen),
    verifier: Arc<ShimVerifier>,
) -> Result<ServerConfig, Failure> {
    let candidates = credentials::candidates(s, provider)?;
    let Some(first) = candidates.first().map(|c| c.key.clone()) else {
        return Err(Failure::Refused(Refusal::Unimplemented(
            "a server without -cert-file and -key-file".into(),
        )));
    };
    let mut config = ServerConfig::new(provider.clone(), first);
    config.cert_resolver = Arc::new(CredentialResolver {
        candidates,
        selected: selected.clone(),
        seen: seen.clone(),
    });
    config.time = shared.clock();
    // One ticket per connection, under the test's keys; TLS 1.2 sessions by id in the
    // test's cache too.
    config.ticket_count = 1;
    config.ticketer = match (s.no_ticket, s.ticket_callback) {
        (true, _) => None,
        (false, false) => Some(shared.ticketer.clone()),
        (false, true) => Some(Arc::new(CallbackTicketer {
            inner: shared.ticketer.clone(),
            skip: s.skip_ticket,
        })),
    };
    config.session_id_cache = Some(shared.session_ids.clone());
    config.strike_register = shared.strikes.clone();
    // Its trace says why it rejects 0-RTT data (-expect-early-data-reason).
    config.trace = Some(shared.rejection.clone());
    // BoringSSL's allowance when 0-RTT is on (its kMaxEarlyDataAccepted).
    config.max_early_data_size = if s.enable_early_data { 14336 } else { 0 };
    config.require_extended_master_secret = s.expect_extended_master_secret;
    if let Some(size) = s.max_send_fragment {
        config.max_fragment_size = size;
    }
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
    // A server whose protocols the client cannot have offered: a client that offers ALPN
    // gets no_application_protocol (RFC 7301 §3.2), as from BoringSSL's rejecting callback.
    if s.reject_alpn {
        config.alpn_protocols = vec![NO_CLIENT_OFFERS.to_vec()];
    }
    config.client_auth = if s.require_any_client_certificate {
        ClientAuth::Required(verifier)
    } else if s.verify_peer {
        ClientAuth::Optional(verifier)
    } else {
        ClientAuth::None
    };
    Ok(config)
}

/// `-reject-alpn`'s protocol: none of the runner's clients offers it.
const NO_CLIENT_OFFERS: &[u8] = b"padlock-bogo-shim: no client offers this";

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
    // An empty -expect-alpn expects none.
    if let Some(want) = &s.expect_alpn {
        if conn.alpn_protocol().unwrap_or_default() != want.as_slice() {
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
    let peer_certs = conn.peer_certificates();
    let count = peer_certs.map_or(0, CertificateChain::len);
    if s.expect_no_peer_cert && count != 0 {
        return mismatch("peer certificates", &0, &count);
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
        if !peer_certs
            .into_iter()
            .flatten()
            .eq(want.iter().map(Vec::as_slice))
        {
            return Err(Failure::Expectation(format!(
                "the peer's chain differs from {path}"
            )));
        }
    }
    Ok(())
}

/// `-expect-secure-renegotiation`: the peer signalled RFC 5746 (BoringSSL counts TLS 1.3 as
/// doing so). padlock's client refuses a TLS 1.2 server that does not (RFC 5746 §4.1), so
/// its peer always has; a TLS 1.2 server does not say whether its client signalled.
fn check_secure_renegotiation(s: &Settings, conn: &Connection) -> Result<(), Failure> {
    let Some(want) = s.expect_secure_renegotiation else {
        return Ok(());
    };
    if s.server && conn.protocol_version() == Some(ProtocolVersion::TLSv1_2) {
        return Err(Failure::Refused(Refusal::Unimplemented(
            "-expect-secure-renegotiation on a TLS 1.2 server".into(),
        )));
    }
    if !want {
        return Err(Failure::Expectation(
            "the peer supports secure renegotiation (RFC 5746) or TLS 1.3".into(),
        ));
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
/// `wrote_initial`: the initial write went out already, as 0-RTT or half-RTT data.
fn exchange<S: Read + Write>(
    s: &Settings,
    tls: &mut Stream<'_, S>,
    wrote_initial: bool,
) -> Result<(), Failure> {
    if s.export_keying_material > 0 {
        let mut out = vec![0u8; s.export_keying_material];
        let context = s.use_export_context.then_some(s.export_context.as_slice());
        tls.conn
            .export_keying_material(&mut out, &s.export_label, context)
            .map_err(Failure::Tls)?;
        tls.write_all(&out).map_err(Failure::Io)?;
    }
    if s.tls_unique {
        let binding = tls.conn.tls_unique().map(<[u8]>::to_vec).ok_or_else(|| {
            Failure::Expectation("failed to get tls-unique (not a TLS 1.2 connection)".into())
        })?;
        tls.write_all(&binding).map_err(Failure::Io)?;
    }
    if s.read_with_unfinished_write && !wrote_initial {
        leave_write_unfinished(s, tls)?;
    } else if s.shim_writes_first && !wrote_initial {
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

/// `-read-with-unfinished-write`: the initial write's record goes out one byte only, then
/// what the runner sent is read and processed (its KeyUpdates answered behind that
/// record) before the rest goes out, as when BoringSSL's socket takes one byte of a write.
fn leave_write_unfinished<S: Read + Write>(
    s: &Settings,
    tls: &mut Stream<'_, S>,
) -> Result<(), Failure> {
    let mut data = s.shim_initial_write.as_slice();
    while !data.is_empty() {
        let n = tls.conn.write_plaintext(data).map_err(Failure::Tls)?;
        data = &data[n..];
    }
    let first = tls.conn.pending_tls().first().copied();
    if let Some(byte) = first {
        tls.sock.write_all(&[byte]).map_err(Failure::Io)?;
        tls.conn.consume_tls(1);
    }
    if tls.conn.read_tls_from(tls.sock).map_err(Failure::Io)? > 0 {
        tls.conn.process_new_packets().map_err(Failure::Tls)?;
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
