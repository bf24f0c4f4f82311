//! The runner's command line: the flags BoringSSL's `ssl/test/test_config.cc` defines,
//! those padlock can honour parsed into [`Settings`], every other one refused as
//! [`Refusal::Unimplemented`] (the runner then counts the test as not applicable).
//!
//! A flag may carry the prefix `-on-initial` (first connection only), `-on-resume` (the
//! connections after it, with `-resume-count`) or `-on-retry` (a resumed client's
//! connection once the server rejected its 0-RTT data); [`Settings::for_connection`]
//! applies them.

use std::fmt;

/// Why the shim will not run a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A flag padlock does not implement (exit code 89).
    Unimplemented(String),
    /// A flag padlock knows, with a value that makes no sense.
    Invalid(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unimplemented(flag) => write!(f, "padlock's shim does not implement {flag}"),
            Self::Invalid(why) => write!(f, "bad command line: {why}"),
        }
    }
}

/// What the runner asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// `-is-handshaker-supported`: the startup probe (padlock has no split handshaker).
    HandshakerProbe,
    /// Run `1 + resume_count` connections with these settings.
    Run(Box<Settings>),
}

/// Which connection of a test the settings are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The first connection.
    Initial,
    /// A later one (`-resume-count`).
    Resume,
    /// A later client connection after the server rejected its 0-RTT data: BoringSSL's
    /// shim goes on at 1-RTT with these settings (the unprefixed flags and `-on-retry`).
    Retry,
}

/// One `-new-x509-credential`: a certificate chain and key the shim may present, with the
/// `-cert-file`, `-key-file` and `-signing-prefs` that follow it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub signing_prefs: Vec<u16>,
    /// `-must-match-issuer`: presented only to a peer that names its issuer
    /// (certificate_authorities).
    pub must_match_issuer: bool,
}

/// The `-expect-early-data-reason` values padlock can tell apart (BoringSSL's
/// `SSL_early_data_reason_string` names); the others exit 89.
pub const EARLY_DATA_REASONS: [&str; 10] = [
    "disabled",
    "accept",
    "no_session_offered",
    "unsupported_for_session",
    "peer_declined",
    "session_not_resumed",
    "hello_retry_request",
    "protocol_version",
    "alpn_mismatch",
    "ticket_age_skew",
];

