//! The one error type of the engine (see the crate's `manual` for how it maps to alerts).

use std::fmt;

use crate::wire::ContentType;
use padlock_pki::Error as CertificateError;

use crate::wire::{AlertDescription, DecodeError};

/// Everything that can go wrong on a connection.
///
/// After a connection returns an `Error`, every later call returns the same one. The alert
/// sent to the peer is derived from it in exactly one place, [`crate::alert::alert_for`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A message or record from the peer could not be decoded.
    Decode(DecodeError),
    /// The peer broke a rule of the protocol.
    PeerMisbehaved(PeerMisbehaved),
    /// The peer is well-behaved but we have nothing in common with it.
    PeerIncompatible(PeerIncompatible),
    /// A certificate was refused.
    Certificate(CertificateError),
    /// The peer sent a fatal alert (or close_notify during the handshake).
    AlertReceived(AlertDescription),
    /// The API was used in a way it does not allow.
    ApiMisuse(ApiMisuse),
    /// A record from the peer failed authentication (RFC 8446 §5.2): altered in transit, or
    /// the keys differ.
    DecryptFailed,
    /// A record from the peer was longer than RFC 8446 §5.1/§5.2 allow.
    RecordOverflow,
    /// A local failure (e.g. the random number generator); the peer did nothing wrong.
    Internal(&'static str),
    /// The configuration cannot work (e.g. no cipher suite enabled).
    Config(&'static str),
}

/// A specific violation of the protocol by the peer, named for it. Callers should not
/// branch on these; they exist so logs and tests say exactly what happened.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerMisbehaved {
    /// A message arrived that is not allowed in the current state.
    UnexpectedMessage {
        /// What we were waiting for.
        expected: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// A ChangeCipherSpec record outside the window RFC 8446 §5 allows, or not `0x01`.
    IllegalChangeCipherSpec,
    /// A handshake message was interleaved with another content type, or spanned a key
    /// change (RFC 8446 §5.1).
    HandshakeMessageSplitAcrossKeyChange,
    /// The server chose a cipher suite the client did not offer.
    SelectedUnofferedCipherSuite,
    /// The server chose a group the client did not offer.
    SelectedUnofferedGroup,
    /// The server's TLS 1.2 ECDSA certificate is on a curve the client did not list in
    /// supported_groups (RFC 8422 §5.3: the server MUST respect the client's curves).
    UnofferedCertificateCurve,
    /// The server chose a protocol version the client did not offer.
    SelectedUnofferedVersion,
    /// The server's key share is for a different group than the one it chose (or HRR).
    WrongGroupForKeyShare,
    /// A key share could not be used (invalid point).
    InvalidKeyShare,
    /// The ServerHello carried a TLS 1.2/1.1 downgrade sentinel (RFC 8446 §4.1.3).
    DowngradeMarkerPresent,
    /// legacy_session_id_echo did not echo ours (RFC 8446 §4.1.3).
    SessionIdNotEchoed,
    /// legacy_compression_method was not 0 (RFC 8446 §4.1.3).
    NonNullCompression,
    /// An extension that RFC 8446 §4.2 does not allow in that message.
    IllegalExtension,
    /// A key share for a group the client does not list in supported_groups (§4.2.8).
    IllegalKeyShare,
    /// The peer sent an extension we did not ask for or that is not allowed in that
    /// message (RFC 8446 §4.2).
    UnsolicitedExtension,
    /// The ClientHello is missing an extension TLS 1.3 requires (RFC 8446 §9.2).
    MissingExtension(&'static str),
    /// A second HelloRetryRequest (RFC 8446 §4.1.4).
    DuplicateHelloRetryRequest,
    /// A HelloRetryRequest that would not change the ClientHello (RFC 8446 §4.1.4).
    UselessHelloRetryRequest,
    /// A HelloRetryRequest naming a group we already sent a share for (RFC 8446 §4.2.8).
    HelloRetryRequestWithOfferedGroup,
    /// The server's choice after HRR differs from its HelloRetryRequest (RFC 8446 §4.1.4).
    ServerHelloChangedAfterRetry,
    /// The second ClientHello differs from the first in a way §4.1.2 forbids, or lacks the
    /// key share the server asked for.
    IllegalClientHelloAfterRetry,
    /// The peer's Finished did not match the transcript (RFC 8446 §4.4.4).
    FinishedMismatch,
    /// The CertificateVerify signature did not verify (RFC 8446 §4.4.3).
    BadCertificateVerifySignature,
    /// The CertificateVerify used a scheme we did not offer or one not usable in TLS 1.3.
    UnofferedSignatureScheme,
    /// The server sent an empty Certificate message (RFC 8446 §4.4.2.4).
    EmptyServerCertificate,
    /// The certificate_request_context was not the one required (RFC 8446 §4.4.2).
    BadCertificateRequestContext,
    /// An ALPN protocol we did not offer (RFC 7301 §3.2).
    SelectedUnofferedAlpnProtocol,
    /// A KeyUpdate with an undefined request_update value (RFC 8446 §4.6.3).
    IllegalKeyUpdate,
    /// A protected record decrypted to padding only, with no content type (RFC 8446 §5.4).
    NoContentType,
    /// A record of this type arrived in the clear after encryption started (RFC 8446 §5.2).
    UnprotectedRecord(ContentType),
    /// More 0-RTT data than we skip arrived before the client's handshake went on
    /// (RFC 8446 §4.2.10).
    TooMuchEarlyData,
    /// Data arrived after the peer's close_notify.
    DataAfterCloseNotify,
    /// A ClientHello or ServerHello with legacy_version 0x0300 (SSL 3.0) or lower
    /// (RFC 8446 §D.5).
    ObsoleteLegacyVersion,
    /// Handshake data buffered behind a HelloRetryRequest or the first ClientHello, sent
    /// before the HelloRetryRequest could have been answered (RFC 8446 §4.1.4).
    HandshakeDataBeforeRetryAnswered,
    /// TLS 1.2 handshake data buffered behind the message that ends the peer's flight
    /// (the ClientHello, the ServerHelloDone), sent before our answer could have been
    /// read (RFC 5246 §7.3).
    HandshakeDataBeforeFlightAnswered,
    /// A protected TLS 1.2 record named a version other than TLS 1.2 (RFC 5246 §6.2.1).
    WrongRecordVersion,
    /// More empty application data records in a row than we allow.
    TooManyEmptyRecords,
    /// More warning alerts (user_canceled) in a row than we allow.
    TooManyWarningAlerts,
    /// More KeyUpdates without application data in between than we allow.
    TooManyKeyUpdates,
    /// An alert whose level is neither warning(1) nor fatal(2) (RFC 8446 §6).
    UnknownAlertLevel,
    /// A PSK binder did not match the ClientHello (RFC 8446 §4.2.11.2).
    BadPskBinder,
    /// The server selected a PSK identity we did not offer (RFC 8446 §4.2.11).
    SelectedUnofferedPsk,
    /// The server resumed with a suite whose hash is not the PSK's (RFC 8446 §4.2.11).
    PskHashMismatch,
    /// The server accepted 0-RTT data without resuming our first PSK with the session's
    /// cipher suite and ALPN protocol (RFC 8446 §4.2.10).
    IllegalEarlyDataAcceptance,
    /// A NewSessionTicket with a lifetime above 7 days (RFC 8446 §4.6.1).
    TicketLifetimeTooLong,
    /// More 0-RTT data than the server's max_early_data_size allows (RFC 8446 §4.2.10).
    EarlyDataBeyondLimit,
    /// A non-empty renegotiation_info in an initial handshake, or one that does not
    /// answer ours (RFC 5746 §3.4, §3.6).
    BadRenegotiationInfo,
    /// The ServerKeyExchange signature did not verify (RFC 5246 §7.4.3).
    BadServerKeyExchangeSignature,
    /// A TLS 1.2 client retried with a lower version although we speak a higher one its
    /// first attempt should have reached (RFC 7507 §3: TLS_FALLBACK_SCSV).
    InappropriateFallback,
    /// The peer's ec_point_formats lacks the uncompressed format (RFC 8422 §5.1.2).
    UncompressedPointsNotOffered,
    /// The certificate's key does not fit the suite's authentication (RFC 5246 §7.4.2:
    /// an ECDSA suite needs an ECDSA key, an RSA suite an RSA key).
    WrongCertificateKeyForSuite,
    /// The peer's ServerHello answered a TLS 1.3 offer with TLS 1.2 extensions, or a
    /// TLS 1.2 ServerHello carried TLS 1.3 ones.
    IllegalTls12ServerHello,
    /// The TLS 1.2 ServerHello echoed our ClientHello's session_id, which claims to resume
    /// a session we never offered (RFC 5246 §7.4.1.3: without a session to resume, the id
    /// we send is the random one of RFC 8446 §4.1.2's compatibility mode).
    EchoedSessionIdWithoutResumption,
    /// A TLS 1.2 resumption of a session made with the Extended Master Secret, without it:
    /// a ClientHello that does not offer it, or a resuming ServerHello that does not
    /// answer it (RFC 7627 §5.3).
    ResumedWithoutExtendedMasterSecret,
    /// The TLS 1.2 ServerHello resumed our session with another cipher suite than the
    /// session's (RFC 5246 §7.4.1.3).
    ResumedWithAnotherCipherSuite,
}

/// The peer follows the protocol but we share nothing with it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerIncompatible {
    /// The peer does not speak TLS 1.3.
    Tls13NotOffered,
    /// No cipher suite in common.
    NoCipherSuitesInCommon,
    /// No key exchange group in common.
    NoGroupsInCommon,
    /// No signature scheme in common that our key can make.
    NoSignatureSchemesInCommon,
    /// No ALPN protocol in common (RFC 7301 §3.2).
    NoApplicationProtocol,
    /// The server requires a client certificate and we sent none (RFC 8446 §4.4.2.4).
    CertificateRequired,
    /// No certificate configured for the name the client asked for.
    NoCertificateForName,
    /// The peer speaks only TLS 1.2, which our configuration does not enable.
    Tls12NotEnabled,
    /// The peer speaks only versions our configuration does not enable (TLS 1.3 to a
    /// server limited to TLS 1.2, say).
    NoVersionInCommon,
    /// The peer's best version is older than TLS 1.2 (SSL 3.0, TLS 1.0, TLS 1.1): insecure,
    /// and never implemented.
    ObsoleteVersion(crate::wire::ProtocolVersion),
    /// The peer offered only CBC, RC4, 3DES or other non-AEAD suites for TLS 1.2.
    OnlyInsecureCipherSuites,
    /// The peer offered only RSA key transport suites, which need the
    /// `legacy_rsa_key_exchange` opt-in (no forward secrecy).
    RsaKeyExchangeNotEnabled,
    /// The TLS 1.2 peer does not do the Extended Master Secret (RFC 7627) and our
    /// configuration requires it.
    ExtendedMasterSecretRequired,
    /// The TLS 1.2 server does not do secure renegotiation indication (RFC 5746 §4.1).
    SecureRenegotiationNotSupported,
    /// A TLS 1.2 client sent no certificate although we require one (RFC 5246 §7.4.6).
    ClientCertificateRequired,
    /// Our ECDSA certificate could serve the TLS 1.2 client's suites, but its curve is not
    /// in the client's supported_groups (RFC 8422 §5.3).
    CertificateCurveNotOffered,
    /// We sent 0-RTT data and the server answered with TLS 1.2: RFC 8446 §D.3 says to fail
    /// the connection (a retry without 0-RTT, still offering TLS 1.3, may succeed).
    EarlyDataRefusedByTls12,
}

/// Ways of using the API that are not allowed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiMisuse {
    /// Plaintext written while too much is already buffered.
    PlaintextBufferFull,
    /// Writing after `send_close_notify`.
    WriteAfterClose,
    /// Exporting keying material before the handshake finished.
    HandshakeNotComplete,
    /// Exporter output longer than 255 × hash length.
    ExporterOutputTooLong,
    /// Early data written when no 0-RTT is possible: not a client, early data not enabled,
    /// no ticket offered that allows it, its limit reached, or the first flight already
    /// sent on.
    NoEarlyData,
    /// A KeyUpdate asked of a TLS 1.2 connection, which has none (RFC 5246): reconnect
    /// for fresh keys.
    NoKeyUpdateInTls12,
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(e: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(e)
    }
}

