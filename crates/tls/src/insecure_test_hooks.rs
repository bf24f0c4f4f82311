//! **Test only**, built with the `insecure-test-hooks` feature, which no production crate
//! enables: hooks that let a test make the client send exact, published bytes.
//!
//! [`set_client_hello_overrides`] gives a client the exact ClientHello handshake
//! message(s) (header included) to send instead of the ones it builds, so that a published
//! trace (RFC 8448 §3, §5) can be replayed byte for byte with a fixed-entropy provider. The
//! client still builds its own hello first and adopts the given one only if it makes the
//! commitments the rest of the handshake relies on: the same random and exactly the key
//! share(s) it drew from the provider, TLS 1.3 offered, the same server_name and ALPN, the
//! cookie it must echo, and no PSK; otherwise the handshake fails with [`Error::Config`]. The
//! transcript then covers exactly these bytes, and the client holds the server to what they
//! offer (suites, extensions, compatibility mode).

use crate::config::ClientConfig;
use crate::error::Error;
use crate::wire::codec::Codec;
use crate::wire::enums::ProtocolVersion;
use crate::wire::handshake::{ClientHello, HandshakePayload};

/// The ClientHello bytes a test wants sent.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClientHelloOverrides {
    first: Option<Vec<u8>>,
    second: Option<Vec<u8>>,
}

/// **Test only.** Makes clients of `config` send `first` as their ClientHello and, after a
/// HelloRetryRequest, `second` (RFC 8448 §5), if each keeps the client's commitments (see
/// the module documentation).
pub fn set_client_hello_overrides(
    config: &mut ClientConfig,
    first: Vec<u8>,
    second: Option<Vec<u8>>,
) {
    config.client_hello_overrides = ClientHelloOverrides {
        first: Some(first),
        second,
    };
}

/// The ClientHello bytes to send instead of our own: the first (`retry == false`) or the
/// second, if a test gave them.
pub(crate) fn client_hello_override(config: &ClientConfig, retry: bool) -> Option<&[u8]> {
    match retry {
        false => config.client_hello_overrides.first.as_deref(),
        true => config.client_hello_overrides.second.as_deref(),
    }
}

/// Adopts `given`, a complete encoded ClientHello handshake message, in place of `ours`,
/// if it makes the commitments the rest of the handshake relies on.
pub(crate) fn adopt(given: &[u8], ours: &ClientHello<'_>) -> Result<ClientHello<'static>, Error> {
    let refuse = |why| Err(Error::Config(why));
    let Ok(HandshakePayload::ClientHello(hello)) = HandshakePayload::decode(given) else {
        return refuse("the test ClientHello override is not a well-formed ClientHello");
    };
    if hello.random != ours.random {
        return refuse("the test ClientHello override's random is not the provider's");
    }
    if hello.extensions.key_share != ours.extensions.key_share {
        return refuse("the test ClientHello override's key_share is not the one generated");
    }
    let versions = hello.extensions.supported_versions.as_ref();
    if !versions.is_some_and(|v| v.contains(&ProtocolVersion::TLSv1_3)) {
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
    Ok(hello.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    use crate::wire::{ClientHelloExtensions, KeyShareEntry, List, ProtocolName};
    use crate::{CipherSuite, NamedGroup, SignatureScheme};

    fn ours() -> ClientHello<'static> {
        ClientHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [7; 32],
            legacy_session_id: Cow::Borrowed(&[9; 32]),
            cipher_suites: List::from(&[CipherSuite::TLS_AES_128_GCM_SHA256]),
            legacy_compression_methods: Cow::Borrowed(&[0]),
            extensions: ClientHelloExtensions {
                server_name: Some("server".into()),
                supported_versions: Some(List::from(&[ProtocolVersion::TLSv1_3])),
                supported_groups: Some(List::from(&[NamedGroup::x25519])),
                key_share: Some(
                    vec![KeyShareEntry {
                        group: NamedGroup::x25519,
                        key_exchange: Cow::Borrowed(&[1; 32]),
                    }]
                    .into(),
                ),
                signature_algorithms: Some(List::from(&[SignatureScheme::ed25519])),
                ..Default::default()
            },
        }
    }

    fn adopt_edited(
        edit: impl FnOnce(&mut ClientHello<'static>),
    ) -> Result<ClientHello<'static>, Error> {
        let mut given = ours();
        edit(&mut given);
        adopt(
            &HandshakePayload::ClientHello(Box::new(given)).to_vec(),
            &ours(),
        )
    }

    #[test]
    fn test_override_is_adopted_with_its_own_session_id_and_extras() {
        let adopted = adopt_edited(|h| {
            h.legacy_session_id = Cow::Borrowed(&[]);
            h.extensions.record_size_limit = Some(0x4001);
        })
        .unwrap();
        assert!(adopted.legacy_session_id.is_empty());
        assert_eq!(adopted.extensions.record_size_limit, Some(0x4001));
    }

    #[test]
    fn test_override_is_refused_unless_it_keeps_our_commitments() {
        let refused: [fn(&mut ClientHello<'static>); 7] = [
            |h| h.random[0] ^= 1,
            |h| h.extensions.key_share = Some(List::default()),
            |h| h.extensions.supported_versions = Some(List::from(&[ProtocolVersion::TLSv1_2])),
            |h| h.extensions.server_name = Some("elsewhere".into()),
            |h| h.extensions.alpn = Some(vec![ProtocolName(Cow::Borrowed(b"h2"))].into()),
            |h| h.extensions.cookie = Some(Cow::Borrowed(&[1])),
            |h| h.extensions.early_data = true,
        ];
        for (i, edit) in refused.into_iter().enumerate() {
            assert!(
                matches!(adopt_edited(edit), Err(Error::Config(_))),
                "edit {i} was adopted"
            );
        }
    }

    #[test]
    fn test_override_must_be_a_client_hello() {
        let finished = HandshakePayload::Finished(crate::wire::Finished {
            verify_data: &[0; 32],
        })
        .to_vec();
        assert!(matches!(adopt(&finished, &ours()), Err(Error::Config(_))));
        assert!(matches!(adopt(&[1, 0, 0], &ours()), Err(Error::Config(_))));
    }
}