/// Everything a connection is configured with (one field per supported flag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub port: u16,
    pub shim_id: u64,
    pub ipv6: bool,
    pub server: bool,
    pub resume_count: u32,
    pub expect_session_miss: bool,
    /// `-expect-no-session`: a client is given no session to keep.
    pub expect_no_session: bool,
    /// `-no-ticket`: no RFC 5077 tickets (a server resumes TLS 1.2 by session id only).
    pub no_ticket: bool,
    /// `-use-ticket-callback` / `-use-ticket-aead-callback`: the application seals and
    /// opens tickets (padlock: a [`padlock_tls::ticket::Ticketer`] of its own).
    pub ticket_callback: bool,
    /// `-skip-ticket`: that callback declines to seal a ticket.
    pub skip_ticket: bool,
    pub key_file: Option<String>,
    pub cert_file: Option<String>,
    pub min_version: Option<u16>,
    pub max_version: Option<u16>,
    pub expect_version: Option<u16>,
    /// `-no-tls13`, `-no-tls12`: those versions off.
    pub no_tls13: bool,
    pub no_tls12: bool,
    /// `-cipher`: BoringSSL's cipher string (the shim takes only lists of suite names).
    pub cipher: Option<String>,
    pub curves: Vec<u16>,
    pub signing_prefs: Vec<u16>,
    pub verify_prefs: Vec<u16>,
    pub verify_peer: bool,
    pub require_any_client_certificate: bool,
    /// `-advertise-alpn`: the protocol list in wire form (each name length-prefixed).
    pub advertise_alpn: Option<Vec<Vec<u8>>>,
    pub select_alpn: Option<Vec<u8>>,
    pub decline_alpn: bool,
    /// `-reject-alpn`: a server accepts none of the client's protocols.
    pub reject_alpn: bool,
    pub expect_alpn: Option<Vec<u8>>,
    /// `-expect-advertised-alpn`: the protocols a server's client offers (wire form).
    pub expect_advertised_alpn: Option<Vec<Vec<u8>>>,
    pub host_name: Option<String>,
    pub expect_server_name: Option<String>,
    pub expect_no_server_name: bool,
    pub shim_writes_first: bool,
    pub shim_initial_write: Vec<u8>,
    pub repeat_shim_initial_write: u32,
    pub shim_shuts_down: bool,
    /// `-read-with-unfinished-write`: the initial write is left part-sent while reading.
    pub read_with_unfinished_write: bool,
    pub check_close_notify: bool,
    pub read_size: usize,
    /// `-max-send-fragment`: padlock's `max_fragment_size`.
    pub max_send_fragment: Option<usize>,
    pub key_update: bool,
    pub key_update_before_read: bool,
    pub export_keying_material: usize,
    pub export_label: Vec<u8>,
    pub export_context: Vec<u8>,
    pub use_export_context: bool,
    /// `-tls-unique`: write the tls-unique channel binding (RFC 5929) after the handshake.
    pub tls_unique: bool,
    pub expect_curve_id: Option<u16>,
    pub expect_peer_signature_algorithm: Option<u16>,
    pub expect_cipher: Option<u16>,
    pub expect_hrr: bool,
    pub expect_no_hrr: bool,
    pub expect_peer_cert_file: Option<String>,
    pub expect_no_peer_cert: bool,
    /// `-new-x509-credential` and what follows each: the certificates to choose from.
    pub credentials: Vec<Credential>,
    /// `-enable-early-data`: 0-RTT on (client: sends the initial write as early data on a
    /// resumed connection; server: accepts it and echoes it at half-RTT).
    pub enable_early_data: bool,
    pub expect_accept_early_data: bool,
    pub expect_reject_early_data: bool,
    /// `-expect-no-offer-early-data`: the client's ClientHello offers no 0-RTT data.
    pub expect_no_offer_early_data: bool,
    /// `-expect-ticket-supports-early-data`: the session received allows 0-RTT.
    pub expect_ticket_supports_early_data: bool,
    /// `-expect-early-data-reason`: one of [`EARLY_DATA_REASONS`].
    pub expect_early_data_reason: Option<String>,
    /// `-verify-fail`: the shim's certificate verifier refuses the peer's certificate.
    pub verify_fail: bool,
    /// `-expect-verify-result`: the verification result is what `-verify-fail` says.
    pub expect_verify_result: bool,
    /// `-reverify-on-resume`: a client verifies a session's certificates again before
    /// offering it.
    pub reverify_on_resume: bool,
    /// `-expect-session-id` / `-expect-no-session-id`: the first connection did (did not)
    /// give the client a session to resume (TLS 1.2).
    pub expect_session_id: bool,
    pub expect_no_session_id: bool,
    /// `-expect-ticket-renewal`: a resumed TLS 1.2 client got a new ticket.
    pub expect_ticket_renewal: bool,
    pub expect_extended_master_secret: bool,
    /// `-expect-secure-renegotiation` (`Some(true)`) / `-expect-no-secure-renegotiation`:
    /// whether the peer signalled RFC 5746 (or spoke TLS 1.3).
    pub expect_secure_renegotiation: Option<bool>,
    /// `-resumption-delay`: seconds the shim's clock moves on before this connection.
    pub resumption_delay: u64,
    /// `-key-shares`: the groups the ClientHello carries key shares for; `-no-key-shares`
    /// sets an empty list.
    pub key_shares: Option<Vec<u16>>,
    /// `-expect-selected-credential`: the index of the credential the server presented
    /// (-1: the default one).
    pub expect_selected_credential: Option<i64>,
    /// `-use-client-ca-list`: the DER names a server sends in its CertificateRequest
    /// (`<NULL>` and `<EMPTY>`: none).
    pub use_client_ca_list: Vec<Vec<u8>>,
    /// `-expect-client-ca-list`: the DER names the client expects in the CertificateRequest.
    pub expect_client_ca_list: Option<Vec<Vec<u8>>>,
    /// `-expect-certificate-types`: TLS 1.2's certificate_types the client expects.
    pub expect_certificate_types: Option<Vec<u8>>,
    /// `-expect-peer-verify-pref`: the signature schemes the peer lists, in order (a
    /// client's signature_algorithms, a server's CertificateRequest).
    pub expect_peer_verify_prefs: Vec<u16>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            port: 0,
            shim_id: 0,
            ipv6: false,
            server: false,
            resume_count: 0,
            expect_session_miss: false,
            expect_no_session: false,
            no_ticket: false,
            ticket_callback: false,
            skip_ticket: false,
            key_file: None,
            cert_file: None,
            min_version: None,
            max_version: None,
            expect_version: None,
            no_tls13: false,
            no_tls12: false,
            cipher: None,
            curves: Vec::new(),
            signing_prefs: Vec::new(),
            verify_prefs: Vec::new(),
            verify_peer: false,
            require_any_client_certificate: false,
            advertise_alpn: None,
            select_alpn: None,
            decline_alpn: false,
            reject_alpn: false,
            expect_alpn: None,
            expect_advertised_alpn: None,
            host_name: None,
            expect_server_name: None,
            expect_no_server_name: false,
            shim_writes_first: false,
            shim_initial_write: b"hello".to_vec(),
            repeat_shim_initial_write: 1,
            shim_shuts_down: false,
            read_with_unfinished_write: false,
            check_close_notify: false,
            // BoringSSL's shim reads 512 bytes at a time, so records span several reads.
            read_size: 512,
            max_send_fragment: None,
            key_update: false,
            key_update_before_read: false,
            export_keying_material: 0,
            export_label: Vec::new(),
            export_context: Vec::new(),
            use_export_context: false,
            tls_unique: false,
            expect_curve_id: None,
            expect_peer_signature_algorithm: None,
            expect_cipher: None,
            expect_hrr: false,
            expect_no_hrr: false,
            expect_peer_cert_file: None,
            expect_no_peer_cert: false,
            credentials: Vec::new(),
            enable_early_data: false,
            expect_accept_early_data: false,
            expect_reject_early_data: false,
            expect_no_offer_early_data: false,
            expect_ticket_supports_early_data: false,
            expect_early_data_reason: None,
            verify_fail: false,
            expect_verify_result: false,
            reverify_on_resume: false,
            expect_session_id: false,
            expect_no_session_id: false,
            expect_ticket_renewal: false,
            expect_extended_master_secret: false,
            expect_secure_renegotiation: None,
            resumption_delay: 0,
            key_shares: None,
            expect_selected_credential: None,
            use_client_ca_list: Vec::new(),
            expect_client_ca_list: None,
            expect_certificate_types: None,
            expect_peer_verify_prefs: Vec::new(),
        }
    }
}

