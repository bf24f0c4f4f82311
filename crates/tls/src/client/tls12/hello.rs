//! A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3): checked against what we offered, with the
//! safety rails of RFC 5746 (secure renegotiation) and RFC 7627 (Extended Master Secret).

use crate::client::hs::Offer;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::output::Output;
use crate::suites::{self, Tls12Suite};
use crate::tls12::handshake::{self, Randoms, Transcript12};
use crate::wire::enums::EcPointFormat;
use crate::wire::extensions::{ExtensionBlock, Tls12ServerHelloExtensions};
use crate::wire::handshake::ServerHello;

use super::server_flight::{Context, ExpectCertificate};
use super::State;

/// The ServerHello chose TLS 1.2: check it, and wait for the server's Certificate.
pub(crate) fn handle_server_hello(
    offer: Offer,
    sh: ServerHello,
    raw: &[u8],
    out: &mut dyn Output,
) -> Result<crate::client::State, Error> {
    check_session_id(&offer, &sh)?;
    let suite = check_suite(&offer, &sh)?;
    let extensions = check_extensions(&offer, &sh)?;
    if let Some(protocol) = extensions.alpn.clone() {
        out.alpn(protocol);
    }
    let provider = out.provider();
    // Only a client with a certificate may have to sign the messages whole (RFC 5246
    // §7.4.8); the others keep just their hash.
    let keep_messages = offer.config.client_auth.is_some();
    let mut transcript = Transcript12::new(provider.as_ref(), suite, keep_messages);
    transcript.add(offer.transcript.buffered_bytes().unwrap_or_default());
    transcript.add(raw);
    let group = None;
    handshake::report_negotiated(suite, group, out);
    let randoms = Randoms {
        client: offer.hello.random,
        server: sh.random,
    };
    Ok(crate::client::State::Tls12(State::Certificate(Box::new(
        ExpectCertificate {
            context: Context {
                offer,
                suite,
                randoms,
                extended_master_secret: extensions.extended_master_secret,
                transcript,
            },
        },
    ))))
}

/// RFC 5246 §7.4.1.3: a ServerHello.session_id equal to the ClientHello's means the server
/// resumes that session. Ours is the random id of RFC 8446 §4.1.2's compatibility mode,
/// never a cached TLS 1.2 session, so an echo resumes something we never offered.
fn check_session_id(offer: &Offer, sh: &ServerHello) -> Result<(), Error> {
    let ours = &offer.hello.legacy_session_id;
    if !ours.is_empty() && sh.legacy_session_id_echo == *ours {
        return Err(PeerMisbehaved::EchoedSessionIdWithoutResumption.into());
    }
    Ok(())
}

/// RFC 5246 §7.4.1.3: the suite must be one we offered, and a TLS 1.2 one; no compression.
fn check_suite(offer: &Offer, sh: &ServerHello) -> Result<Tls12Suite, Error> {
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
fn check_extensions(offer: &Offer, sh: &ServerHello) -> Result<Tls12ServerHelloExtensions, Error> {
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
    if let Some(protocol) = &extensions.alpn {
        if !offer.config.alpn_protocols.contains(protocol) {
            return Err(PeerMisbehaved::SelectedUnofferedAlpnProtocol.into());
        }
    }
    Ok(extensions)
}