impl From<PeerIncompatible> for Error {
    fn from(e: PeerIncompatible) -> Self {
        Self::PeerIncompatible(e)
    }
}

impl From<ApiMisuse> for Error {
    fn from(e: ApiMisuse) -> Self {
        Self::ApiMisuse(e)
    }
}

impl From<CertificateError> for Error {
    fn from(e: CertificateError) -> Self {
        Self::Certificate(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "the peer sent a malformed message: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "the peer broke the TLS protocol: {e}"),
            Self::PeerIncompatible(e) => write!(f, "the peer is incompatible: {e}"),
            Self::Certificate(e) => write!(f, "the peer's certificate was refused: {e}"),
            Self::AlertReceived(a) if refuses_our_certificate(*a) => {
                write!(f, "the peer refused our certificate: {a}")
            }
            Self::AlertReceived(a) => write!(f, "the peer ended the connection with the alert {a}"),
            Self::ApiMisuse(e) => write!(f, "API misuse: {e}"),
            Self::DecryptFailed => f.write_str(
                "a record from the peer failed authentication: it was altered, or the keys differ",
            ),
            Self::RecordOverflow => f.write_str("the peer sent a record longer than TLS allows"),
            Self::Internal(why) => write!(f, "internal error: {why}"),
            Self::Config(why) => write!(f, "the configuration cannot work: {why}"),
        }
    }
}