/// Flags that change nothing for padlock: BoringSSL API modes (`-async`,
/// `-implicit-handshake`), turning off versions padlock never speaks, and things padlock
/// never does.
const NO_OPS: &[&str] = &[
    "-async",
    "-implicit-handshake",
    "-no-tls11",
    "-no-tls1",
    "-forbid-renegotiation-after-handshake",
    "-server-preference",
    "-use-custom-verify-callback",
    "-partial-write",
    "-no-op-extra-handshake",
    // BoringSSL's older client-certificate callback hands over the same -cert-file and
    // -key-file the shim configures up front.
    "-use-old-client-cert-callback",
    // SSL_peek before SSL_read: padlock has no peek, and its plain read takes the same
    // path through the records the tests send (alerts, KeyUpdates, empty records).
    "-peek-then-read",
    // BoringSSL's mode that ignores HelloRequests: padlock never renegotiates either; it
    // answers a HelloRequest with a no_renegotiation warning and goes on (RFC 5746 §4.2).
    "-renegotiate-ignore",
    // The ticket callback asks for a renewed ticket on resumption: padlock's TLS 1.2
    // server renews every ticket it resumes (TLS 1.3 sends new tickets anyway).
    "-renew-ticket",
];

/// No-op flags that carry a value.
const NO_OP_VALUES: &[&str] = &["-trust-cert", "-write-settings"];

