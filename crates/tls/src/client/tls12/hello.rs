//! A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3): checked against what we offered, with the
//! safety rails of RFC 5746 (secure renegotiation) and RFC 7627 (Extended Master Secret).

use crate::client::hs::Offer;
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::output::trace;
use crate::output::Output;
use crate::state::StateBox;
use crate::suites::{self, Tls12Suite};
use crate::tls12::handshake::{self, Randoms, Transcript12};
use crate::trace::{Direction, TraceEvent};
use crate::wire::enums::EcPointFormat;
use crate::wire::extensions::{ExtensionBlock, Tls12ServerHelloExtensions};
use crate::wire::handshake::ServerHello;

use super::resume::{self, SessionKeeper};
use super::server_flight::{Context, ExpectCertificate, Offered};
use super::State;

/// The ServerHello chose TLS 1.2: check it; if it resumes the session we offered, the
/// abbreviated handshake follows, else wait for the server's Certificate.
pub(crate) fn handle_server_hello(
    mut offer: Offer,
    sh: ServerHello<'_>,
    raw: &[u8],
    out: &mut dyn Output,
) -> Result<crate::client::State, Error> {
    let resumed = check_session_id(&offer, &sh)?;
    let suite = check_suite(&offer, &sh)?;
    let extensions = check_extensions(&offer, &sh)?;
    if let Some(protocol) = extensions.alpn {
        out.alpn(protocol.to_vec());
    }
    match offer.tls12_session.take() {
        Some(session) if resumed => {
            resume::check_resumed_hello(&session, suite, &extensions)?;
            return resume::resume(offer, session, suite, &sh, extensions, raw, out);
        }
        Some(_) => trace(out, || TraceEvent::SessionRefused {
            direction: Direction::Received,
            reason: "the server answered with a full handshake".into(),
        }),
        None => {}
    }
    let provider = out.provider();
    // Only a client with a certificate may have to sign the messages whole (RFC 5246
    // §7.4.8); the others keep just their hash.
    let keep_messages = offer.config.client_auth.is_some();
    let mut transcript = Transcript12::new(provider.as_ref(), suite, keep_messages);
    transcript.add(offer.transcript.buffered_bytes().unwrap_or_default());
    transcript.add(raw);
    let group = None;
    handshake::report_negotiated(suite, group, HandshakeKind::Full, out);
    let randoms = Randoms {
        client: offer.hello.random,
        server: sh.random,
    };
    // RFC 7627 §5.3: only a session with the Extended Master Secret is kept.
    let keeper = extensions
        .extended_master_secret
        .then(|| SessionKeeper::new(&offer, suite, sh.legacy_session_id_echo.to_vec(), None))
        .flatten();
    Ok(crate::client::State::Tls12(StateBox::new(
        State::Certificate(ExpectCertificate {
            context: Context {
                offer: Offered::keep(offer),
                suite,
                randoms,
                extended_master_secret: extensions.extended_master_secret,
                transcript,
                ticket_announced: extensions.session_ticket,
                keeper: keeper.map(|k| k.with_alpn(extensions.alpn.map(<[u8]>::to_vec))),
            },
        }),
    )))
}

/// RFC 5246 §7.4.1.3, RFC 5077 §3.4: a ServerHello.session_id equal to the ClientHello's
/// means the server resumes the session we offered. Without one, ours is the random id of
/// RFC 8446 §4.1.2's compatibility mode, and an echo resumes something we never offered.
fn check_session_id(offer: &Offer, sh: &ServerHello<'_>) -> Result<bool, Error> {
    let ours = &offer.hello.legacy_session_id;
    let echoed = !ours.is_empty() && sh.legacy_session_id_echo == &ours[..];
    if echoed && offer.tls12_session.is_none() {
        return Err(PeerMisbehaved::EchoedSessionIdWithoutResumption.into());
    }
    Ok(echoed)
}

/// RFC 5246 §7.4.1.3: the suite must be one we offered, and a TLS 1.2 one; no compression.
fn check_suite(offer: &Offer, sh: &ServerHello<'_>) -> Result<Tls12Suite, Error> {
    if sh.legacy_compression_method != 0 {
        return Err(PeerMisbehaved::NonNullCompression.into());
    }
    if !offer.hello.cipher_suites.contains(&sh.cipher_suite) {
        return Err(PeerMisbehaved::SelectedUnofferedCipherSuite.into());
    }
    suites::tls12_suite(sh.cipher_suite)
        .ok_or_else(|| PeerMisbehaved::SelectedUnofferedCipherSuite.into())
}

/// The ServerHello's extensions: only answers to what we sent (RFC 5246 §7.4.1.4), none
/// of TLS 1.3's; secure renegotiation indicated (RFC 5746 §3.4); the Extended Master
/// Secret when we require it (RFC 7627 §5.2); an offered ALPN protocol (RFC 7301 §3.2).
fn check_extensions<'s>(
    offer: &Offer,
    sh: &'s ServerHello<'_>,
) -> Result<Tls12ServerHelloExtensions<'s>, Error> {
    if sh.extensions.key_share.is_some() || sh.extensions.pre_shared_key.is_some() {
        return Err(PeerMisbehaved::IllegalTls12ServerHello.into());
    }
    let extensions = Tls12ServerHelloExtensions::from_raw(&sh.extensions.other)?;
    let offered = offer.hello.extensions.extension_types();
    if extensions
        .extension_types()
        .iter()
        .any(|t| !offered.contains(t))
    {
        return Err(PeerMisbehaved::UnsolicitedExtension.into());
    }
    // RFC 5746 §3.4: an empty renegotiation_info; without one, the server might be
    // renegotiating a victim's session into ours (RFC 5746 §1), so we refuse it.
    match &extensions.renegotiation_info {
        None => return Err(PeerIncompatible::SecureRenegotiationNotSupported.into()),
        Some(info) if !info.is_empty() => return Err(PeerMisbehaved::BadRenegotiationInfo.into()),
        Some(_) => {}
    }
    if !extensions.extended_master_secret && offer.config.require_extended_master_secret {
        return Err(PeerIncompatible::ExtendedMasterSecretRequired.into());
    }
    if let Some(formats) = &extensions.ec_point_formats {
        if !formats.contains(&EcPointFormat::uncompressed) {
            return Err(PeerMisbehaved::UncompressedPointsNotOffered.into());
        }
    }
    if let Some(protocol) = extensions.alpn {
        if !offer.config.alpn_protocols.iter().any(|p| p == protocol) {
            return Err(PeerMisbehaved::SelectedUnofferedAlpnProtocol.into());
        }
    }
    Ok(extensions)
}
