//! Certificate verification: the traits the handshake calls, and the stock implementations
//! on top of `padlock_pki`.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use padlock_crypto::Provider;
use padlock_pki::{RootStore, UnixTime};

use crate::certificate_chain::CertificateChain;
use crate::error::Error;
use crate::wire::codec::{DecodeError, DecodeErrorKind};
use crate::wire::enums::SignatureScheme;

/// The name the client expects the server's certificate to carry.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerName {
    /// A DNS name, lower-case, without a trailing dot.
    Dns(String),
    /// An IP address (never sent as SNI, RFC 6066 §3).
    Ip(IpAddr),
}

impl ServerName {
    /// The name as text.
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Dns(d) => std::borrow::Cow::Borrowed(d),
            Self::Ip(ip) => std::borrow::Cow::Owned(ip.to_string()),
        }
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => f.write_str(d),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Why a string is not a usable server name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidServerName(pub String);

impl fmt::Display for InvalidServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is neither a DNS name nor an IP address", self.0)
    }
}

impl std::error::Error for InvalidServerName {}

impl TryFrom<&str> for ServerName {
    type Error = InvalidServerName;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let bracketless = s.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bracketless.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        let name = s.strip_suffix('.').unwrap_or(s);
        let valid = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*')
            });
        if valid {
            Ok(Self::Dns(name.to_ascii_lowercase()))
        } else {
            Err(InvalidServerName(s.to_owned()))
        }
    }
}

impl TryFrom<String> for ServerName {
    type Error = InvalidServerName;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::try_from(s.as_str())
    }
}

/// Checks a server's certificate chain and name. Called once per handshake, after the
/// server's Certificate message and before its CertificateVerify is checked.
pub trait ServerCertVerifier: Send + Sync {
    /// `Ok` if `end_entity` (DER) chains through `intermediates` to a trusted root, is valid
    /// at `now`, is for `server_name`, and may authenticate TLS servers.
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        server_name: &ServerName,
        now: UnixTime,
    ) -> Result<(), Error>;
}

/// Checks a client's certificate chain (mutual TLS).
pub trait ClientCertVerifier: Send + Sync {
    /// DER subject names of the trusted roots, sent as the certificate_authorities hint in
    /// the CertificateRequest (RFC 8446 §4.2.4). Empty = no hint.
    fn root_hint_subjects(&self) -> Vec<Vec<u8>>;
    /// `Ok` if `end_entity` chains to a trusted root, is valid at `now`, and may
    /// authenticate TLS clients (EKU clientAuth).
    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        now: UnixTime,
    ) -> Result<(), Error>;
}

/// The standard server verifier: RFC 5280 path validation and RFC 6125 name checks by
/// `padlock_pki`, against a root store.
pub struct WebPkiServerVerifier {
    provider: Arc<dyn Provider>,
    roots: Arc<RootStore>,
}

impl fmt::Debug for WebPkiServerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebPkiServerVerifier")
    }
}

impl WebPkiServerVerifier {
    /// Verifies against `roots`.
    pub fn new(provider: Arc<dyn Provider>, roots: Arc<RootStore>) -> Self {
        Self { provider, roots }
    }
}

impl ServerCertVerifier for WebPkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        server_name: &ServerName,
        now: UnixTime,
    ) -> Result<(), Error> {
        crate::pki_verify::verify_server(
            self.provider.as_ref(),
            &self.roots,
            end_entity,
            intermediates,
            server_name,
            now,
        )
    }
}

/// The standard client verifier for mutual TLS: path validation with EKU clientAuth.
pub struct WebPkiClientVerifier {
    provider: Arc<dyn Provider>,
    roots: Arc<RootStore>,
}

impl fmt::Debug for WebPkiClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebPkiClientVerifier")
    }
}

impl WebPkiClientVerifier {
    /// Verifies against `roots`.
    pub fn new(provider: Arc<dyn Provider>, roots: Arc<RootStore>) -> Self {
        Self { provider, roots }
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        crate::pki_verify::root_subjects(&self.roots)
    }

    fn verify_client_cert(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        now: UnixTime,
    ) -> Result<(), Error> {
        crate::pki_verify::verify_client(
            self.provider.as_ref(),
            &self.roots,
            end_entity,
            intermediates,
            now,
        )
    }
}