/// Reads the whole command line.
pub fn parse(args: &[String]) -> Result<Request, Refusal> {
    if args.iter().any(|a| a == "-is-handshaker-supported") {
        return Ok(Request::HandshakerProbe);
    }
    let initial = Settings::for_connection(args, Which::Initial)?;
    if initial.port == 0 {
        return Err(Refusal::Invalid("-port is required".into()));
    }
    // The resumed connections' flags are checked now, so an unimplemented one refuses the
    // test before the first connection is made.
    if initial.resume_count > 0 {
        Settings::for_connection(args, Which::Resume)?;
        Settings::for_connection(args, Which::Retry)?;
    }
    Ok(Request::Run(Box::new(initial)))
}

impl Settings {
    /// The settings of the initial, a resumed or a retried connection: the unprefixed flags
    /// plus those prefixed `-on-initial`, `-on-resume` or `-on-retry`.
    pub fn for_connection(args: &[String], which: Which) -> Result<Self, Refusal> {
        let mut settings = Settings::default();
        let mut ignored = Settings::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let prefixed = [
                ("-on-initial", Which::Initial),
                ("-on-resume", Which::Resume),
                ("-on-retry", Which::Retry),
            ]
            .into_iter()
            .find_map(|(prefix, only)| Some((arg.strip_prefix(prefix)?, only)));
            let (target, name) = match prefixed {
                Some((rest, only)) if only == which => (&mut settings, rest),
                Some((rest, _)) => (&mut ignored, rest),
                None => (&mut settings, arg.as_str()),
            };
            target.apply(name, &mut || {
                args.next()
                    .cloned()
                    .ok_or_else(|| Refusal::Invalid(format!("{name} needs a value")))
            })?;
        }
        Ok(settings)
    }

    /// Applies one flag; `value` takes the next argument.
    fn apply(
        &mut self,
        name: &str,
        value: &mut dyn FnMut() -> Result<String, Refusal>,
    ) -> Result<(), Refusal> {
        match name {
            n if NO_OPS.contains(&n) => {}
            n if NO_OP_VALUES.contains(&n) => {
                value()?;
            }
            "-port" => self.port = number(name, value)?,
            "-shim-id" => self.shim_id = number(name, value)?,
            "-ipv6" => self.ipv6 = true,
            "-server" => self.server = true,
            "-resume-count" => self.resume_count = number(name, value)?,
            "-expect-session-miss" => self.expect_session_miss = true,
            "-expect-no-session" => self.expect_no_session = true,
            "-no-ticket" => self.no_ticket = true,
            "-use-ticket-callback" | "-use-ticket-aead-callback" => self.ticket_callback = true,
            "-skip-ticket" => self.skip_ticket = true,
            "-key-file" => match self.credentials.last_mut() {
                Some(credential) => credential.key_file = Some(value()?),
                None => self.key_file = Some(value()?),
            },
            "-cert-file" => match self.credentials.last_mut() {
                Some(credential) => credential.cert_file = Some(value()?),
                None => self.cert_file = Some(value()?),
            },
            "-new-x509-credential" => self.credentials.push(Credential::default()),
            "-must-match-issuer" => match self.credentials.last_mut() {
                Some(credential) => credential.must_match_issuer = true,
                None => {
                    return Err(Refusal::Invalid(format!(
                        "{name} before any -new-x509-credential"
                    )))
                }
            },
            "-min-version" => self.min_version = Some(number(name, value)?),
            "-max-version" => self.max_version = Some(number(name, value)?),
            "-expect-version" => self.expect_version = Some(number(name, value)?),
            "-no-tls13" => self.no_tls13 = true,
            "-no-tls12" => self.no_tls12 = true,
            "-cipher" => self.cipher = Some(value()?),
            "-curves" => self.curves.push(number(name, value)?),
            "-signing-prefs" => match self.credentials.last_mut() {
                Some(credential) => credential.signing_prefs.push(number(name, value)?),
                None => self.signing_prefs.push(number(name, value)?),
            },
            "-verify-prefs" => self.verify_prefs.push(number(name, value)?),
            "-expect-peer-verify-pref" => self.expect_peer_verify_prefs.push(number(name, value)?),
            "-use-client-ca-list" => {
                self.use_client_ca_list = match value()?.as_str() {
                    "<NULL>" | "<EMPTY>" => Vec::new(),
                    list => hex_names(name, list)?,
                }
            }
            "-expect-client-ca-list" => {
                self.expect_client_ca_list = Some(hex_names(name, &value()?)?)
            }
            "-expect-certificate-types" => {
                self.expect_certificate_types = Some(base64(name, &value()?)?)
            }
            "-verify-peer" => self.verify_peer = true,
            "-require-any-client-certificate" => self.require_any_client_certificate = true,
            "-advertise-alpn" => self.advertise_alpn = Some(alpn_list(&value()?)?),
            "-select-alpn" => self.select_alpn = Some(value()?.into_bytes()),
            "-decline-alpn" => self.decline_alpn = true,
            "-reject-alpn" => self.reject_alpn = true,
            "-expect-alpn" => self.expect_alpn = Some(value()?.into_bytes()),
            "-expect-advertised-alpn" => self.expect_advertised_alpn = Some(alpn_list(&value()?)?),
            "-host-name" => self.host_name = Some(value()?),
            "-expect-server-name" => self.expect_server_name = Some(value()?),
            "-expect-no-server-name" => self.expect_no_server_name = true,
            "-shim-writes-first" => self.shim_writes_first = true,
            "-shim-initial-write" => self.shim_initial_write = value()?.into_bytes(),
            "-repeat-shim-initial-write" => self.repeat_shim_initial_write = number(name, value)?,
            "-shim-shuts-down" => self.shim_shuts_down = true,
            "-read-with-unfinished-write" => self.read_with_unfinished_write = true,
            "-check-close-notify" => self.check_close_notify = true,
            "-read-size" => match number(name, value)? {
                0 => return Err(Refusal::Invalid("-read-size must be positive".into())),
                n => self.read_size = n,
            },
            "-max-send-fragment" => self.max_send_fragment = Some(number(name, value)?),
            "-key-update" => self.key_update = true,
            "-key-update-before-read" => self.key_update_before_read = true,
            "-export-keying-material" => self.export_keying_material = number(name, value)?,
            "-export-label" => self.export_label = value()?.into_bytes(),
            "-export-context" => self.export_context = value()?.into_bytes(),
            "-use-export-context" => self.use_export_context = true,
            "-tls-unique" => self.tls_unique = true,
            "-expect-curve-id" => self.expect_curve_id = Some(number(name, value)?),
            "-expect-peer-signature-algorithm" => {
                self.expect_peer_signature_algorithm = Some(number(name, value)?)
            }
            "-expect-cipher" => self.expect_cipher = Some(number(name, value)?),
            "-expect-hrr" => self.expect_hrr = true,
            "-expect-no-hrr" => self.expect_no_hrr = true,
            "-expect-peer-cert-file" => self.expect_peer_cert_file = Some(value()?),
            "-expect-no-peer-cert" => self.expect_no_peer_cert = true,
            "-enable-early-data" => self.enable_early_data = true,
            "-expect-accept-early-data" => self.expect_accept_early_data = true,
            "-expect-reject-early-data" => self.expect_reject_early_data = true,
            "-expect-no-offer-early-data" => self.expect_no_offer_early_data = true,
            "-expect-ticket-supports-early-data" => self.expect_ticket_supports_early_data = true,
            "-expect-early-data-reason" => {
                let reason = value()?;
                if !EARLY_DATA_REASONS.contains(&reason.as_str()) {
                    return Err(Refusal::Unimplemented(format!("{name} {reason}")));
                }
                self.expect_early_data_reason = Some(reason);
            }
            "-verify-fail" => self.verify_fail = true,
            "-expect-verify-result" => self.expect_verify_result = true,
            "-reverify-on-resume" => self.reverify_on_resume = true,
            "-expect-session-id" => self.expect_session_id = true,
            "-expect-no-session-id" => self.expect_no_session_id = true,
            "-expect-ticket-renewal" => self.expect_ticket_renewal = true,
            "-expect-extended-master-secret" => self.expect_extended_master_secret = true,
            "-expect-secure-renegotiation" => self.expect_secure_renegotiation = Some(true),
            "-expect-no-secure-renegotiation" => self.expect_secure_renegotiation = Some(false),
            "-resumption-delay" => self.resumption_delay = number(name, value)?,
            "-key-shares" => self
                .key_shares
                .get_or_insert_with(Vec::new)
                .push(number(name, value)?),
            "-no-key-shares" => self.key_shares = Some(Vec::new()),
            "-expect-selected-credential" => {
                let v = value()?;
                let index = v
                    .parse()
                    .map_err(|_| Refusal::Invalid(format!("{name} takes a number, not {v:?}")))?;
                self.expect_selected_credential = Some(index);
            }
            other => return Err(Refusal::Unimplemented(other.to_owned())),
        }
        Ok(())
    }
}