/// Whether a peer's `alert` says it refused our certificate (RFC 8446 §6.2).
fn refuses_our_certificate(alert: AlertDescription) -> bool {
    use AlertDescription as A;
    matches!(
        alert,
        A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCa
    )
}

impl fmt::Display for PeerMisbehaved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PeerMisbehaved as P;
        match self {
            P::UnexpectedMessage { expected, got } => {
                return write!(f, "it sent {got} while {expected} was expected")
            }
            P::UnprotectedRecord(typ) => {
                return write!(
                    f,
                    "it sent a {typ} record unencrypted after encryption started"
                )
            }
            P::MissingExtension(which) => {
                return write!(
                    f,
                    "its ClientHello lacks the {which} extension TLS 1.3 requires"
                )
            }
            _ => {}
        }
        f.write_str(match self {
            P::IllegalChangeCipherSpec => "it sent a ChangeCipherSpec where none is allowed",
            P::HandshakeMessageSplitAcrossKeyChange => {
                "it split a handshake message across a key change or another record type"
            }
            P::SelectedUnofferedCipherSuite => "the server chose a cipher suite we did not offer",
            P::SelectedUnofferedGroup => "the server chose a group we did not offer",
            P::UnofferedCertificateCurve => {
                "its certificate's key is on a curve we did not list in supported_groups"
            }
            P::SelectedUnofferedVersion => "the server chose a version we did not offer",
            P::WrongGroupForKeyShare => "its key share is for the wrong group",
            P::InvalidKeyShare => "its key share is not a valid public key",
            P::DowngradeMarkerPresent => {
                "the server signalled a downgrade to TLS 1.2 or older (an attack, or a misconfigured middlebox)"
            }
            P::SessionIdNotEchoed => "the server did not echo our legacy session id",
            P::NonNullCompression => "it chose a compression method, which TLS 1.3 forbids",
            P::UnsolicitedExtension => "it answered with an extension we did not ask for",
            P::IllegalExtension => "it sent an extension that is not allowed in that message",
            P::IllegalKeyShare => "it sent a key share for a group it does not list",
            P::DuplicateHelloRetryRequest => "the server sent a second HelloRetryRequest",
            P::UselessHelloRetryRequest => {
                "the server sent a HelloRetryRequest that would change nothing"
            }
            P::HelloRetryRequestWithOfferedGroup => {
                "the server asked for a key share we had already sent"
            }
            P::ServerHelloChangedAfterRetry => {
                "the server's ServerHello contradicts its HelloRetryRequest"
            }
            P::IllegalClientHelloAfterRetry => {
                "the client's second ClientHello does not follow the HelloRetryRequest"
            }
            P::FinishedMismatch => "its Finished message does not match the handshake",
            P::BadCertificateVerifySignature => {
                "its CertificateVerify signature does not verify with its certificate"
            }
            P::UnofferedSignatureScheme => "it signed with a scheme we did not offer",
            P::EmptyServerCertificate => "the server sent no certificate",
            P::BadCertificateRequestContext => "its certificate_request_context is wrong",
            P::SelectedUnofferedAlpnProtocol => "the server chose an ALPN protocol we did not offer",
            P::IllegalKeyUpdate => "it sent a KeyUpdate with an undefined request value",
            P::NoContentType => "it sent an encrypted record of padding only, with no content type",
            P::TooMuchEarlyData => {
                "it sent more 0-RTT data than we skip (we do not accept early data)"
            }
            P::DataAfterCloseNotify => "it sent data after its close_notify",
            P::ObsoleteLegacyVersion => {
                "its hello claims SSL 3.0 or older as legacy_version, which TLS 1.3 forbids"
            }
            P::HandshakeDataBeforeRetryAnswered => {
                "it sent more handshake data before the HelloRetryRequest was answered"
            }
            P::WrongRecordVersion => "its TLS 1.2 record named another protocol version",
            P::HandshakeDataBeforeFlightAnswered => {
                "it sent more handshake data after the end of its flight, before our answer"
            }
            P::TooManyEmptyRecords => "it sent too many empty records in a row",
            P::TooManyWarningAlerts => "it sent too many warning alerts in a row",
            P::TooManyKeyUpdates => "it sent too many KeyUpdates without any data in between",
            P::UnknownAlertLevel => "it sent an alert that is neither a warning nor fatal",
            P::BadPskBinder => "its PSK binder does not match its ClientHello",
            P::SelectedUnofferedPsk => "the server selected a PSK identity we did not offer",
            P::PskHashMismatch => {
                "the server resumed with a cipher suite whose hash does not match the session's"
            }
            P::IllegalEarlyDataAcceptance => {
                "the server accepted our 0-RTT data without resuming our session with its cipher suite and ALPN protocol"
            }
            P::TicketLifetimeTooLong => "the server sent a ticket that lives more than 7 days",
            P::EarlyDataBeyondLimit => "it sent more 0-RTT data than max_early_data_size allows",
            P::BadRenegotiationInfo => {
                "its renegotiation_info is wrong for an initial handshake (RFC 5746)"
            }
            P::BadServerKeyExchangeSignature => {
                "its ServerKeyExchange signature does not verify with its certificate"
            }
            P::InappropriateFallback => {
                "it retried with an older version (TLS_FALLBACK_SCSV) although we speak a newer one: a downgrade"
            }
            P::UncompressedPointsNotOffered => {
                "its ec_point_formats lacks the uncompressed format every implementation must support"
            }
            P::WrongCertificateKeyForSuite => {
                "its certificate's key does not fit the cipher suite it chose"
            }
            P::IllegalTls12ServerHello => {
                "its TLS 1.2 ServerHello carries TLS 1.3 extensions"
            }
            P::EchoedSessionIdWithoutResumption => {
                "its ServerHello echoed our session id, resuming a session we never offered"
            }
            P::ResumedWithoutExtendedMasterSecret => {
                "it resumed a session made with the Extended Master Secret without it (RFC 7627 §5.3)"
            }
            P::ResumedWithAnotherCipherSuite => {
                "it resumed our session with another cipher suite than the session's"
            }
            P::UnexpectedMessage { .. } | P::MissingExtension(_) | P::UnprotectedRecord(_) => {
                unreachable_display()
            }
        })
    }
}

