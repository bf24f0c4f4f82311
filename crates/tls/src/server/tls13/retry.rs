//! HelloRetryRequest out, and the second ClientHello in (RFC 8446 §4.1.2, §4.1.4, §4.2.2).

use std::sync::Arc;

use padlock_crypto::Provider;

use crate::config::ServerConfig;
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerMisbehaved};
use crate::output::{trace, unexpected, Output};
use crate::state::encode;
use crate::suites::Suite;
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::wire::enums::{ExtensionType, NamedGroup, ProtocolVersion};
use crate::wire::extensions::{HelloRetryRequestExtensions, RawExtension};
use crate::wire::handshake::{ClientHello, HandshakePayload, HelloRetryRequest, RawClientHello};

use super::cookie;
use super::hello::{choose_suite, process_client_hello, send_server_flight, Before, Chosen};
use super::resume::check_resumption;
use super::State;

/// What a HelloRetryRequest committed the server to (RFC 8446 §4.1.4).
struct Retry {
    suite: Suite,
    group: NamedGroup,
    /// message_hash(ClientHello1) and the HelloRetryRequest (RFC 8446 §4.4.1).
    transcript: Transcript,
    /// ClientHello1 as received (header included), which ClientHello2 must repeat but for
    /// the changes §4.1.2 allows.
    first_hello: Vec<u8>,
    /// The key of the cookie the HelloRetryRequest carried, and Hash(ClientHello1)
    /// (RFC 8446 §4.2.2); `None` if it carried none.
    cookie: Option<([u8; 32], Vec<u8>)>,
}

/// Sends a HelloRetryRequest asking for a share of `group` (RFC 8446 §4.1.4) and waits
/// for the second ClientHello.
pub(super) fn send_hello_retry_request(
    config: Arc<ServerConfig>,
    hello: &ClientHello<'_>,
    raw: &[u8],
    suite: Suite,
    group: NamedGroup,
    out: &mut dyn Output,
) -> Result<crate::server::State, Error> {
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
        .map(|(key, hash)| cookie::seal(provider, key, suite.suite, group, hash));
    let hrr = encode(&HandshakePayload::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        legacy_session_id_echo: &hello.legacy_session_id,
        cipher_suite: suite.suite,
        legacy_compression_method: 0,
        extensions: HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(group),
            cookie: cookie_bytes.as_deref(),
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
    Ok(State::SecondClientHello(Box::new(ExpectSecondClientHello {
        config,
        retry: Retry {
            suite,
            group,
            transcript,
            first_hello: raw.to_vec(),
            cookie,
        },
    }))
    .into())
}

/// Waiting for the ClientHello that answers our HelloRetryRequest.
pub(crate) struct ExpectSecondClientHello {
    config: Arc<ServerConfig>,
    retry: Retry,
}

impl ExpectSecondClientHello {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::server::State, Error> {
        let HandshakePayload::ClientHello(hello) = message else {
            return Err(unexpected("ClientHello", message.name()));
        };
        let Self { config, retry } = self;
        check_same_as_first(&retry.first_hello, raw)?;
        let offer = process_client_hello(&hello)?;
        // RFC 8446 §4.1.4: the suite we chose, and a share for exactly the group we asked
        // for.
        if choose_suite(&config, &offer)? != retry.suite {
            return Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into());
        }
        // RFC 8446 §4.2.11.2: a PSK's binder now covers the HelloRetryRequest too.
        let resumption = check_resumption(
            &config,
            &offer,
            raw,
            retry.suite,
            Some(&retry.transcript),
            out,
        )?;
        let (Some(share), 1) = (offer.shares.first(), offer.shares.len()) else {
            return Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into());
        };
        if share.group != retry.group {
            return Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into());
        }
        check_cookie(
            out.provider().as_ref(),
            &retry,
            hello.extensions.cookie.as_deref(),
        )?;
        let before = Before::HelloRetryRequest(retry.transcript);
        let chosen = Chosen {
            suite: retry.suite,
            share: Some(share),
            resumption,
        };
        send_server_flight(config, &offer, raw, chosen, before, out)
    }
}