/// Verifiers that turn security off. Each name says what it costs.
pub mod danger {
    use super::*;

    /// **Accepts any server certificate, for any name, from anyone.** The connection is
    /// encrypted but not authenticated: an active attacker can read and change everything.
    /// For tests and debugging only. (The CertificateVerify signature is still checked, so
    /// the peer does hold the key of the certificate it sent.)
    #[derive(Debug, Default)]
    pub struct NoServerVerification;

    impl ServerCertVerifier for NoServerVerification {
        fn verify_server_cert(
            &self,
            _end_entity: &[u8],
            _intermediates: &[&[u8]],
            _server_name: &ServerName,
            _now: UnixTime,
        ) -> Result<(), Error> {
            Ok(())
        }
    }
}

/// How the peer proved who it is: the proof a handshake keeps to its end.
///
/// The proofs are held, never read: a state holding one cannot exist unless the checks ran.
#[allow(dead_code)]
#[derive(Debug)]
pub(crate) enum Authenticated {
    /// Its certificate chain was accepted by the configured verifier (RFC 8446 §4.4.2) and
    /// its CertificateVerify signature checked with the chain's key (§4.4.3).
    Certificate {
        chain: CertVerified,
        signature: SignatureVerified,
    },
    /// It knows a pre-shared key: its PSK binder (RFC 8446 §4.2.11.2), or the Finished
    /// keyed from the PSK, checked out.
    Psk(PskVerified),
    /// TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1): its certificate chain was accepted,
    /// and it holds the certificate's key because its Finished (the [`FinishedVerified`]
    /// held beside this) was keyed from a pre-master secret only that key could decrypt.
    KeyTransport { chain: CertVerified },
}

/// Proof that a PSK binder matched (RFC 8446 §4.2.11.2). Only this module can make one.
#[derive(Debug)]
pub(crate) struct PskVerified(());

/// Proof that the peer's certificate chain was accepted by the configured verifier. Only
/// this module can make one.
#[derive(Debug)]
pub(crate) struct CertVerified(());

/// Proof that the CertificateVerify signature checked out.
#[derive(Debug)]
pub(crate) struct SignatureVerified(());

/// Server: checks a PSK binder (RFC 8446 §4.2.11.2) in constant time; the token proves the
/// client holds the PSK. A binder that does not validate → decrypt_error (§4.2.11).
pub(crate) fn verify_binder(
    provider: &dyn padlock_crypto::Provider,
    binder_key: &crate::tls13::key_schedule::BinderKey,
    truncated_hello_hash: &[u8],
    received: &[u8],
) -> Result<PskVerified, Error> {
    if binder_key.verify_binder(provider, truncated_hello_hash, received) {
        Ok(PskVerified(()))
    } else {
        Err(crate::error::PeerMisbehaved::BadPskBinder.into())
    }
}

/// Client: the server's Finished, keyed from a PSK-derived secret (RFC 8446 §7.1), is its
/// proof that it holds the PSK: a resumed server sends no certificate.
pub(crate) fn psk_proven_by_finished(_finished: &FinishedVerified) -> PskVerified {
    PskVerified(())
}

/// Proof that the peer's Finished matched the transcript.
#[derive(Debug)]
pub(crate) struct FinishedVerified(());

/// Runs the server verifier; the token proves it said yes.
pub(crate) fn verify_server_chain(
    verifier: &dyn ServerCertVerifier,
    chain: &CertificateChain,
    name: &ServerName,
    now: UnixTime,
) -> Result<CertVerified, Error> {
    let leaf = chain
        .first()
        .ok_or(crate::error::PeerMisbehaved::EmptyServerCertificate)?;
    with_slices(chain.iter().skip(1), |intermediates| {
        verifier.verify_server_cert(leaf, intermediates, name, now)
    })?;
    Ok(CertVerified(()))
}

/// Calls `f` with `certs` as a list of slices: on the stack for a chain of ordinary length
/// (no allocation), in a vector for a longer one.
fn with_slices<'c, T>(
    certs: impl ExactSizeIterator<Item = &'c [u8]>,
    f: impl FnOnce(&[&[u8]]) -> T,
) -> T {
    const INLINE: usize = 8;
    let len = certs.len();
    if len > INLINE {
        let slices: Vec<&[u8]> = certs.collect();
        return f(&slices);
    }
    let mut slices: [&[u8]; INLINE] = [&[]; INLINE];
    for (slot, cert) in slices.iter_mut().zip(certs) {
        *slot = cert;
    }
    f(slices.get(..len).unwrap_or_default())
}