/// The next argument, as a number that fits the setting's type.
fn number<T: TryFrom<u64>>(
    name: &str,
    value: &mut dyn FnMut() -> Result<String, Refusal>,
) -> Result<T, Refusal> {
    let v = value()?;
    let n: u64 = v
        .parse()
        .map_err(|_| Refusal::Invalid(format!("{name} takes a number, not {v:?}")))?;
    T::try_from(n).map_err(|_| Refusal::Invalid(format!("{name} {n} is out of range")))
}

fn alpn_list(wire: &str) -> Result<Vec<Vec<u8>>, Refusal> {
    let mut rest = wire.as_bytes();
    let mut names = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len);
        if len == 0 || tail.len() < len {
            return Err(Refusal::Invalid(format!(
                "-advertise-alpn {wire:?} is not a list of length-prefixed names"
            )));
        }
        names.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    Ok(names)
}

/// A comma-separated list of hex strings (BoringSSL's encoding of DER names).
fn hex_names(name: &str, list: &str) -> Result<Vec<Vec<u8>>, Refusal> {
    let bad = || Refusal::Invalid(format!("{name} {list:?} is not comma-separated hex"));
    list.split(',')
        .map(|part| {
            if !part.is_ascii() || part.len() % 2 != 0 {
                return Err(bad());
            }
            (0..part.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&part[i..i + 2], 16).map_err(|_| bad()))
                .collect()
        })
        .collect()
}

