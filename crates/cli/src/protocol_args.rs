//! The protocol options `get`, `connect`, `listen` and `serve` share: which TLS versions to
//! speak (`--tls-version`, `--min-version`, `--max-version`) and the opt-in to TLS 1.2 RSA
//! key exchange (`--legacy-rsa-key-exchange`), applied to a client or server configuration.
//! Also the hint a refused handshake gets when one of these options would have changed it.

use padlock_tls::{CipherSuite, ClientConfig, ProtocolVersion, ServerConfig};

/// What `--legacy-rsa-key-exchange` costs, said wherever the option is.
pub const RSA_KEY_EXCHANGE_COST: &str = "no forward secrecy: whoever later obtains the \
     server's private key can decrypt every recorded session";

/// The version and key-exchange options, flattened into each command's arguments.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ProtocolArgs {
    /// Speak only this TLS version: 1.2 or 1.3. Default: both, TLS 1.3 preferred.
    /// (SSL 3.0, TLS 1.0 and TLS 1.1 are insecure and not implemented.)
    #[arg(
        long,
        value_name = "VERSION",
        value_parser = parse_version,
        conflicts_with_all = ["min_version", "max_version"]
    )]
    pub tls_version: Option<Version>,
    /// The oldest TLS version to accept: 1.2 (the default) or 1.3.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub min_version: Option<Version>,
    /// The newest TLS version to speak: 1.3 (the default) or 1.2.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub max_version: Option<Version>,
    /// Also allow TLS 1.2 RSA key exchange (TLS_RSA_WITH_AES_128_GCM_SHA256 and
    /// TLS_RSA_WITH_AES_256_GCM_SHA384), for old peers that cannot do ECDHE. Its cost: no
    /// forward secrecy: whoever later obtains the server's private key can decrypt every
    /// recorded session.
    #[arg(long)]
    pub legacy_rsa_key_exchange: bool,
}

/// A TLS version padlock speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl Version {
    fn protocol(self) -> ProtocolVersion {
        match self {
            Self::Tls12 => ProtocolVersion::TLSv1_2,
            Self::Tls13 => ProtocolVersion::TLSv1_3,
        }
    }
}

/// `1.2`, `1.3`, also spelled `tls1.2`, `TLSv1.3`, `tls1_2`; older versions are refused
/// with the reason.
fn parse_version(text: &str) -> Result<Version, String> {
    let lower = text.to_ascii_lowercase().replace('_', ".");
    let number = lower
        .strip_prefix("tlsv")
        .or_else(|| lower.strip_prefix("tls"))
        .unwrap_or(&lower);
    match number {
        "1.2" => Ok(Version::Tls12),
        "1.3" => Ok(Version::Tls13),
        "1.0" | "1" | "1.1" => Err(format!(
            "TLS {number} is insecure and not implemented; padlock speaks TLS 1.2 and 1.3"
        )),
        _ if lower.starts_with("ssl") => {
            Err("SSL is insecure and not implemented; padlock speaks TLS 1.2 and 1.3".to_string())
        }
        _ => Err(format!("{text:?} is not a TLS version (1.2 or 1.3)")),
    }
}

impl ProtocolArgs {
    /// The versions to enable, newest first.
    pub fn versions(&self) -> anyhow::Result<Vec<ProtocolVersion>> {
        let (min, max) = match self.tls_version {
            Some(v) => (v, v),
            None => (
                self.min_version.unwrap_or(Version::Tls12),
                self.max_version.unwrap_or(Version::Tls13),
            ),
        };
        if min > max {
            anyhow::bail!("--min-version is newer than --max-version: no TLS version is left");
        }
        Ok([Version::Tls13, Version::Tls12]
            .into_iter()
            .filter(|v| (min..=max).contains(v))
            .map(Version::protocol)
            .collect())
    }

    /// Applies the options to a client configuration (after any `--suites`).
    pub fn apply_to_client(&self, config: &mut ClientConfig) -> anyhow::Result<()> {
        let (versions, rsa) = self.checked(&config.cipher_suites)?;
        config.versions = versions;
        config.legacy_rsa_key_exchange = rsa;
        add_rsa_suites(rsa, &mut config.cipher_suites);
        Ok(())
    }