/// RFC 8446 §4.1.2: after a HelloRetryRequest "the client MUST send the same ClientHello
/// without modification, except as follows": key_share replaced, early_data removed,
/// cookie added, pre_shared_key updated or removed, padding added, removed or resized.
/// Every other byte — the fields before the extensions, and every other extension, in
/// the same order with the same contents — must be the first ClientHello's
/// (→ illegal_parameter). What the allowed changes may be is checked by their own steps.
fn check_same_as_first(first: &[u8], second: &[u8]) -> Result<(), Error> {
    let bad = || Error::from(PeerMisbehaved::IllegalClientHelloAfterRetry);
    // Both are whole handshake messages; the body follows the 4-byte header.
    let first = RawClientHello::split(first.get(4..).unwrap_or_default())?;
    let second = RawClientHello::split(second.get(4..).unwrap_or_default())?;
    if first.fields != second.fields {
        return Err(bad());
    }
    let may_change = |typ: ExtensionType| {
        matches!(
            typ,
            ExtensionType::KeyShare
                | ExtensionType::EarlyData
                | ExtensionType::Cookie
                | ExtensionType::PreSharedKey
                | ExtensionType::Padding
        )
    };
    let unchanged = |e: &&RawExtension<'_>| !may_change(e.typ);
    let first_unchanged = first.extensions.iter().filter(unchanged);
    if !first_unchanged.eq(second.extensions.iter().filter(unchanged)) {
        return Err(bad());
    }
    let has = |exts: &[RawExtension<'_>], typ| exts.iter().any(|e| e.typ == typ);
    // early_data may only be removed (§4.2.10: never in the second ClientHello), and a
    // pre_shared_key only updated or removed, never added.
    if has(&second.extensions, ExtensionType::EarlyData)
        || (has(&second.extensions, ExtensionType::PreSharedKey)
            && !has(&first.extensions, ExtensionType::PreSharedKey))
    {
        return Err(bad());
    }
    Ok(())
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
            let carried = cookie::open(provider, key, retry.suite.suite, retry.group, echoed)
                .ok_or_else(bad)?;
            if carried != hash.as_slice() {
                return Err(bad());
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    use crate::wire::codec::Codec;
    use crate::wire::enums::CipherSuite;
    use crate::wire::extensions::{ClientHelloExtensions, KeyShareEntry};
    use crate::wire::List;

    fn first() -> ClientHello<'static> {
        ClientHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [1; 32],
            legacy_session_id: Cow::Borrowed(&[2; 32]),
            cipher_suites: List::from(&[CipherSuite::TLS_AES_128_GCM_SHA256]),
            legacy_compression_methods: Cow::Borrowed(&[0]),
            extensions: ClientHelloExtensions {
                supported_versions: Some(List::from(&[ProtocolVersion::TLSv1_3])),
                supported_groups: Some(List::from(&[NamedGroup::x25519, NamedGroup::secp256r1])),
                key_share: Some(
                    vec![KeyShareEntry {
                        group: NamedGroup::x25519,
                        key_exchange: Cow::Borrowed(&[9; 32]),
                    }]
                    .into(),
                ),
                early_data: true,
                ..Default::default()
            },
        }
    }

    fn check(edit: impl FnOnce(&mut ClientHello<'static>)) -> Result<(), Error> {
        let mut second = first();
        edit(&mut second);
        check_same_as_first(
            &HandshakePayload::ClientHello(Box::new(first())).to_vec(),
            &HandshakePayload::ClientHello(Box::new(second)).to_vec(),
        )
    }

    #[test]
    fn second_client_hello_may_change_what_section_4_1_2_allows() {
        check(|h| {
            h.extensions.key_share = Some(
                vec![KeyShareEntry {
                    group: NamedGroup::secp256r1,
                    key_exchange: Cow::Borrowed(&[4; 65]),
                }]
                .into(),
            );
            h.extensions.early_data = false;
            h.extensions.cookie = Some(Cow::Borrowed(&[7; 40]));
            h.extensions.other.push(RawExtension {
                typ: ExtensionType::Padding,
                data: Cow::Borrowed(&[0; 100]),
            });
        })
        .unwrap();
    }

    #[test]
    fn second_client_hello_may_change_nothing_else() {
        let refused: [fn(&mut ClientHello<'static>); 6] = [
            |h| h.random[0] ^= 1,
            |h| h.legacy_session_id = Cow::Borrowed(&[]),
            |h| {
                h.cipher_suites
                    .to_mut()
                    .push(CipherSuite::TLS_AES_256_GCM_SHA384)
            },
            |h| h.extensions.supported_groups = Some(List::from(&[NamedGroup::secp256r1])),
            |h| h.extensions.server_name = Some("added".into()),
            |h| h.extensions.post_handshake_auth = true,
        ];
        for (i, edit) in refused.into_iter().enumerate() {
            assert_eq!(
                check(edit),
                Err(PeerMisbehaved::IllegalClientHelloAfterRetry.into()),
                "edit {i}"
            );
        }
    }

    #[test]
    fn second_client_hello_keeps_early_data_out() {
        let mut first = first();
        first.extensions.early_data = false;
        let mut second = first.clone();
        second.extensions.early_data = true;
        assert!(check_same_as_first(
            &HandshakePayload::ClientHello(Box::new(first)).to_vec(),
            &HandshakePayload::ClientHello(Box::new(second)).to_vec(),
        )
        .is_err());
    }
}