/// Standard base64 (RFC 4648 §4), padded.
fn base64(name: &str, text: &str) -> Result<Vec<u8>, Refusal> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bad = || Refusal::Invalid(format!("{name} {text:?} is not base64"));
    let digits = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in digits.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).ok_or_else(bad)?;
        acc = (acc << 6) | u32::try_from(v).map_err(|_| bad())?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).map_err(|_| bad())?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hex_name_lists_and_base64() {
        let s = run(&[
            "-port",
            "1",
            "-expect-client-ca-list",
            "3000,30020500",
            "-use-client-ca-list",
            "<NULL>",
            "-expect-certificate-types",
            "AgFA",
            "-expect-peer-verify-pref",
            "2052",
        ]);
        assert_eq!(
            s.expect_client_ca_list,
            Some(vec![vec![0x30, 0], vec![0x30, 2, 5, 0]])
        );
        assert!(s.use_client_ca_list.is_empty());
        assert_eq!(s.expect_certificate_types, Some(vec![2, 1, 64]));
        assert_eq!(s.expect_peer_verify_prefs, vec![0x0804]);
        assert!(base64("-x", "YWI=").is_ok_and(|v| v == b"ab"));
        assert!(hex_names("-x", "3g").is_err());
    }

    fn args(line: &[&str]) -> Vec<String> {
        line.iter().map(|s| s.to_string()).collect()
    }

    fn run(line: &[&str]) -> Settings {
        match parse(&args(line)).unwrap() {
            Request::Run(s) => *s,
            other => panic!("expected a run, got {other:?}"),
        }
    }

    #[test]
    fn reads_the_connect_back_and_role_flags() {
        let s = run(&["-port", "4433", "-shim-id", "7", "-server", "-ipv6"]);
        assert_eq!((s.port, s.shim_id, s.server, s.ipv6), (4433, 7, true, true));
    }

    #[test]
    fn answers_the_handshaker_probe() {
        assert_eq!(
            parse(&args(&["-is-handshaker-supported"])),
            Ok(Request::HandshakerProbe)
        );
    }

    #[test]
    fn refuses_an_unknown_flag_as_unimplemented() {
        assert_eq!(
            parse(&args(&["-port", "1", "-dtls"])),
            Err(Refusal::Unimplemented("-dtls".into()))
        );
    }

    #[test]
    fn refuses_an_unknown_flag_that_only_resumed_connections_carry() {
        assert_eq!(
            parse(&args(&[
                "-port",
                "1",
                "-resume-count",
                "1",
                "-on-resume-psk",
                "x"
            ])),
            Err(Refusal::Unimplemented("-psk".into()))
        );
    }

    #[test]
    fn repeated_flags_accumulate_in_order() {
        let s = run(&["-port", "1", "-curves", "29", "-curves", "23"]);
        assert_eq!(s.curves, vec![29, 23]);
        let s = run(&[
            "-port",
            "1",
            "-signing-prefs",
            "2052",
            "-signing-prefs",
            "1027",
        ]);
        assert_eq!(s.signing_prefs, vec![0x0804, 0x0403]);
    }

    #[test]
    fn parses_the_alpn_wire_list() {
        let s = run(&["-port", "1", "-advertise-alpn", "\x03foo\x02hi"]);
        assert_eq!(
            s.advertise_alpn,
            Some(vec![b"foo".to_vec(), b"hi".to_vec()])
        );
        let s = run(&["-port", "1", "-expect-advertised-alpn", "\x02hi"]);
        assert_eq!(s.expect_advertised_alpn, Some(vec![b"hi".to_vec()]));
        assert!(matches!(
            parse(&args(&["-port", "1", "-advertise-alpn", "\x05foo"])),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn prefixed_flags_apply_to_their_connection_only() {
        let line = args(&[
            "-port",
            "1",
            "-on-initial-expect-alpn",
            "a",
            "-on-resume-expect-alpn",
            "b",
        ]);
        let first = Settings::for_connection(&line, Which::Initial).unwrap();
        let later = Settings::for_connection(&line, Which::Resume).unwrap();
        assert_eq!(first.expect_alpn.as_deref(), Some(&b"a"[..]));
        assert_eq!(later.expect_alpn.as_deref(), Some(&b"b"[..]));
    }

    #[test]
    fn rejects_a_missing_or_malformed_value() {
        assert!(matches!(parse(&args(&["-port"])), Err(Refusal::Invalid(_))));
        assert!(matches!(
            parse(&args(&["-port", "x"])),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            parse(&args(&["-port", "70000"])),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            parse(&args(&["-port", "1", "-read-size", "0"])),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn credential_flags_group_the_files_that_follow_them() {
        let s = run(&[
            "-port",
            "1",
            "-cert-file",
            "d.pem",
            "-new-x509-credential",
            "-cert-file",
            "a.pem",
            "-key-file",
            "a.key",
            "-signing-prefs",
            "1027",
            "-new-x509-credential",
            "-cert-file",
            "b.pem",
            "-must-match-issuer",
        ]);
        assert_eq!(s.cert_file.as_deref(), Some("d.pem"));
        assert_eq!(s.credentials.len(), 2);
        assert_eq!(s.credentials[0].key_file.as_deref(), Some("a.key"));
        assert_eq!(s.credentials[0].signing_prefs, vec![0x0403]);
        assert_eq!(s.credentials[1].cert_file.as_deref(), Some("b.pem"));
        assert!(!s.credentials[0].must_match_issuer && s.credentials[1].must_match_issuer);
        assert!(s.signing_prefs.is_empty());
        // The default credential cannot be limited to named issuers.
        assert!(matches!(
            parse(&args(&["-port", "1", "-must-match-issuer"])),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn retry_flags_apply_after_a_rejected_early_data_only() {
        let line = args(&[
            "-port",
            "1",
            "-enable-early-data",
            "-on-resume-expect-reject-early-data",
            "-on-retry-expect-early-data-reason",
            "peer_declined",
        ]);
        let resume = Settings::for_connection(&line, Which::Resume).unwrap();
        let retry = Settings::for_connection(&line, Which::Retry).unwrap();
        assert!(resume.enable_early_data && retry.enable_early_data);
        assert!(resume.expect_reject_early_data && !retry.expect_reject_early_data);
        assert_eq!(
            retry.expect_early_data_reason.as_deref(),
            Some("peer_declined")
        );
        assert_eq!(resume.expect_early_data_reason, None);
    }

    #[test]
    fn an_early_data_reason_padlock_cannot_tell_is_unimplemented() {
        assert_eq!(
            parse(&args(&[
                "-port",
                "1",
                "-expect-early-data-reason",
                "alps_mismatch"
            ])),
            Err(Refusal::Unimplemented(
                "-expect-early-data-reason alps_mismatch".into()
            ))
        );
    }

    #[test]
    fn key_shares_accumulate_and_no_key_shares_empties_them() {
        let s = run(&["-port", "1", "-key-shares", "29", "-key-shares", "23"]);
        assert_eq!(s.key_shares, Some(vec![29, 23]));
        let s = run(&["-port", "1", "-no-key-shares"]);
        assert_eq!(s.key_shares, Some(vec![]));
        let s = run(&["-port", "1", "-expect-selected-credential", "-1"]);
        assert_eq!(s.expect_selected_credential, Some(-1));
        let s = run(&["-port", "1", "-max-send-fragment", "512"]);
        assert_eq!(s.max_send_fragment, Some(512));
    }

    #[test]
    fn reads_the_resumption_and_alpn_refusal_flags() {
        let s = run(&["-port", "1", "-reverify-on-resume", "-reject-alpn"]);
        assert!(s.reverify_on_resume && s.reject_alpn);
        let s = run(&["-port", "1", "-renegotiate-ignore", "-renew-ticket"]);
        assert!(!s.reverify_on_resume && !s.reject_alpn);
        let s = run(&["-port", "1", "-use-ticket-aead-callback", "-skip-ticket"]);
        assert!(s.ticket_callback && s.skip_ticket);
        let s = run(&[
            "-port",
            "1",
            "-expect-no-session",
            "-expect-no-offer-early-data",
        ]);
        assert!(s.expect_no_session && s.expect_no_offer_early_data);
        let s = run(&["-port", "1", "-expect-secure-renegotiation"]);
        assert_eq!(s.expect_secure_renegotiation, Some(true));
        let s = run(&["-port", "1", "-read-with-unfinished-write", "-tls-unique"]);
        assert!(s.read_with_unfinished_write && s.tls_unique && !s.ticket_callback);
    }

    #[test]
    fn no_op_flags_are_accepted_and_their_values_skipped() {
        let s = run(&["-port", "1", "-async", "-trust-cert", "x.pem", "-server"]);
        assert!(s.server);
    }
}
