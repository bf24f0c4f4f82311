//! The server's first step, common to every protocol version: read the first ClientHello
//! and choose the version (RFC 8446 §4.1.1, §4.2.1, §D.5), then hand over to that version's
//! states.
//!
//! Only TLS 1.3 is spoken today; a second version adds a variant to [`Version`] and an arm
//! to [`ExpectClientHello::handle`], and leaves the TLS 1.3 states alone.

use std::sync::Arc;

use crate::config::ServerConfig;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::output::{unexpected, Output};
use crate::wire::enums::ProtocolVersion;
use crate::wire::handshake::{ClientHello, HandshakePayload};

use super::{tls13, State};

/// Waiting for the first ClientHello.
pub(crate) struct ExpectClientHello {
    config: Arc<ServerConfig>,
}

/// The protocol versions this server speaks.
enum Version {
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl ExpectClientHello {
    pub(super) fn new(config: Arc<ServerConfig>) -> Self {
        Self { config }
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
        match choose_version(&hello)? {
            Version::Tls13 => tls13::start(self.config, &hello, raw, out),
        }
    }
}

/// The version to speak with the client that sent `hello`.
fn choose_version(hello: &ClientHello) -> Result<Version, Error> {
    // RFC 8446 §D.5: "Any endpoint receiving a Hello message with
    // ClientHello.legacy_version or ServerHello.legacy_version set to 0x0300 MUST abort the
    // handshake with a "protocol_version" alert" — and SSL 2/3 or older are no better.
    if hello.legacy_version.to_wire() <= 0x0300 {
        return Err(PeerMisbehaved::ObsoleteLegacyVersion.into());
    }
    // RFC 8446 §4.2.1: a TLS 1.3 ClientHello lists 0x0304 in supported_versions; without it
    // the client only speaks TLS 1.2 or older → protocol_version.
    let versions = hello
        .extensions
        .supported_versions
        .as_deref()
        .unwrap_or_default();
    if versions.contains(&ProtocolVersion::TLSv1_3) {
        Ok(Version::Tls13)
    } else {
        Err(PeerIncompatible::Tls13NotOffered.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::alert_for;
    use crate::wire::enums::AlertDescription;
    use crate::wire::extensions::ClientHelloExtensions;

    fn hello(legacy_version: u16, versions: Option<Vec<ProtocolVersion>>) -> ClientHello {
        ClientHello {
            legacy_version: ProtocolVersion::from_wire(legacy_version),
            random: [0; 32],
            legacy_session_id: vec![],
            cipher_suites: vec![],
            legacy_compression_methods: vec![0],
            extensions: ClientHelloExtensions {
                supported_versions: versions,
                ..Default::default()
            },
        }
    }

    fn alert(hello: &ClientHello) -> Option<AlertDescription> {
        choose_version(hello).err().as_ref().and_then(alert_for)
    }

    #[test]
    fn chooses_tls13_when_supported_versions_lists_it() {
        let versions = vec![ProtocolVersion::TLSv1_2, ProtocolVersion::TLSv1_3];
        assert!(matches!(
            choose_version(&hello(0x0303, Some(versions))),
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
