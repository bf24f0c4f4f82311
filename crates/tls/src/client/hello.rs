//! ClientHello out, ServerHello / HelloRetryRequest in (RFC 8446 §4.1).

use std::sync::Arc;

use padlock_crypto::KeyExchange;

use crate::error::{PeerIncompatible, PeerMisbehaved};
use crate::output::{trace, unexpected, Output};
use crate::state::{encode, random_bytes};
use crate::suites::{self, Suite};
use crate::tls13::key_schedule::EarlySecret;
use crate::trace::KeyPhase;
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::wire::{
    ClientHello, ClientHelloExtensions, Codec, ExtensionBlock, ExtensionType, HandshakePayload,
    HelloRetryRequest, KeyShareEntry, ServerHello,
};
use crate::SignatureScheme;
use crate::{ClientConfig, Error, HandshakeKind, NamedGroup, ProtocolVersion, ServerName};

use super::server_auth::ExpectEncryptedExtensions;
use super::State;

/// RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.2 server's random when it could have
/// done TLS 1.3 ("DOWNGRD" 01) and of a TLS 1.1-or-older one ("DOWNGRD" 00).
const DOWNGRADE_TLS12: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];
const DOWNGRADE_TLS11: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/// Signature schemes we accept inside certificates (RFC 8446 §4.2.3: rsa_pkcs1_* are
/// allowed there, never in CertificateVerify).
const CERT_SCHEMES: [SignatureScheme; 3] = [
    SignatureScheme::rsa_pkcs1_sha256,
    SignatureScheme::rsa_pkcs1_sha384,
    SignatureScheme::rsa_pkcs1_sha512,
];

/// Waiting for the server's ServerHello (or HelloRetryRequest).
pub(crate) struct ExpectServerHello {
    config: Arc<ClientConfig>,
    server_name: ServerName,
    hello: ClientHello,
    key_exchange: Box<dyn KeyExchange>,
    offered_group: NamedGroup,
    transcript: Transcript,
    /// The HelloRetryRequest's suite, once one was received (RFC 8446 §4.1.4).
    retried_with: Option<Suite>,
}

/// Builds and sends the first ClientHello (RFC 8446 §4.1.2).
pub(super) fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName,
    out: &mut dyn Output,
) -> Result<ExpectServerHello, Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    if !config
        .cipher_suites
        .iter()
        .any(|s| suites::suite(*s).is_some())
    {
        return Err(Error::Config("no supported cipher suite is enabled"));
    }
    let offered_group = *config
        .groups
        .iter()
        .find(|g| suites::group(**g).is_some())
        .ok_or(Error::Config("no supported key exchange group is enabled"))?;
    let key_exchange = start_key_exchange(out, offered_group)?;

    let random = random_bytes::<32>(provider)?;
    // RFC 8446 §D.4: a non-empty session id puts the peer in middlebox compatibility mode.
    let session_id = random_bytes::<32>(provider)?.to_vec();

    let mut cert_schemes = config.signature_schemes.clone();
    for scheme in CERT_SCHEMES {
        if !cert_schemes.contains(&scheme) {
            cert_schemes.push(scheme);
        }
    }
    let sni = match (&server_name, config.enable_sni) {
        // RFC 6066 §3: literal IP addresses are not sent as server_name.
        (ServerName::Dns(name), true) => Some(name.clone()),
        _ => None,
    };
    let extensions = ClientHelloExtensions {
        server_name: sni,
        supported_versions: Some(vec![ProtocolVersion::TLSv1_3]),
        supported_groups: Some(config.groups.clone()),
        key_share: Some(vec![KeyShareEntry {
            group: offered_group,
            key_exchange: key_exchange.public_key().to_vec(),
        }]),
        signature_algorithms: Some(config.signature_schemes.clone()),
        signature_algorithms_cert: Some(cert_schemes),
        alpn: (!config.alpn_protocols.is_empty()).then(|| config.alpn_protocols.clone()),
        ..Default::default()
    };
    let hello = ClientHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random,
        legacy_session_id: session_id,
        cipher_suites: config.cipher_suites.clone(),
        legacy_compression_methods: vec![0],
        extensions,
    };
    let mut hello = hello;
    let mut encoded = encode(&HandshakePayload::ClientHello(hello.clone()));
    if let Some(given) = config.__test_client_hello_override.as_deref() {
        hello = adopt_test_client_hello(given, &hello)?;
        encoded = given.to_vec();
    }
    out.client_random(random);
    out.server_name(server_name.to_string());

    let mut transcript = Transcript::buffered();
    send_hello(&hello, encoded, &mut transcript, out);
    Ok(ExpectServerHello {
        config,
        server_name,
        hello,
        key_exchange,
        offered_group,
        transcript,
        retried_with: None,
    })
}

