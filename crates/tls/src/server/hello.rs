//! ClientHello in; ServerHello (or HelloRetryRequest) and the server's flight out
//! (RFC 8446 §4.1, §4.3, §4.4).

use std::sync::Arc;

use padlock_crypto::Provider;

use crate::config::{CertifiedKey, ClientHelloInfo};
use crate::error::{PeerIncompatible, PeerMisbehaved};
use crate::output::{trace, unexpected, Output};
use crate::state::{self, encode, random_bytes};
use crate::suites::{self, Suite};
use crate::tls13::key_schedule::EarlySecret;
use crate::trace::KeyPhase;
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::wire::{
    CertificateRequest, CertificateRequestExtensions, ClientHello, DistinguishedName,
    EncryptedExtensions, EncryptedExtensionsExtensions, ExtensionBlock, Finished, HandshakePayload,
    HelloRetryRequest, HelloRetryRequestExtensions, KeyShareEntry, ServerHello,
    ServerHelloExtensions,
};
use crate::{ClientAuth, Error, HandshakeKind, NamedGroup, ProtocolVersion, ServerConfig};

use super::client_auth::{ExpectCertificate, ExpectFinished, Pending};
use super::State;

/// What a HelloRetryRequest committed the server to (RFC 8446 §4.1.4).
struct Retry {
    suite: Suite,
    group: NamedGroup,
    transcript: Transcript,
    /// What ClientHello1 said that ClientHello2 must repeat (RFC 8446 §4.1.2).
    random: [u8; 32],
    session_id: Vec<u8>,
    cipher_suites: Vec<crate::CipherSuite>,
    /// The key of the cookie the HelloRetryRequest carried, and Hash(ClientHello1)
    /// (RFC 8446 §4.2.2); `None` if it carried none.
    cookie: Option<([u8; 32], Vec<u8>)>,
}

/// Waiting for a ClientHello (the first, or the second after a HelloRetryRequest).
pub(crate) struct ExpectClientHello {
    config: Arc<ServerConfig>,
    retry: Option<Retry>,
}

