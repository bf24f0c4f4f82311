//! The protocol options `get`, `connect`, `listen` and `serve` share: which TLS versions to
//! speak (`--tls-version`, `--min-version`, `--max-version`) and the opt-in to TLS 1.2 RSA
//! key exchange (`--legacy-rsa-key-exchange`), applied to a client or server configuration.
//! Also the hint a refused handshake gets when one of these options would have changed it.

use padlock_tls::{CipherSuite, ClientConfig, PeerIncompatible, ProtocolVersion, ServerConfig};

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

/// The RSA key-transport suites, least preferred: after every ECDHE suite already listed.
const RSA_SUITES: [CipherSuite; 2] = [
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
];

fn add_rsa_suites(enabled: bool, suites: &mut Vec<CipherSuite>) {
    if !enabled {
        return;
    }
    for suite in RSA_SUITES {
        if !suites.contains(&suite) {
            suites.push(suite);
        }
    }
}

/// For a handshake refused because the peer offers only what padlock will not do, what to
/// tell the user: what was refused and, where an option changes it, its name.
pub fn refusal_hint(error: &padlock_tls::Error, args: &ProtocolArgs) -> Option<String> {
    let rsa_only = !args.legacy_rsa_key_exchange;
    let text = error.to_string();
    match error {
        padlock_tls::Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon) => {
            Some(if rsa_only {
                "padlock offers only forward-secret AEAD suites (ECDHE with AES-GCM or \
                 ChaCha20-Poly1305); if the peer knows only RSA key exchange, \
                 --legacy-rsa-key-exchange allows it (cost: "
                    .to_string()
                    + RSA_KEY_EXCHANGE_COST
                    + "); CBC, RC4 and 3DES suites are never offered"
            } else {
                "no cipher suite in common: padlock offers only AEAD suites (AES-GCM, \
                 ChaCha20-Poly1305); CBC, RC4 and 3DES suites are never offered"
                    .to_string()
            })
        }
        _ if text.contains("TLS 1.0") || text.contains("TLS 1.1") || text.contains("SSL") => {
            Some("padlock needs TLS 1.2 or later; older versions are insecure".to_string())
        }
        padlock_tls::Error::PeerIncompatible(PeerIncompatible::Tls13NotOffered)
            if args
                .versions()
                .is_ok_and(|v| v == [ProtocolVersion::TLSv1_3]) =>
        {
            Some(
                "the peer does not speak TLS 1.3; allow TLS 1.2 with --min-version 1.2".to_string(),
            )
        }
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
        let e = padlock_tls::Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon);
        let hint = refusal_hint(&e, &args(None, None, None)).unwrap();
        assert!(hint.contains("--legacy-rsa-key-exchange"), "{hint}");
        assert!(hint.contains("forward secrecy"), "{hint}");
    }
}