/// Sends `encoded` (the encoding of `hello`) and adds it to the transcript.
fn send_hello(
    hello: &ClientHello,
    encoded: Vec<u8>,
    transcript: &mut Transcript,
    out: &mut dyn Output,
) {
    crate::state::trace_sent(out, "ClientHello", encoded.len(), || {
        format!(
            "suites={:?} groups={:?} key_share={:?} alpn={}",
            hello
                .cipher_suites
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            hello
                .extensions
                .supported_groups
                .as_deref()
                .unwrap_or_default(),
            hello
                .extensions
                .key_share
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|k| k.group)
                .collect::<Vec<_>>(),
            crate::state::alpn_list(hello.extensions.alpn.as_deref().unwrap_or_default()),
        )
    });
    transcript.add(&encoded);
    out.send_handshake(&encoded);
}

fn start_key_exchange(out: &dyn Output, group: NamedGroup) -> Result<Box<dyn KeyExchange>, Error> {
    let algorithm = suites::group(group).ok_or(Error::Config("unsupported group"))?;
    out.provider()
        .start_key_exchange(algorithm)
        .map_err(|_| Error::Internal("could not generate a key share"))
}

impl ExpectServerHello {
    pub(super) fn handle(
        self: Box<Self>,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        match message {
            HandshakePayload::ServerHello(sh) => self.handle_server_hello(sh, raw, out),
            HandshakePayload::HelloRetryRequest(hrr) => self.handle_retry(hrr, raw, out),
            other => Err(unexpected("ServerHello", other.name())),
        }
    }