impl ExpectClientHello {
    pub(super) fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            retry: None,
        }
    }

    /// Whether this is the wait for the second ClientHello.
    pub(super) fn is_retry(&self) -> bool {
        self.retry.is_some()
    }

    pub(super) fn handle(
        self,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::ClientHello(hello) = message else {
            return Err(unexpected("ClientHello", message.name()));
        };
        // RFC 8446 §4.2.10: we never accept 0-RTT, so the client's early data is skipped.
        if hello.extensions.early_data {
            out.skip_early_data();
        }
        let config = self.config;
        let provider = out.provider();
        let provider = provider.as_ref();

        // RFC 8446 §4.2.1: a TLS 1.3 ClientHello lists 0x0304 in supported_versions;
        // without it the client only speaks TLS 1.2 or older → protocol_version.
        let versions = hello
            .extensions
            .supported_versions
            .as_deref()
            .unwrap_or_default();
        if !versions.contains(&ProtocolVersion::TLSv1_3) {
            return Err(PeerIncompatible::Tls13NotOffered.into());
        }
        // RFC 8446 §4.1.2: legacy_compression_methods is exactly one zero byte.
        if hello.legacy_compression_methods != [0] {
            return Err(PeerMisbehaved::NonNullCompression.into());
        }
        // RFC 8446 §4.2: no extension that is not allowed in a ClientHello.
        hello
            .extensions
            .check_allowed()
            .map_err(|_| PeerMisbehaved::IllegalExtension)?;
        // RFC 8446 §9.2: without a PSK, these are mandatory → missing_extension.
        let their_groups = hello
            .extensions
            .supported_groups
            .as_deref()
            .ok_or(PeerMisbehaved::MissingExtension("supported_groups"))?;
        let shares = hello
            .extensions
            .key_share
            .as_deref()
            .ok_or(PeerMisbehaved::MissingExtension("key_share"))?;
        let their_schemes = hello
            .extensions
            .signature_algorithms
            .as_deref()
            .ok_or(PeerMisbehaved::MissingExtension("signature_algorithms"))?;
        // RFC 8446 §4.2.8: every share must be for a group the client lists.
        if shares.iter().any(|s| !their_groups.contains(&s.group)) {
            return Err(PeerMisbehaved::IllegalKeyShare.into());
        }

        // RFC 8446 §4.1.1: the server picks the suite, by its own preference.
        let suite = config
            .cipher_suites
            .iter()
            .filter(|s| hello.cipher_suites.contains(s))
            .find_map(|s| suites::suite(*s))
            .ok_or(PeerIncompatible::NoCipherSuitesInCommon)?;

        // Choose the group: by our preference, a group the client sent a share for; else
        // our most preferred group the client supports, asked for by HelloRetryRequest.
        let ours = config
            .groups
            .iter()
            .copied()
            .filter(|g| suites::group(*g).is_some());
        let chosen_share = ours
            .clone()
            .find_map(|g| shares.iter().find(|s| s.group == g))
            .cloned();

        let retried = self.retry.is_some();
        let mut transcript = match self.retry {
            Some(retry) => {
                // RFC 8446 §4.1.4: the second ClientHello must use the suite we chose and
                // carry a share for exactly the group we asked for.
                if suite != retry.suite {
                    return Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into());
                }
                if shares.len() != 1 || shares[0].group != retry.group {
                    return Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into());
                }
                // RFC 8446 §4.1.2: apart from key_share, cookie, early_data and padding, the
                // second ClientHello repeats the first.
                if hello.random != retry.random
                    || hello.legacy_session_id != retry.session_id
                    || hello.cipher_suites != retry.cipher_suites
                {
                    return Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into());
                }
                check_cookie(provider, &retry, hello.extensions.cookie.as_deref())?;
                retry.transcript
            }
            None => {
                let Some(_) = chosen_share else {
                    let group = ours
                        .clone()
                        .find(|g| their_groups.contains(g))
                        .ok_or(PeerIncompatible::NoGroupsInCommon)?;
                    return send_retry(config, &hello, raw, suite, group, out);
                };
                Transcript::hashing(provider, suite.hash)
            }
        };
        let share = chosen_share.ok_or(PeerIncompatible::NoGroupsInCommon)?;
        transcript.add(raw);

        // RFC 6066 §3 / RFC 8446 §4.4.2.2: choose the certificate by SNI and schemes.
        let sni = hello.extensions.server_name.as_deref();
        let cert = config
            .cert_resolver
            .resolve(&ClientHelloInfo {
                server_name: sni,
                signature_schemes: their_schemes,
            })
            .ok_or(PeerIncompatible::NoCertificateForName)?;
        if let Some(name) = sni {
            out.server_name(name.to_owned());
        }
        let scheme = state::choose_scheme(&cert, their_schemes, &config.signature_schemes)
            .ok_or(PeerIncompatible::NoSignatureSchemesInCommon)?;

        // RFC 7301 §3.2: our most preferred protocol the client offered; none in common
        // → no_application_protocol.
        let alpn = match (&hello.extensions.alpn, config.alpn_protocols.is_empty()) {
            (Some(theirs), false) => Some(
                config
                    .alpn_protocols
                    .iter()
                    .find(|p| theirs.contains(p))
                    .cloned()
                    .ok_or(PeerIncompatible::NoApplicationProtocol)?,
            ),
            _ => None,
        };

        // Key exchange (RFC 8446 §4.2.8).
        let algorithm = suites::group(share.group).ok_or(PeerIncompatible::NoGroupsInCommon)?;
        let kx = provider
            .start_key_exchange(algorithm)
            .map_err(|_| Error::Internal("could not generate a key share"))?;
        let our_share = kx.public_key().to_vec();
        let shared = kx
            .complete(&share.key_exchange)
            .map_err(|_| PeerMisbehaved::InvalidKeyShare)?;

        out.client_random(hello.random);
        out.negotiated(suite, share.group);
        out.handshake_kind(if retried {
            HandshakeKind::FullWithHelloRetryRequest
        } else {
            HandshakeKind::Full
        });
        trace(out, || TraceEvent::Negotiated {
            version: ProtocolVersion::TLSv1_3,
            suite: suite.suite,
            group: share.group,
        });

        // ServerHello (RFC 8446 §4.1.3).
        let server_hello = encode(&HandshakePayload::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: random_bytes::<32>(provider)?,
            legacy_session_id_echo: hello.legacy_session_id.clone(),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: ServerHelloExtensions {
                supported_versions: Some(ProtocolVersion::TLSv1_3),
                key_share: Some(KeyShareEntry {
                    group: share.group,
                    key_exchange: our_share,
                }),
                ..Default::default()
            },
        }));
        state::trace_sent(out, "ServerHello", server_hello.len(), || {
            format!("suite={} group={}", suite.suite, share.group)
        });
        transcript.add(&server_hello);
        out.send_handshake(&server_hello);
        // RFC 8446 §D.4: compatibility mode when the client sent a session id.
        if !hello.legacy_session_id.is_empty() {
            out.send_change_cipher_spec()?;
        }

        // RFC 8446 §7.1: handshake secrets from Hash(CH..SH).
        let handshake_secret =
            EarlySecret::new(provider, suite.hash, None).into_handshake(provider, shared.as_ref());
        let hash = transcript.current_hash(provider);
        let (client_hs, server_hs) =
            handshake_secret.handshake_traffic_secrets(provider, hash.as_ref());
        out.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client_hs.as_bytes());
        out.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server_hs.as_bytes());
        out.install_write_keys(
            server_hs.record_keys(provider, suite.aead)?,
            KeyPhase::Handshake,
        )?;
        out.install_read_keys(
            client_hs.record_keys(provider, suite.aead)?,
            KeyPhase::Handshake,
        )?;

        // EncryptedExtensions (RFC 8446 §4.3.1).
        let ee = encode(&HandshakePayload::EncryptedExtensions(
            EncryptedExtensions {
                extensions: EncryptedExtensionsExtensions {
                    // RFC 6066 §3: an empty server_name acknowledges the one we used.
                    server_name: sni.is_some(),
                    alpn: alpn.clone(),
                    ..Default::default()
                },
            },
        ));
        state::trace_sent(out, "EncryptedExtensions", ee.len(), || {
            format!("alpn={}", state::alpn_list(alpn.as_slice()))
        });
        transcript.add(&ee);
        out.send_handshake(&ee);
        if let Some(protocol) = alpn {
            out.alpn(protocol);
        }

        // CertificateRequest (RFC 8446 §4.3.2) for mutual TLS.
        let verifier = match &config.client_auth {
            ClientAuth::None => None,
            ClientAuth::Optional(v) | ClientAuth::Required(v) => Some(v.clone()),
        };
        if let Some(verifier) = &verifier {
            let hints = verifier.root_hint_subjects();
            let cr = encode(&HandshakePayload::CertificateRequest(CertificateRequest {
                certificate_request_context: Vec::new(),
                extensions: CertificateRequestExtensions {
                    signature_algorithms: Some(config.signature_schemes.clone()),
                    certificate_authorities: (!hints.is_empty())
                        .then(|| hints.into_iter().map(DistinguishedName).collect()),
                    ..Default::default()
                },
            }));
            state::trace_sent(out, "CertificateRequest", cr.len(), String::new);
            transcript.add(&cr);
            out.send_handshake(&cr);
        }

        // Certificate and CertificateVerify (RFC 8446 §4.4.2, §4.4.3).
        send_certificate(&cert, scheme, &mut transcript, out)?;

        // Finished (RFC 8446 §4.4.4).
        let hash = transcript.current_hash(provider);
        let verify_data = server_hs.finished_verify_data(provider, hash.as_ref());
        let finished = encode(&HandshakePayload::Finished(Finished {
            verify_data: verify_data.as_ref().to_vec(),
        }));
        state::trace_sent(out, "Finished", finished.len(), String::new);
        transcript.add(&finished);
        out.send_handshake(&finished);

        // RFC 8446 §7.1: application secrets from Hash(CH..server Finished).
        let hash = transcript.current_hash(provider);
        let master = handshake_secret.into_master(provider);
        let app = master.application_secrets(provider, hash.as_ref());
        let (client_app, server_app) = (app.client, app.server);
        out.log_secret("CLIENT_TRAFFIC_SECRET_0", client_app.as_bytes());
        out.log_secret("SERVER_TRAFFIC_SECRET_0", server_app.as_bytes());
        out.exporter(app.exporter);
        out.install_write_keys(
            server_app.record_keys(provider, suite.aead)?,
            KeyPhase::Application(0),
        )?;

        let pending = Pending {
            config,
            transcript,
            client_handshake_secret: client_hs,
            client_application_secret: client_app,
            server_application_secret: server_app,
            aead: suite.aead,
        };
        Ok(match verifier {
            Some(_) => State::Certificate(Box::new(ExpectCertificate { pending })),
            None => State::Finished(Box::new(ExpectFinished {
                pending,
                client_cert: None,
            })),
        })
    }
}

