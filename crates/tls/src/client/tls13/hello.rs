//! The client's TLS 1.3 hello steps: a ServerHello in (RFC 8446 §4.1.3), or a
//! HelloRetryRequest in and our second ClientHello out (§4.1.4).

use padlock_crypto::SharedSecret;

use crate::client::hs::{self, send_client_hello, Offer, OfferedShares, Version};
use crate::error::{Error, PeerMisbehaved};
use crate::output::{trace, unexpected, Output};
use crate::state::{handshake_secrets, HandshakeSecrets, StateBox};
use crate::suites::{self, Suite};
use crate::trace::{Direction, KeyPhase, TraceEvent};
use crate::transcript::Transcript;
use crate::wire::enums::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion};
use crate::wire::extensions::{ExtensionBlock, ExtensionTypes};
use crate::wire::handshake::{ClientHello, HandshakePayload, HelloRetryRequest, ServerHello};

use super::server_auth::{Awaiting, Context, EarlyData, ExpectEncryptedExtensions};
use super::State;

/// After our second ClientHello: only a ServerHello may follow (RFC 8446 §4.1.4).
pub(crate) struct ExpectServerHello {
    offer: Offer,
    /// The suite the HelloRetryRequest chose, which the ServerHello must repeat.
    retry_suite: Suite,
}