    /// Applies the options to a server configuration (after any `--suites`).
    pub fn apply_to_server(&self, config: &mut ServerConfig) -> anyhow::Result<()> {
        let (versions, rsa) = self.checked(&config.cipher_suites)?;
        config.versions = versions;
        config.legacy_rsa_key_exchange = rsa;
        add_rsa_suites(rsa, &mut config.cipher_suites);
        Ok(())
    }

    /// The versions, and whether RSA key exchange is on, once the options are consistent
    /// with each other and with the `suites` already chosen.
    fn checked(&self, suites: &[CipherSuite]) -> anyhow::Result<(Vec<ProtocolVersion>, bool)> {
        let versions = self.versions()?;
        if !self.legacy_rsa_key_exchange {
            if let Some(suite) = suites.iter().find(|s| RSA_SUITES.contains(s)) {
                anyhow::bail!(
                    "{suite} is RSA key exchange, which needs --legacy-rsa-key-exchange \
                     (cost: {RSA_KEY_EXCHANGE_COST})"
                );
            }
        }
        if self.legacy_rsa_key_exchange && !versions.contains(&ProtocolVersion::TLSv1_2) {
            anyhow::bail!(
                "--legacy-rsa-key-exchange is a TLS 1.2 key exchange, but TLS 1.2 is not enabled"
            );
        }
        Ok((versions, self.legacy_rsa_key_exchange))
    }
}