    fn handle_server_hello(
        self: Box<Self>,
        sh: ServerHello,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let provider = out.provider();
        let provider = provider.as_ref();
        // RFC 8446 §4.1.3/§4.2.1: without supported_versions the server chose TLS 1.2 or
        // older. A TLS 1.3 server that was forced down marks its random; seeing the mark
        // means someone removed our TLS 1.3 offer (illegal_parameter).
        let Some(version) = sh.extensions.supported_versions else {
            if sh.random[24..] == DOWNGRADE_TLS12 || sh.random[24..] == DOWNGRADE_TLS11 {
                return Err(PeerMisbehaved::DowngradeMarkerPresent.into());
            }
            return Err(PeerIncompatible::Tls13NotOffered.into());
        };
        // RFC 8446 §4.2.1: the selected version must be one we offered.
        if version != ProtocolVersion::TLSv1_3 {
            return Err(PeerMisbehaved::SelectedUnofferedVersion.into());
        }
        // RFC 8446 §4.1.3: legacy_session_id_echo must echo ours.
        if sh.legacy_session_id_echo != self.hello.legacy_session_id {
            return Err(PeerMisbehaved::SessionIdNotEchoed.into());
        }
        // RFC 8446 §4.1.3: legacy_compression_method must be 0.
        if sh.legacy_compression_method != 0 {
            return Err(PeerMisbehaved::NonNullCompression.into());
        }
        // RFC 8446 §4.1.3: the suite must be one we offered...
        let suite = self
            .hello
            .cipher_suites
            .contains(&sh.cipher_suite)
            .then(|| suites::suite(sh.cipher_suite))
            .flatten()
            .ok_or(PeerMisbehaved::SelectedUnofferedCipherSuite)?;
        // ...and, after a HelloRetryRequest, the same one (§4.1.4).
        if self.retried_with.is_some_and(|s| s != suite) {
            return Err(PeerMisbehaved::ServerHelloChangedAfterRetry.into());
        }
        // RFC 8446 §4.2: only extensions allowed in a ServerHello, and only ones we sent.
        sh.extensions
            .check_allowed()
            .map_err(|_| PeerMisbehaved::IllegalExtension)?;
        if sh
            .extensions
            .first_unsolicited(&offered_types(&self.hello))
            .is_some()
        {
            return Err(PeerMisbehaved::UnsolicitedExtension.into());
        }
        // RFC 8446 §4.2.8: the key share must be for the group we sent a share for.
        let share = sh
            .extensions
            .key_share
            .as_ref()
            .ok_or(PeerMisbehaved::MissingExtension("key_share"))?;
        if share.group != self.offered_group {
            return Err(PeerMisbehaved::WrongGroupForKeyShare.into());
        }
        let shared = self
            .key_exchange
            .complete(&share.key_exchange)
            .map_err(|_| PeerMisbehaved::InvalidKeyShare)?;

        out.negotiated(suite, self.offered_group);
        out.handshake_kind(if self.retried_with.is_some() {
            HandshakeKind::FullWithHelloRetryRequest
        } else {
            HandshakeKind::Full
        });
        trace(out, || TraceEvent::Negotiated {
            version: ProtocolVersion::TLSv1_3,
            suite: suite.suite,
            group: self.offered_group,
        });

        // RFC 8446 §7.1: Early Secret (no PSK) → Handshake Secret with the ECDHE secret.
        let mut transcript = self.transcript.start_hash(provider, suite.hash);
        transcript.add(raw);
        let handshake_secret =
            EarlySecret::new(provider, suite.hash, None).into_handshake(provider, shared.as_ref());
        let hello_hash = transcript.current_hash(provider);
        let (client_secret, server_secret) =
            handshake_secret.handshake_traffic_secrets(provider, hello_hash.as_ref());
        out.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client_secret.as_bytes());
        out.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server_secret.as_bytes());
        out.install_read_keys(
            server_secret.record_keys(provider, suite.aead)?,
            KeyPhase::Handshake,
        )?;
        out.install_write_keys(
            client_secret.record_keys(provider, suite.aead)?,
            KeyPhase::Handshake,
        )?;

        Ok(State::EncryptedExtensions(Box::new(
            ExpectEncryptedExtensions {
                config: self.config,
                server_name: self.server_name,
                offered_types: offered_types(&self.hello),
                compat_mode: in_compatibility_mode(&self.hello),
                offered_alpn: self.hello.extensions.alpn.unwrap_or_default(),
                transcript,
                handshake_secret,
                client_secret,
                server_secret,
                aead: suite.aead,
            },
        )))
    }

    fn handle_retry(
        mut self: Box<Self>,
        hrr: HelloRetryRequest,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let provider = out.provider();
        let provider = provider.as_ref();
        // RFC 8446 §4.1.4: at most one HelloRetryRequest.
        if self.retried_with.is_some() {
            return Err(PeerMisbehaved::DuplicateHelloRetryRequest.into());
        }
        // RFC 8446 §4.1.4: the HRR must negotiate TLS 1.3...
        if hrr.extensions.supported_versions != Some(ProtocolVersion::TLSv1_3) {
            return Err(PeerMisbehaved::SelectedUnofferedVersion.into());
        }
        // ...echo our session id...
        if hrr.legacy_session_id_echo != self.hello.legacy_session_id {
            return Err(PeerMisbehaved::SessionIdNotEchoed.into());
        }
        // ...choose a suite we offered...
        let suite = self
            .hello
            .cipher_suites
            .contains(&hrr.cipher_suite)
            .then(|| suites::suite(hrr.cipher_suite))
            .flatten()
            .ok_or(PeerMisbehaved::SelectedUnofferedCipherSuite)?;
        // ...carry only allowed extensions (cookie is always allowed, §4.2)...
        hrr.extensions
            .check_allowed()
            .map_err(|_| PeerMisbehaved::IllegalExtension)?;
        if hrr
            .extensions
            .first_unsolicited(&offered_types(&self.hello))
            .is_some()
        {
            return Err(PeerMisbehaved::UnsolicitedExtension.into());
        }
        // ...and change something (§4.1.4).
        if hrr.extensions.key_share.is_none() && hrr.extensions.cookie.is_none() {
            return Err(PeerMisbehaved::UselessHelloRetryRequest.into());
        }
        trace(out, || TraceEvent::HelloRetryRequest {
            direction: Direction::Received,
            group: hrr.extensions.key_share,
            cookie: hrr.extensions.cookie.is_some(),
        });

        if let Some(group) = hrr.extensions.key_share {
            // RFC 8446 §4.2.8: the group must be one we support, and not one we already
            // sent a share for.
            if !self.config.groups.contains(&group) || suites::group(group).is_none() {
                return Err(PeerMisbehaved::SelectedUnofferedGroup.into());
            }
            if group == self.offered_group {
                return Err(PeerMisbehaved::HelloRetryRequestWithOfferedGroup.into());
            }
            self.key_exchange = start_key_exchange(out, group)?;
            self.offered_group = group;
            self.hello.extensions.key_share = Some(vec![KeyShareEntry {
                group,
                key_exchange: self.key_exchange.public_key().to_vec(),
            }]);
        }
        // RFC 8446 §4.2.2: echo the cookie.
        self.hello.extensions.cookie = hrr.extensions.cookie.clone();

        // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
        let mut transcript = std::mem::replace(&mut self.transcript, Transcript::buffered())
            .replace_with_message_hash(provider, suite.hash);
        transcript.add(raw);
        // RFC 8446 §D.4: in compatibility mode the client sends its CCS before the second
        // ClientHello.
        if in_compatibility_mode(&self.hello) {
            out.send_change_cipher_spec()?;
        }
        let encoded = match self.config.__test_client_hello_retry_override.as_deref() {
            Some(given) => {
                self.hello = adopt_test_client_hello(given, &self.hello)?;
                given.to_vec()
            }
            None => encode(&HandshakePayload::ClientHello(self.hello.clone())),
        };
        send_hello(&self.hello, encoded, &mut transcript, out);
        self.transcript = transcript;
        self.retried_with = Some(suite);
        Ok(State::ServerHello(self))
    }
}