impl ExpectServerHello {
    /// Handles the ServerHello; the next state goes into `boxed`, the box this one was
    /// taken from.
    pub(super) fn handle(
        self: Box<Self>,
        boxed: StateBox<State>,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::client::State, Error> {
        match message {
            HandshakePayload::ServerHello(sh) => match hs::choose_version(&self.offer, &sh)? {
                Version::Tls13 => {
                    let suite = Some(self.retry_suite);
                    handle_server_hello(self.offer, sh, raw, suite, boxed, out)
                }
                // RFC 8446 §4.1.4: the ServerHello after a HelloRetryRequest repeats its
                // version, TLS 1.3.
                Version::Tls12 => Err(PeerMisbehaved::SelectedUnofferedVersion.into()),
            },
            // RFC 8446 §4.1.4: at most one HelloRetryRequest.
            HandshakePayload::HelloRetryRequest(_) => {
                Err(PeerMisbehaved::DuplicateHelloRetryRequest.into())
            }
            other => Err(unexpected("ServerHello", other.name())),
        }
    }
}

/// A TLS 1.3 ServerHello (RFC 8446 §4.1.3): check it against what we offered, complete the
/// key exchange, derive the handshake secrets and switch to them. `retry_suite` is the
/// suite of the HelloRetryRequest, if there was one. The next state is built in `boxed`.
pub(crate) fn handle_server_hello(
    offer: Offer,
    sh: ServerHello,
    raw: &[u8],
    retry_suite: Option<Suite>,
    boxed: StateBox<State>,
    out: &mut dyn Output,
) -> Result<crate::client::State, Error> {
    let offered = offered_types(&offer.hello);
    let suite = check_server_hello(&offer, &offered, &sh, retry_suite)?;
    let resumed = check_psk_selection(&offer, &sh, suite, out)?;
    // RFC 8446 §4.2.9: a psk_ke resumption (which we offer only when configured to) has
    // no key exchange; its (EC)DHE input is HashLen zeros (§7.1).
    let psk_ke = resumed && offer.config.insecure_psk_ke && sh.extensions.key_share.is_none();
    let zeros = [0u8; crate::hkdf::MAX_SECRET_LEN];
    let (group, shared) = match psk_ke {
        true => (None, None),
        false => {
            let (group, shared) = complete_key_exchange(offer.shares, &sh)?;
            (Some(group), Some(shared))
        }
    };
    let shared: &[u8] = match &shared {
        Some(shared) => shared.as_ref(),
        None => &zeros[..suite.hash.output_len()],
    };
    crate::state::report_negotiated(suite, group, retry_suite.is_some(), resumed, out);

    // RFC 8446 §7.1: Early Secret (from the PSK when resuming, else of zeros) → Handshake
    // Secret with the (EC)DHE secret.
    let provider = out.provider();
    let provider = provider.as_ref();
    let mut transcript = offer.transcript.start_hash(provider, suite.hash);
    transcript.add(raw);
    let early_data_offered = offer.psk.as_ref().is_some_and(|p| p.early_data);
    let (early_secret, session) = match offer.psk {
        Some(psk) if resumed => (Some(psk.early_secret), Some(psk.session)),
        _ => (None, None),
    };
    let HandshakeSecrets {
        handshake: handshake_secret,
        client: client_secret,
        server: server_secret,
    } = handshake_secrets(suite, early_secret, shared, &transcript, out);
    // Each traffic secret taken apart at once: record keys and finished_key (RFC 8446
    // §7.3, §4.4.4).
    let (server_keys, server_finished) = server_secret.handshake_keys(provider, suite.aead)?;
    let (client_keys, client_finished) = client_secret.handshake_keys(provider, suite.aead)?;
    out.install_read_keys(server_keys, KeyPhase::Handshake)?;
    // RFC 8446 §D.4: in compatibility mode our ChangeCipherSpec precedes every record we
    // protect, so it goes now, before the handshake keys: what we send next is either our
    // second flight or an alert that ends the handshake, and a peer (or a middlebox) may
    // expect the ChangeCipherSpec before either. (With 0-RTT it went after the
    // ClientHello.)
    if in_compatibility_mode(&offer.hello) {
        out.send_change_cipher_spec()?;
    }
    // RFC 8446 §4.2.10: with 0-RTT offered, our early keys stay until the server says
    // whether it took the data (EncryptedExtensions) — and, if it did, until our
    // EndOfEarlyData (§4.5).
    let client_keys = if early_data_offered {
        out.early_data_writes_done();
        Some(client_keys)
    } else {
        out.install_write_keys(client_keys, KeyPhase::Handshake)?;
        None
    };

    let hello = offer.hello;
    Ok(crate::client::State::Tls13(boxed.put(State::Encrypted(
        Context {
            config: offer.config,
            server_name: offer.server_name,
            offered_types: offered,
            transcript,
            handshake_secret,
            client_keys,
            client_finished,
            server_finished,
            suite,
            resumed: session,
            early_data: if early_data_offered {
                EarlyData::Offered
            } else {
                EarlyData::NotOffered
            },
            alpn: None,
        },
        Some(Awaiting::EncryptedExtensions(ExpectEncryptedExtensions {
            offered_alpn: hello.extensions.alpn.unwrap_or_default(),
        })),
    ))))
}

/// RFC 8446 §4.2.11: a server that resumes selects one of our identities (we offer one)
/// and a suite of the PSK's hash; else illegal_parameter. Returns whether it resumed.
fn check_psk_selection(
    offer: &Offer,
    sh: &ServerHello,
    suite: Suite,
    out: &mut dyn Output,
) -> Result<bool, Error> {
    let Some(psk) = &offer.psk else {
        // An unoffered pre_shared_key was refused as unsolicited already.
        return Ok(false);
    };
    let Some(selected) = sh.extensions.pre_shared_key else {
        trace(out, || TraceEvent::PskRefused {
            direction: Direction::Received,
            reason: "the server chose a full handshake".into(),
        });
        return Ok(false);
    };
    if selected != 0 {
        return Err(PeerMisbehaved::SelectedUnofferedPsk.into());
    }
    if suite.hash != psk.suite.hash {
        return Err(PeerMisbehaved::PskHashMismatch.into());
    }
    trace(out, || TraceEvent::PskAccepted {
        direction: Direction::Received,
        identity: selected,
    });
    Ok(true)
}

/// The ServerHello's fields against our ClientHello (RFC 8446 §4.1.3, §4.2), whose
/// extension types are `offered`; returns the chosen suite.
fn check_server_hello(
    offer: &Offer,
    offered: &[ExtensionType],
    sh: &ServerHello,
    retry_suite: Option<Suite>,
) -> Result<Suite, Error> {
    // RFC 8446 §4.1.3: legacy_session_id_echo must echo ours.
    if sh.legacy_session_id_echo != &offer.hello.legacy_session_id[..] {
        return Err(PeerMisbehaved::SessionIdNotEchoed.into());
    }
    // RFC 8446 §4.1.3: legacy_compression_method must be 0.
    if sh.legacy_compression_method != 0 {
        return Err(PeerMisbehaved::NonNullCompression.into());
    }
    // RFC 8446 §4.1.3: the suite must be one we offered...
    let suite = offered_suite(&offer.hello, sh.cipher_suite)?;
    // ...and, after a HelloRetryRequest, the same one (§4.1.4).
    if retry_suite.is_some_and(|s| s != suite) {
        return Err(PeerMisbehaved::ServerHelloChangedAfterRetry.into());
    }
    // RFC 8446 §4.2: only extensions allowed in a ServerHello, and only ones we sent.
    sh.extensions
        .check_allowed()
        .map_err(|_| PeerMisbehaved::IllegalExtension)?;
    if sh.extensions.first_unsolicited(offered).is_some() {
        return Err(PeerMisbehaved::UnsolicitedExtension.into());
    }
    Ok(suite)
}

/// RFC 8446 §4.2.8: the server's share must be for a group we sent a share for; our
/// exchange for that group is completed with it, and the others dropped.
fn complete_key_exchange(
    shares: OfferedShares,
    sh: &ServerHello,
) -> Result<(NamedGroup, SharedSecret), Error> {
    let share = sh
        .extensions
        .key_share
        .as_ref()
        .ok_or(PeerMisbehaved::MissingExtension("key_share"))?;
    let shared = shares
        .complete(share.group, &share.key_exchange)
        .ok_or(PeerMisbehaved::WrongGroupForKeyShare)?
        .map_err(suites::key_share_error)?;
    Ok((share.group, shared))
}

/// A HelloRetryRequest (RFC 8446 §4.1.4): check it, then send the second ClientHello it
/// asks for — a share for its group, its cookie echoed — and wait for the ServerHello.
pub(crate) fn handle_hello_retry_request(
    mut offer: Offer,
    hrr: HelloRetryRequest,
    raw: &[u8],
    boxed: StateBox<State>,
    out: &mut dyn Output,
) -> Result<crate::client::State, Error> {
    let suite = check_hello_retry_request(&offer, &hrr)?;
    trace(out, || TraceEvent::HelloRetryRequest {
        direction: Direction::Received,
        group: hrr.extensions.key_share,
        cookie: hrr.extensions.cookie.is_some(),
    });
    if let Some(group) = hrr.extensions.key_share {
        offer_share_for(&mut offer, group, out)?;
    }
    // RFC 8446 §4.2.2: echo the cookie.
    offer.hello.extensions.cookie = hrr.extensions.cookie.map(|c| c.to_vec().into());
    update_psk_for_retry(&mut offer, suite, out);

    // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
    let provider = out.provider();
    let transcript = std::mem::replace(&mut offer.transcript, Transcript::buffered());
    offer.transcript = transcript.replace_with_message_hash(provider.as_ref(), suite.hash);
    offer.transcript.add(raw);
    // RFC 8446 §D.4: in compatibility mode the client sends its CCS before the second
    // ClientHello.
    if in_compatibility_mode(&offer.hello) {
        out.send_change_cipher_spec()?;
    }
    send_client_hello(&mut offer, true, out)?;
    Ok(crate::client::State::Tls13(boxed.put(State::ServerHello(
        Box::new(ExpectServerHello {
            offer,
            retry_suite: suite,
        }),
    ))))
}

/// RFC 8446 §4.1.2: the second ClientHello drops early_data (its 0-RTT data is refused,
/// §4.2.10), and updates the PSK — a new obfuscated age (its binder is recomputed when it
/// is sent) — or removes it when the server's suite has another hash.
fn update_psk_for_retry(offer: &mut Offer, suite: Suite, out: &mut dyn Output) {
    offer.hello.extensions.early_data = false;
    let Some(psk) = &mut offer.psk else {
        return;
    };
    if psk.early_data {
        psk.early_data = false;
        out.abandon_early_data();
        trace(out, || TraceEvent::EarlyDataRejected {
            direction: Direction::Received,
            reason: "the server sent a HelloRetryRequest".into(),
        });
    }
    if psk.suite.hash != suite.hash {
        offer.psk = None;
        offer.hello.extensions.pre_shared_key = None;
        return;
    }
    let now = (offer.config.time)();
    if let Some(psks) = &mut offer.hello.extensions.pre_shared_key {
        for identity in psks.identities.to_mut() {
            identity.obfuscated_ticket_age = crate::client::psk::obfuscated_age(&psk.session, now);
        }
    }
}

/// The HelloRetryRequest's fields against our ClientHello (RFC 8446 §4.1.4); returns the
/// suite it chose.
fn check_hello_retry_request(offer: &Offer, hrr: &HelloRetryRequest) -> Result<Suite, Error> {
    // RFC 8446 §4.1.4: "the client MUST check the legacy_version, legacy_session_id_echo,
    // cipher_suite, and legacy_compression_method as specified in Section 4.1.3": no SSL 3.0
    // or older (§D.5)...
    if hrr.legacy_version.to_wire() <= 0x0300 {
        return Err(PeerMisbehaved::ObsoleteLegacyVersion.into());
    }
    // ...TLS 1.3 negotiated...
    if hrr.extensions.supported_versions != Some(ProtocolVersion::TLSv1_3) {
        return Err(PeerMisbehaved::SelectedUnofferedVersion.into());
    }
    // ...our session id echoed...
    if hrr.legacy_session_id_echo != &offer.hello.legacy_session_id[..] {
        return Err(PeerMisbehaved::SessionIdNotEchoed.into());
    }
    // ...no compression...
    if hrr.legacy_compression_method != 0 {
        return Err(PeerMisbehaved::NonNullCompression.into());
    }
    // ...choose a suite we offered...
    let suite = offered_suite(&offer.hello, hrr.cipher_suite)?;
    // ...carry only allowed extensions (cookie is always allowed, §4.2)...
    hrr.extensions
        .check_allowed()
        .map_err(|_| PeerMisbehaved::IllegalExtension)?;
    if hrr
        .extensions
        .first_unsolicited(&offered_types(&offer.hello))
        .is_some()
    {
        return Err(PeerMisbehaved::UnsolicitedExtension.into());
    }
    // ...and change something (§4.1.4).
    if hrr.extensions.key_share.is_none() && hrr.extensions.cookie.is_none() {
        return Err(PeerMisbehaved::UselessHelloRetryRequest.into());
    }
    Ok(suite)
}

/// RFC 8446 §4.1.2: the second ClientHello replaces the shares "with a list containing a
/// single KeyShareEntry from the indicated group" — which must be one we support, and not
/// one we already sent a share for (§4.2.8).
fn offer_share_for(offer: &mut Offer, group: NamedGroup, out: &dyn Output) -> Result<(), Error> {
    if !offer.config.groups.contains(&group) || suites::group(group).is_none() {
        return Err(PeerMisbehaved::SelectedUnofferedGroup.into());
    }
    if offer.shares.contains(group) {
        return Err(PeerMisbehaved::HelloRetryRequestWithOfferedGroup.into());
    }
    offer.shares = OfferedShares::start(out.provider().as_ref(), &[group])?;
    offer.hello.extensions.key_share = Some(offer.shares.entries().into());
    Ok(())
}

/// `suite`, if our ClientHello offered it and we implement it.
fn offered_suite(hello: &ClientHello, suite: CipherSuite) -> Result<Suite, Error> {
    hello
        .cipher_suites
        .contains(&suite)
        .then(|| suites::suite(suite))
        .flatten()
        .ok_or_else(|| PeerMisbehaved::SelectedUnofferedCipherSuite.into())
}

/// The extension types of our ClientHello: the only ones a server may answer with.
fn offered_types(hello: &ClientHello) -> ExtensionTypes {
    hello.extensions.extension_types()
}

/// RFC 8446 §D.4: a non-empty legacy_session_id is what puts a connection in middlebox
/// compatibility mode, in which the client sends a ChangeCipherSpec before its second
/// flight (we send it as soon as the ServerHello is accepted, before any protected record). Our own ClientHello always sends one; a test override (RFC 8448 §3) may not.
fn in_compatibility_mode(hello: &ClientHello) -> bool {
    !hello.legacy_session_id.is_empty()
}