/// These variants are handled by the early returns above; this keeps the match total.
fn unreachable_display() -> &'static str {
    "it broke the protocol"
}

impl fmt::Display for PeerIncompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PeerIncompatible as P;
        if let P::ObsoleteVersion(version) = self {
            return write!(
                f,
                "it offered only {}; padlock needs TLS 1.2 or later",
                version_name(*version)
            );
        }
        f.write_str(match self {
            P::Tls13NotOffered => "it does not offer TLS 1.3, the only version we speak",
            P::NoCipherSuitesInCommon => "we have no cipher suite in common",
            P::NoGroupsInCommon => "we have no key exchange group in common",
            P::NoSignatureSchemesInCommon => "we have no signature scheme in common",
            P::NoApplicationProtocol => "we have no application protocol (ALPN) in common",
            P::CertificateRequired => "the server requires a client certificate and none was sent",
            P::NoCertificateForName => "no certificate is configured for the requested name",
            P::Tls12NotEnabled => "it speaks only TLS 1.2, which our configuration does not enable",
            P::EarlyDataRefusedByTls12 => {
                "it answered our 0-RTT data with TLS 1.2; connect again without early data"
            }
            P::NoVersionInCommon => {
                "it speaks no protocol version our configuration enables"
            }
            P::ObsoleteVersion(_) => "it offered only a version older than TLS 1.2",
            P::OnlyInsecureCipherSuites => {
                "it offered only CBC, RC4, 3DES or other non-AEAD cipher suites, which padlock refuses"
            }
            P::RsaKeyExchangeNotEnabled => {
                "it offered only RSA key exchange (no forward secrecy); enable it with legacy_rsa_key_exchange (--legacy-rsa-key-exchange) if you must"
            }
            P::ExtendedMasterSecretRequired => {
                "it does not support the Extended Master Secret (RFC 7627), which our configuration requires"
            }
            P::SecureRenegotiationNotSupported => {
                "the server does not support secure renegotiation (RFC 5746)"
            }
            P::ClientCertificateRequired => {
                "the server requires a client certificate and none was sent"
            }
            P::CertificateCurveNotOffered => {
                "the client's supported groups leave out our ECDSA certificate's curve"
            }
        })
    }
}