/// Runs the client verifier on a non-empty chain.
pub(crate) fn verify_client_chain(
    verifier: &dyn ClientCertVerifier,
    chain: &CertificateChain,
    now: UnixTime,
) -> Result<CertVerified, Error> {
    let leaf = chain
        .first()
        .ok_or(crate::error::PeerIncompatible::CertificateRequired)?;
    with_slices(chain.iter().skip(1), |intermediates| {
        verifier.verify_client_cert(leaf, intermediates, now)
    })?;
    Ok(CertVerified(()))
}

/// Checks a CertificateVerify signature (RFC 8446 §4.4.3) made by `leaf`'s key.
pub(crate) fn verify_handshake_signature(
    provider: &dyn Provider,
    leaf: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureVerified, Error> {
    crate::pki_verify::verify_signature(provider, leaf, scheme, message, signature)?;
    Ok(SignatureVerified(()))
}

/// Checks a TLS 1.2 signature (a ServerKeyExchange's or a client's CertificateVerify)
/// made by the leaf certificate's key `spki`; `bad` is the violation a signature that does
/// not verify is.
pub(crate) fn verify_tls12_signature(
    provider: &dyn Provider,
    spki: &padlock_pki::SubjectPublicKeyInfo<'_>,
    offered: &[SignatureScheme],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    bad: crate::error::PeerMisbehaved,
) -> Result<SignatureVerified, Error> {
    crate::tls12::signatures::verify(provider, spki, offered, scheme, message, signature, bad)?;
    Ok(SignatureVerified(()))
}

/// Compares Finished verify_data in constant time (RFC 8446 §4.4.4).
///
/// verify_data is `Hash.length` bytes (RFC 8446 §4.4.4); one of another length is a message
/// that cannot be parsed, so it is a `decode_error` (§6.2), not a failed check
/// (`decrypt_error`).
pub(crate) fn verify_finished(expected: &[u8], got: &[u8]) -> Result<FinishedVerified, Error> {
    if got.len() != expected.len() {
        return Err(DecodeError::new(
            "Finished.verify_data",
            DecodeErrorKind::LengthOutOfRange {
                length: got.len(),
                min: expected.len(),
                max: expected.len(),
            },
        )
        .into());
    }
    let mut diff = 0;
    for (a, b) in expected.iter().zip(got) {
        diff |= a ^ b;
    }
    if diff == 0 {
        Ok(FinishedVerified(()))
    } else {
        Err(crate::error::PeerMisbehaved::FinishedMismatch.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dns_names_and_ip_addresses() {
        assert_eq!(
            ServerName::try_from("Example.COM.").unwrap(),
            ServerName::Dns("example.com".into())
        );
        assert!(matches!(
            ServerName::try_from("127.0.0.1").unwrap(),
            ServerName::Ip(_)
        ));
        assert!(matches!(
            ServerName::try_from("[::1]").unwrap(),
            ServerName::Ip(_)
        ));
    }

    #[test]
    fn rejects_names_that_are_not_host_names() {
        for bad in ["", "a..b", "exa mple.com", "a/b", &"x".repeat(64)] {
            assert!(ServerName::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn finished_of_the_wrong_length_is_a_decode_error() {
        let e = verify_finished(&[1, 2, 3], &[1, 2]).unwrap_err();
        assert_eq!(
            crate::alert::alert_for(&e),
            Some(crate::wire::enums::AlertDescription::DecodeError)
        );
    }

    #[test]
    fn finished_comparison_detects_any_difference() {
        assert!(verify_finished(&[1, 2, 3], &[1, 2, 3]).is_ok());
        assert!(verify_finished(&[1, 2, 3], &[1, 2, 4]).is_err());
        assert!(matches!(
            verify_finished(&[1, 2, 3], &[1, 2, 3, 4]),
            Err(Error::Decode(_))
        ));
    }

    #[test]
    fn no_server_verification_accepts_anything() {
        let name = ServerName::try_from("x.test").unwrap();
        assert!(danger::NoServerVerification
            .verify_server_cert(b"junk", &[], &name, UnixTime(0))
            .is_ok());
    }
}