/// Sends a HelloRetryRequest asking for a share of `group` (RFC 8446 §4.1.4).
fn send_retry(
    config: Arc<ServerConfig>,
    hello: &ClientHello,
    raw: &[u8],
    suite: Suite,
    group: NamedGroup,
    out: &mut dyn Output,
) -> Result<State, Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    // RFC 8446 §4.4.1: the transcript restarts with message_hash(ClientHello1).
    let mut transcript = Transcript::hashing(provider, suite.hash);
    transcript.add(raw);
    let mut transcript = transcript.replace_with_message_hash(provider, suite.hash);
    // RFC 8446 §4.2.2: optionally, a cookie holding Hash(ClientHello1) under our MAC.
    let cookie = config.hello_retry_cookie_key.map(|key| {
        let hash = provider.hash_once(suite.hash, raw).as_ref().to_vec();
        (key, hash)
    });
    let cookie_bytes = cookie
        .as_ref()
        .map(|(key, hash)| super::cookie::seal(provider, key, suite.suite, group, hash));
    let hrr = encode(&HandshakePayload::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        legacy_session_id_echo: hello.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        legacy_compression_method: 0,
        extensions: HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(group),
            cookie: cookie_bytes,
            ..Default::default()
        },
    }));
    trace(out, || TraceEvent::HelloRetryRequest {
        direction: Direction::Sent,
        group: Some(group),
        cookie: cookie.is_some(),
    });
    transcript.add(&hrr);
    out.send_handshake(&hrr);
    out.handshake_kind(HandshakeKind::FullWithHelloRetryRequest);
    if !hello.legacy_session_id.is_empty() {
        out.send_change_cipher_spec()?;
    }
    Ok(State::ClientHello(Box::new(ExpectClientHello {
        config,
        retry: Some(Retry {
            suite,
            group,
            transcript,
            random: hello.random,
            session_id: hello.legacy_session_id.clone(),
            cipher_suites: hello.cipher_suites.clone(),
            cookie,
        }),
    })))
}