/// The extension types of our ClientHello: the only ones a server may answer with.
fn offered_types(hello: &ClientHello) -> Vec<ExtensionType> {
    hello.extensions.extension_types()
}

/// RFC 8446 §D.4: a non-empty legacy_session_id is what puts a connection in middlebox
/// compatibility mode, in which the client sends a ChangeCipherSpec before its second
/// flight. Our own ClientHello always sends one; a test override (RFC 8448 §3) may not.
pub(super) fn in_compatibility_mode(hello: &ClientHello) -> bool {
    !hello.legacy_session_id.is_empty()
}

/// **Test only** (see [`ClientConfig::__test_client_hello_override`] and
/// [`ClientConfig::__test_client_hello_retry_override`]): adopts `given`, a complete
/// encoded ClientHello handshake message, in place of `ours`, if it makes the commitments
/// the rest of the handshake relies on. It must carry the random and exactly the key share
/// this client generated from its provider (so the provider, not the bytes, decides the
/// secrets), offer TLS 1.3, ask for the same server name and ALPN protocols as the
/// configuration, echo exactly the cookie we would (RFC 8446 §4.2.2), and offer no PSK
/// (the client has none).
fn adopt_test_client_hello(given: &[u8], ours: &ClientHello) -> Result<ClientHello, Error> {
    let refuse = |why| Err(Error::Config(why));
    let Ok(HandshakePayload::ClientHello(hello)) = <HandshakePayload as Codec>::decode(given)
    else {
        return refuse("the test ClientHello override is not a well-formed ClientHello");
    };
    if hello.random != ours.random {
        return refuse("the test ClientHello override's random is not the provider's");
    }
    if hello.extensions.key_share != ours.extensions.key_share {
        return refuse("the test ClientHello override's key_share is not the one generated");
    }
    let versions = hello.extensions.supported_versions.as_deref();
    if !versions
        .unwrap_or_default()
        .contains(&ProtocolVersion::TLSv1_3)
    {
        return refuse("the test ClientHello override does not offer TLS 1.3");
    }
    if hello.extensions.server_name != ours.extensions.server_name
        || hello.extensions.alpn != ours.extensions.alpn
    {
        return refuse("the test ClientHello override's server_name or ALPN differ from ours");
    }
    if hello.extensions.cookie != ours.extensions.cookie {
        return refuse("the test ClientHello override's cookie is not the one to echo");
    }
    if hello.extensions.pre_shared_key.is_some() || hello.extensions.early_data {
        return refuse("the test ClientHello override offers a PSK, which the client has not");
    }
    Ok(hello)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CipherSuite;

    fn ours() -> ClientHello {
        ClientHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [7; 32],
            legacy_session_id: vec![9; 32],
            cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
            legacy_compression_methods: vec![0],
            extensions: ClientHelloExtensions {
                server_name: Some("server".into()),
                supported_versions: Some(vec![ProtocolVersion::TLSv1_3]),
                supported_groups: Some(vec![NamedGroup::x25519]),
                key_share: Some(vec![KeyShareEntry {
                    group: NamedGroup::x25519,
                    key_exchange: vec![1; 32],
                }]),
                signature_algorithms: Some(vec![SignatureScheme::ed25519]),
                ..Default::default()
            },
        }
    }

    fn adopt(edit: impl FnOnce(&mut ClientHello)) -> Result<ClientHello, Error> {
        let mut given = ours();
        edit(&mut given);
        adopt_test_client_hello(&encode(&HandshakePayload::ClientHello(given)), &ours())
    }

    #[test]
    fn test_override_is_adopted_with_its_own_session_id_and_extras() {
        let adopted = adopt(|h| {
            h.legacy_session_id.clear();
            h.extensions.record_size_limit = Some(0x4001);
        })
        .unwrap();
        assert!(!in_compatibility_mode(&adopted));
        assert_eq!(adopted.extensions.record_size_limit, Some(0x4001));
        assert!(in_compatibility_mode(&ours()));
    }

    #[test]
    fn test_override_is_refused_unless_it_keeps_our_commitments() {
        let refused: [fn(&mut ClientHello); 7] = [
            |h| h.random[0] ^= 1,
            |h| h.extensions.key_share = Some(Vec::new()),
            |h| h.extensions.supported_versions = Some(vec![ProtocolVersion::TLSv1_2]),
            |h| h.extensions.server_name = Some("elsewhere".into()),
            |h| h.extensions.alpn = Some(vec![b"h2".to_vec()]),
            |h| h.extensions.cookie = Some(vec![1]),
            |h| h.extensions.early_data = true,
        ];
        for (i, edit) in refused.into_iter().enumerate() {
            assert!(
                matches!(adopt(edit), Err(Error::Config(_))),
                "edit {i} was adopted"
            );
        }
    }

    #[test]
    fn test_override_must_be_a_client_hello() {
        let finished = encode(&HandshakePayload::Finished(crate::wire::Finished {
            verify_data: vec![0; 32],
        }));
        assert!(matches!(
            adopt_test_client_hello(&finished, &ours()),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            adopt_test_client_hello(&[1, 0, 0], &ours()),
            Err(Error::Config(_))
        ));
    }
}
