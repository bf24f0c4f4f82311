//! The one place that decides which alert an error sends (RFC 8446 §6.2).
//!
//! State code never sends alerts: it returns an [`Error`], and the connection asks
//! [`alert_for`] which alert to queue before closing.

use crate::error::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};
use crate::AlertDescription;

/// The alert to send for `error`, or `None` when no alert is due (the peer already sent
/// one, or the error is local API misuse that does not end the connection).
pub fn alert_for(error: &Error) -> Option<AlertDescription> {
    use AlertDescription as A;
    Some(match error {
        // RFC 8446 §6.2: decode_error for messages that cannot be parsed, illegal_parameter
        // for well-formed but forbidden values (the wire layer knows which).
        Error::Decode(e) => e.alert(),
        Error::PeerMisbehaved(p) => misbehaviour_alert(*p),
        Error::PeerIncompatible(p) => incompatible_alert(*p),
        Error::Certificate(e) => certificate_alert(e),
        // The peer ended it; answering an alert with an alert helps no one.
        Error::AlertReceived(_) => return None,
        Error::ApiMisuse(ApiMisuse::PlaintextBufferFull | ApiMisuse::HandshakeNotComplete) => {
            return None
        }
        Error::ApiMisuse(ApiMisuse::ExporterOutputTooLong | ApiMisuse::WriteAfterClose) => {
            return None
        }
        Error::ApiMisuse(_) => A::InternalError,
        // RFC 8446 §5.2: a record that fails to deprotect → bad_record_mac.
        Error::DecryptFailed => A::BadRecordMac,
        // RFC 8446 §5.1/§5.2.
        Error::RecordOverflow => A::RecordOverflow,
        Error::Internal(_) | Error::Config(_) => A::InternalError,
        Error::Closed => return None,
    })
}

/// Whether `error` ends the connection (everything except local API misuse that can be
/// retried).
pub(crate) fn is_fatal(error: &Error) -> bool {
    !matches!(
        error,
        Error::ApiMisuse(
            ApiMisuse::PlaintextBufferFull
                | ApiMisuse::HandshakeNotComplete
                | ApiMisuse::ExporterOutputTooLong
                | ApiMisuse::WriteAfterClose
        )
    )
}

fn misbehaviour_alert(p: PeerMisbehaved) -> AlertDescription {
    use AlertDescription as A;
    use PeerMisbehaved as P;
    match p {
        // RFC 8446 §6.2 unexpected_message: an inappropriate message (wrong state/type).
        P::UnexpectedMessage { .. }
        | P::IllegalChangeCipherSpec
        | P::HandshakeMessageSplitAcrossKeyChange
        | P::DuplicateHelloRetryRequest
        | P::DataAfterCloseNotify
        | P::IllegalRecord
        | P::WrongDirection
        | P::WarningAlert => A::UnexpectedMessage,
        // RFC 8446 §4.1.3/§4.1.4/§4.2: a field out of range or inconsistent.
        P::SelectedUnofferedCipherSuite
        | P::SelectedUnofferedGroup
        | P::SelectedUnofferedVersion
        | P::WrongGroupForKeyShare
        | P::InvalidKeyShare
        | P::DowngradeMarkerPresent
        | P::SessionIdNotEchoed
        | P::NonNullCompression
        | P::UselessHelloRetryRequest
        | P::HelloRetryRequestWithOfferedGroup
        | P::ServerHelloChangedAfterRetry
        | P::IllegalClientHelloAfterRetry
        | P::UnofferedSignatureScheme
        | P::BadCertificateRequestContext
        | P::SelectedUnofferedAlpnProtocol
        | P::IllegalKeyUpdate
        | P::UnsolicitedCookie
        | P::IllegalExtension
        | P::IllegalKeyShare
        | P::MalformedAlert => A::IllegalParameter,
        // RFC 8446 §4.2: an extension not allowed in that message → unsupported_extension.
        P::UnsolicitedExtension => A::UnsupportedExtension,
        // RFC 8446 §9.2: a mandatory extension missing → missing_extension.
        P::MissingExtension(_) => A::MissingExtension,
        // RFC 8446 §4.4.3/§4.4.4: signature or Finished check failed → decrypt_error.
        P::FinishedMismatch | P::BadCertificateVerifySignature => A::DecryptError,
        // RFC 8446 §4.4.2.4: an empty server Certificate → decode_error.
        P::EmptyServerCertificate | P::MalformedAlpn => A::DecodeError,
        P::HandshakeMessageTooLarge => A::UnexpectedMessage,
    }
}

/// RFC 8446 §6.2: the certificate alerts, by what was wrong.
fn certificate_alert(e: &padlock_pki::Error) -> AlertDescription {
    use padlock_pki::Error as P;
    use AlertDescription as A;
    match e {
        P::Expired { .. } | P::NotYetValid { .. } => A::CertificateExpired,
        P::UnknownIssuer { .. } => A::UnknownCa,
        P::Revoked { .. } => A::CertificateRevoked,
        P::EkuMissing { .. }
        | P::KeyUsageMissing { .. }
        | P::UnsupportedSignatureAlgorithm(_)
        | P::UnsupportedPublicKey(_) => A::UnsupportedCertificate,
        P::BudgetExceeded | P::BadCrl { .. } => A::CertificateUnknown,
        _ => A::BadCertificate,
    }
}

fn incompatible_alert(p: PeerIncompatible) -> AlertDescription {
    use AlertDescription as A;
    use PeerIncompatible as P;
    match p {
        // RFC 8446 §4.2.1: no mutually supported version → protocol_version.
        P::Tls13NotOffered => A::ProtocolVersion,
        // RFC 8446 §4.1.1: nothing acceptable → handshake_failure.
        P::NoCipherSuitesInCommon | P::NoGroupsInCommon | P::NoSignatureSchemesInCommon => {
            A::HandshakeFailure
        }
        // RFC 7301 §3.2.
        P::NoApplicationProtocol => A::NoApplicationProtocol,
        // RFC 8446 §4.4.2.4.
        P::CertificateRequired => A::CertificateRequired,
        // RFC 6066 §3.
        P::NoCertificateForName => A::UnrecognizedName,
        P::NullCompressionRequired => A::IllegalParameter,
    }
}
