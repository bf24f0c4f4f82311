//! The server's first step, common to every protocol version: read the first ClientHello
//! and choose the version (RFC 8446 §4.1.1, §4.2.1, §D.5), then hand over to that version's
//! states.
//!
//! Each version adds a variant to [`Version`] and an arm to [`ExpectClientHello::handle`];
//! TLS 1.3 is chosen whenever both sides speak it, else TLS 1.2 (RFC 5246 §E.1).

use std::borrow::Cow;
use std::sync::Arc;

use crate::config::ServerConfig;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::handshake_trace::{trace_client_hello, trace_message};
use crate::output::{unexpected, Output};
use crate::trace::Direction;
use crate::wire::enums::ProtocolVersion;
use crate::wire::handshake::{ClientHello, HandshakePayload};
use crate::wire::Codec;

use super::{tls12, tls13, State};

/// Waiting for the first ClientHello.
pub(crate) struct ExpectClientHello {
    config: Arc<ServerConfig>,
}

/// The protocol versions this server speaks.
#[derive(Debug, PartialEq, Eq)]
enum Version {
    /// TLS 1.3 (RFC 8446).
    Tls13,
    /// TLS 1.2 (RFC 5246).
    Tls12,
}

impl ExpectClientHello {
    pub(super) fn new(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }

    /// Handles the first handshake message (`raw`, header included): read unboxed, as the
    /// ClientHello it must be (see [`HandshakePayload::ClientHello`]).
    pub(super) fn handle(self, raw: &[u8], out: &mut dyn Output) -> Result<State, Error> {
        let Some(hello) = ClientHello::decode_message(raw)? else {
            let message = HandshakePayload::decode(raw)?;
            trace_message(out, Direction::Received, &message, raw.len());
            return Err(unexpected("ClientHello", message.name()));
        };
        trace_client_hello(out, &hello, raw.len());
        match choose_version(&servable_versions(&self.config), &hello)? {
            Version::Tls13 => tls13::start(self.config, &hello, raw, out),
            Version::Tls12 => tls12::start(self.config, &hello, raw, out),
        }
    }
}

/// The versions this server can actually speak (see [`ServerConfig::speaks`]): a server
/// enabling TLS 1.3 and TLS 1.2 but listing only TLS 1.2 suites speaks TLS 1.2, rather
/// than choosing TLS 1.3 and then failing to find a suite for it.
fn servable_versions(config: &ServerConfig) -> Servable {
    let mut servable = Servable {
        list: [ProtocolVersion::TLSv1_3; 2],
        len: 0,
    };
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        if config.speaks(version) {
            servable.list[servable.len] = version;
            servable.len += 1;
        }
    }
    servable
}

/// [`servable_versions`]' answer, newest first, without a vector.
struct Servable {
    list: [ProtocolVersion; 2],
    len: usize,
}

impl std::ops::Deref for Servable {
    type Target = [ProtocolVersion];

    fn deref(&self) -> &[ProtocolVersion] {
        self.list.get(..self.len).unwrap_or_default()
    }
}

/// The version to speak with the client that sent `hello`: the newest we both speak.
fn choose_version(ours: &[ProtocolVersion], hello: &ClientHello<'_>) -> Result<Version, Error> {
    // RFC 8446 §D.5: "Any endpoint receiving a Hello message with
    // ClientHello.legacy_version or ServerHello.legacy_version set to 0x0300 MUST abort the
    // handshake with a "protocol_version" alert" — and SSL 2/3 or older are no better.
    if hello.legacy_version.to_wire() <= 0x0300 {
        return Err(PeerMisbehaved::ObsoleteLegacyVersion.into());
    }
    // RFC 8446 §4.2.1: a TLS 1.3 ClientHello lists 0x0304 in supported_versions, and the
    // server then ignores legacy_version. Without the extension, legacy_version is the
    // client's best version (RFC 5246 §E.1), but never TLS 1.3: "If this extension is not
    // present, servers which are compliant with this specification and which also support
    // TLS 1.2 MUST negotiate TLS 1.2 or prior as specified in [RFC5246], even if
    // ClientHello.legacy_version is 0x0304 or later."
    let versions = hello.extensions.supported_versions.as_ref();
    let offers = |v: ProtocolVersion| match versions {
        Some(list) => list.contains(&v),
        None => v != ProtocolVersion::TLSv1_3 && hello.legacy_version.to_wire() >= v.to_wire(),
    };
    if ours.contains(&ProtocolVersion::TLSv1_3) && offers(ProtocolVersion::TLSv1_3) {
        return Ok(Version::Tls13);
    }
    if ours.contains(&ProtocolVersion::TLSv1_2) && offers(ProtocolVersion::TLSv1_2) {
        return Ok(Version::Tls12);
    }
    // Nothing in common: name the client's best version when it is one we refuse.
    let best = match versions {
        Some(list) => list
            .iter()
            .filter(|v| !v.is_grease())
            .max_by_key(|v| v.to_wire()),
        None => Some(hello.legacy_version),
    };
    Err(match best {
        Some(v) if v.to_wire() < ProtocolVersion::TLSv1_2.to_wire() => {
            PeerIncompatible::ObsoleteVersion(v)
        }
        Some(ProtocolVersion::TLSv1_2) => PeerIncompatible::Tls12NotEnabled,
        _ if ours.contains(&ProtocolVersion::TLSv1_3) => PeerIncompatible::Tls13NotOffered,
        _ => PeerIncompatible::NoVersionInCommon,
    }
    .into())
}