/// "TLS 1.0", "SSL 3.0": a version as people name it.
fn version_name(version: crate::wire::ProtocolVersion) -> String {
    use crate::wire::ProtocolVersion as V;
    match version {
        V::SSLv3 => "SSL 3.0".into(),
        V::TLSv1_0 => "TLS 1.0".into(),
        V::TLSv1_1 => "TLS 1.1".into(),
        V::TLSv1_2 => "TLS 1.2".into(),
        V::TLSv1_3 => "TLS 1.3".into(),
        other => format!("version {:#06x}", other.to_wire()),
    }
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PlaintextBufferFull => {
                f.write_str("too much plaintext is buffered; send pending TLS data first")
            }
            Self::WriteAfterClose => f.write_str("data was written after close_notify"),
            Self::NoEarlyData => f.write_str(
                "0-RTT data cannot be sent now (early data not enabled, no ticket that \
                 allows it, its limit reached, or the handshake has moved on)",
            ),
            Self::HandshakeNotComplete => f.write_str("the handshake has not finished yet"),
            Self::ExporterOutputTooLong => {
                f.write_str("exporter output longer than 255 times the hash length")
            }
            Self::NoKeyUpdateInTls12 => {
                f.write_str("TLS 1.2 has no KeyUpdate; reconnect for fresh keys")
            }
        }
    }
}

impl std::error::Error for Error {}