/// RFC 8446 §4.1.2: the second ClientHello includes "a cookie extension if one was
/// provided in the HelloRetryRequest" — that one, unchanged (§4.2.2) — and otherwise none.
/// The cookie is checked as a stateless server would: its MAC under our key for the suite
/// and group we chose; then the ClientHello1 hash it carries must be the one we saw.
/// Anything else → illegal_parameter.
fn check_cookie(
    provider: &dyn Provider,
    retry: &Retry,
    echoed: Option<&[u8]>,
) -> Result<(), Error> {
    let bad = || Error::from(PeerMisbehaved::IllegalClientHelloAfterRetry);
    match (&retry.cookie, echoed) {
        (None, None) => Ok(()),
        (None, Some(_)) | (Some(_), None) => Err(bad()),
        (Some((key, hash)), Some(echoed)) => {
            let carried =
                super::cookie::open(provider, key, retry.suite.suite, retry.group, echoed)
                    .ok_or_else(bad)?;
            if carried != hash.as_slice() {
                return Err(bad());
            }
            Ok(())
        }
    }
}

fn send_certificate(
    cert: &CertifiedKey,
    scheme: crate::SignatureScheme,
    transcript: &mut Transcript,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    let message = state::encode_certificate(&[], &cert.chain);
    state::trace_sent(out, "Certificate", message.len(), || {
        format!("{} certificate(s)", cert.chain.len())
    });
    transcript.add(&message);
    out.send_handshake(&message);
    let hash = transcript.current_hash(provider);
    let message = state::sign_certificate_verify(
        provider,
        cert,
        scheme,
        state::SERVER_CONTEXT,
        hash.as_ref(),
    )?;
    state::trace_sent(out, "CertificateVerify", message.len(), || {
        format!("scheme={scheme}")
    });
    out.signature_scheme(scheme);
    transcript.add(&message);
    out.send_handshake(&message);
    Ok(())
}