/// The client's certificate_authorities (RFC 8446 §4.2.4) as DER names, for the
/// certificate resolver; nothing allocated when it sent none.
pub(super) fn certificate_authorities<'s>(hello: &'s ClientHello<'_>) -> Vec<&'s [u8]> {
    let Some(names) = &hello.extensions.certificate_authorities else {
        return Vec::new();
    };
    if let Some(built) = names.built() {
        return built.iter().map(|name| name.0.as_ref()).collect();
    }
    // A list as received yields its names borrowed from the message.
    names
        .iter()
        .filter_map(|name| match name.0 {
            Cow::Borrowed(der) => Some(der),
            Cow::Owned(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::alert_for;
    use crate::wire::enums::AlertDescription;
    use std::borrow::Cow;

    use crate::wire::extensions::ClientHelloExtensions;
    use crate::wire::List;

    fn hello(legacy_version: u16, versions: Option<Vec<ProtocolVersion>>) -> ClientHello<'static> {
        ClientHello {
            legacy_version: ProtocolVersion::from_wire(legacy_version),
            random: [0; 32],
            legacy_session_id: Cow::Borrowed(&[]),
            cipher_suites: List::default(),
            legacy_compression_methods: Cow::Borrowed(&[0]),
            extensions: ClientHelloExtensions {
                supported_versions: versions.map(List::from),
                ..Default::default()
            },
        }
    }

    const BOTH: [ProtocolVersion; 2] = [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];
    const TLS13_ONLY: [ProtocolVersion; 1] = [ProtocolVersion::TLSv1_3];

    fn alert(hello: &ClientHello<'_>) -> Option<AlertDescription> {
        choose_version(&TLS13_ONLY, hello)
            .err()
            .as_ref()
            .and_then(alert_for)
    }

    #[test]
    fn chooses_tls13_when_supported_versions_lists_it() {
        let versions = vec![ProtocolVersion::TLSv1_2, ProtocolVersion::TLSv1_3];
        assert!(matches!(
            choose_version(&BOTH, &hello(0x0303, Some(versions))),
            Ok(Version::Tls13)
        ));
    }

    #[test]
    fn refuses_ssl3_and_older_legacy_versions_with_protocol_version() {
        let tls13 = Some(vec![ProtocolVersion::TLSv1_3]);
        for legacy in [0x0300, 0x0200, 0x0000] {
            assert_eq!(
                alert(&hello(legacy, tls13.clone())),
                Some(AlertDescription::ProtocolVersion),
                "{legacy:#06x}"
            );
        }
    }

    #[test]
    fn chooses_tls12_for_a_tls12_client_when_enabled() {
        let tls12 = Some(vec![ProtocolVersion::TLSv1_2]);
        assert_eq!(
            choose_version(&BOTH, &hello(0x0303, tls12)),
            Ok(Version::Tls12)
        );
        assert_eq!(
            choose_version(&BOTH, &hello(0x0303, None)),
            Ok(Version::Tls12)
        );
        // A TLS 1.3 client meets a server limited to TLS 1.2.
        let both = Some(BOTH.to_vec());
        assert_eq!(
            choose_version(&[ProtocolVersion::TLSv1_2], &hello(0x0303, both)),
            Ok(Version::Tls12)
        );
    }

    #[test]
    fn a_legacy_version_above_tls12_without_supported_versions_means_tls12() {
        for legacy in [0x0304, 0x0305, 0x0400] {
            assert_eq!(
                choose_version(&BOTH, &hello(legacy, None)),
                Ok(Version::Tls12),
                "{legacy:#06x}"
            );
        }
    }

    #[test]
    fn a_server_with_only_tls12_suites_speaks_tls12_though_tls13_is_enabled() {
        let key = crate::stream::tests::local_ca().0.clone();
        let mut config = ServerConfig::new(Arc::new(padlock_crypto::AwsLcProvider), key);
        config.cipher_suites.retain(|s| !s.is_tls13());
        assert_eq!(config.versions, BOTH.to_vec());
        assert_eq!(*servable_versions(&config), [ProtocolVersion::TLSv1_2]);
        let both = Some(BOTH.to_vec());
        assert_eq!(
            choose_version(&servable_versions(&config), &hello(0x0303, both)),
            Ok(Version::Tls12)
        );
        config.cipher_suites.retain(|s| s.is_tls13());
        assert!(servable_versions(&config).is_empty());
    }

    #[test]
    fn a_tls13_only_client_and_a_tls12_only_server_have_no_version_in_common() {
        let tls13 = Some(vec![ProtocolVersion::TLSv1_3]);
        assert_eq!(
            choose_version(&[ProtocolVersion::TLSv1_2], &hello(0x0303, tls13)),
            Err(PeerIncompatible::NoVersionInCommon.into())
        );
    }

    #[test]
    fn names_an_obsolete_version_the_client_is_limited_to() {
        let err = choose_version(&BOTH, &hello(0x0301, None)).unwrap_err();
        assert_eq!(
            err,
            PeerIncompatible::ObsoleteVersion(ProtocolVersion::TLSv1_0).into()
        );
        assert_eq!(alert_for(&err), Some(AlertDescription::ProtocolVersion));
        assert!(err
            .to_string()
            .contains("TLS 1.0; padlock needs TLS 1.2 or later"));
    }

    #[test]
    fn refuses_tls12_only_clients_with_protocol_version() {
        assert_eq!(
            alert(&hello(0x0303, None)),
            Some(AlertDescription::ProtocolVersion)
        );
        let tls12 = Some(vec![ProtocolVersion::TLSv1_2]);
        assert_eq!(
            alert(&hello(0x0303, tls12)),
            Some(AlertDescription::ProtocolVersion)
        );
    }
}