/// The RSA key-transport suites, least preferred: after every ECDHE suite.
const RSA_SUITES: [CipherSuite; 2] = [
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// With the opt-in, appends both RSA suites — unless `--suites` already named one, which
/// then says which.
fn add_rsa_suites(enabled: bool, suites: &mut Vec<CipherSuite>) {
    if enabled && !suites.iter().any(|s| RSA_SUITES.contains(s)) {
        suites.extend(RSA_SUITES);
    }
}

/// For a handshake refused because the peer offers only what padlock will not do, what to
/// tell the user beyond the engine's error: what was refused and, where an option changes
/// it, its name. `None` where the error already says it all.
pub fn refusal_hint(error: &padlock_tls::Error, args: &ProtocolArgs) -> Option<String> {
    use padlock_tls::{AlertDescription as A, Error as E, PeerIncompatible as P};
    let tls13_only = args
        .versions()
        .is_ok_and(|v| v == [ProtocolVersion::TLSv1_3]);
    let rsa_hint = || {
        format!(
            "if the peer knows only RSA key exchange, --legacy-rsa-key-exchange allows it \
             (cost: {RSA_KEY_EXCHANGE_COST})"
        )
    };
    match error {
        E::PeerIncompatible(P::NoCipherSuitesInCommon) if !args.legacy_rsa_key_exchange => {
            Some(format!(
                "padlock offers only AEAD suites (AES-GCM, ChaCha20-Poly1305), never CBC, RC4 \
                 or 3DES; {}",
                rsa_hint()
            ))
        }
        E::PeerIncompatible(P::NoCipherSuitesInCommon) => Some(
            "padlock offers only AEAD suites (AES-GCM, ChaCha20-Poly1305), never CBC, RC4 or \
             3DES"
                .to_string(),
        ),
        E::PeerIncompatible(P::Tls12NotEnabled | P::Tls13NotOffered) if tls13_only => {
            Some("the peer does not speak TLS 1.3; allow TLS 1.2 with --min-version 1.2".into())
        }
        // A server that refuses every suite we offered answers handshake_failure; one that
        // speaks only older versions, protocol_version.
        E::AlertReceived(A::HandshakeFailure) if !args.legacy_rsa_key_exchange => Some(format!(
            "the server may accept only suites padlock refuses (CBC, RC4, 3DES) or RSA key \
             exchange; {}",
            rsa_hint()
        )),
        E::AlertReceived(A::ProtocolVersion) if tls13_only => {
            Some("the server may not speak TLS 1.3; allow TLS 1.2 with --min-version 1.2".into())
        }
        E::AlertReceived(A::ProtocolVersion) => Some(
            "the server may speak only TLS 1.1 or older, which padlock refuses: it needs TLS \
             1.2 or later"
                .into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tls: Option<&str>, min: Option<&str>, max: Option<&str>) -> ProtocolArgs {
        let parse = |v: Option<&str>| v.map(|v| parse_version(v).unwrap());
        ProtocolArgs {
            tls_version: parse(tls),
            min_version: parse(min),
            max_version: parse(max),
            legacy_rsa_key_exchange: false,
        }
    }

    #[test]
    fn versions_default_to_both_newest_first() {
        use ProtocolVersion::{TLSv1_2, TLSv1_3};
        assert_eq!(
            args(None, None, None).versions().unwrap(),
            [TLSv1_3, TLSv1_2]
        );
        assert_eq!(args(Some("1.2"), None, None).versions().unwrap(), [TLSv1_2]);
        assert_eq!(
            args(Some("TLSv1.3"), None, None).versions().unwrap(),
            [TLSv1_3]
        );
        assert_eq!(args(None, Some("1.3"), None).versions().unwrap(), [TLSv1_3]);
        assert_eq!(
            args(None, None, Some("tls1_2")).versions().unwrap(),
            [TLSv1_2]
        );
        assert!(args(None, Some("1.3"), Some("1.2")).versions().is_err());
    }

    #[test]
    fn old_versions_are_refused_with_the_reason() {
        for old in ["1.0", "1.1", "TLSv1.1", "ssl3", "SSLv3"] {
            let e = parse_version(old).unwrap_err();
            assert!(e.contains("insecure and not implemented"), "{old}: {e}");
        }
        assert!(parse_version("2")
            .unwrap_err()
            .contains("not a TLS version"));
    }

    #[test]
    fn rsa_key_exchange_adds_its_suites_last_and_needs_tls_1_2() {
        let mut a = args(None, None, None);
        a.legacy_rsa_key_exchange = true;
        let mut suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
        let (_, rsa) = a.checked(&suites).unwrap();
        add_rsa_suites(rsa, &mut suites);
        assert_eq!(suites[1..], RSA_SUITES);
        let mut chosen = vec![CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384];
        add_rsa_suites(true, &mut chosen);
        assert_eq!(chosen, [CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384]);
        let mut only13 = args(Some("1.3"), None, None);
        only13.legacy_rsa_key_exchange = true;
        assert!(only13.checked(&[]).is_err());
        let named = args(None, None, None).checked(&RSA_SUITES).unwrap_err();
        assert!(
            named.to_string().contains("--legacy-rsa-key-exchange"),
            "{named}"
        );
    }

    #[test]
    fn a_suite_mismatch_names_the_rsa_option_and_its_cost() {
        use padlock_tls::{AlertDescription, Error, PeerIncompatible};
        for e in [
            Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
            Error::AlertReceived(AlertDescription::HandshakeFailure),
        ] {
            let hint = refusal_hint(&e, &args(None, None, None)).unwrap();
            assert!(hint.contains("--legacy-rsa-key-exchange"), "{hint}");
            assert!(hint.contains("forward secrecy"), "{hint}");
        }
        let mut rsa = args(None, None, None);
        rsa.legacy_rsa_key_exchange = true;
        let e = Error::AlertReceived(AlertDescription::HandshakeFailure);
        assert_eq!(refusal_hint(&e, &rsa), None);
    }

    #[test]
    fn a_tls13_only_run_against_an_older_peer_names_min_version() {
        use padlock_tls::{AlertDescription, Error, PeerIncompatible};
        let only13 = args(Some("1.3"), None, None);
        for e in [
            Error::PeerIncompatible(PeerIncompatible::Tls12NotEnabled),
            Error::AlertReceived(AlertDescription::ProtocolVersion),
        ] {
            let hint = refusal_hint(&e, &only13).unwrap();
            assert!(hint.contains("--min-version 1.2"), "{hint}");
        }
        let old = refusal_hint(
            &Error::AlertReceived(AlertDescription::ProtocolVersion),
            &args(None, None, None),
        )
        .unwrap();
        assert!(old.contains("TLS 1.2 or later"), "{old}");
    }
}
