//! The one place that decides which alert an error sends (RFC 8446 §6.2).
//!
//! State code never sends alerts: it returns an [`Error`], and the connection asks
//! [`alert_for`] which alert to queue before closing.

use crate::error::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};
use crate::wire::AlertDescription;

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
        Error::ApiMisuse(
            ApiMisuse::ExporterOutputTooLong
            | ApiMisuse::WriteAfterClose
            | ApiMisuse::NoEarlyData
            | ApiMisuse::NoKeyUpdateInTls12,
        ) => return None,
        // RFC 8446 §5.2: a record that fails to deprotect → bad_record_mac.
        Error::DecryptFailed => A::BadRecordMac,
        // RFC 8446 §5.1/§5.2.
        Error::RecordOverflow => A::RecordOverflow,
        Error::Internal(_) | Error::Config(_) => A::InternalError,
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
                | ApiMisuse::NoEarlyData
                | ApiMisuse::NoKeyUpdateInTls12
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
        | P::NoContentType
        | P::UnprotectedRecord(_)
        | P::TooMuchEarlyData
        | P::HandshakeDataBeforeRetryAnswered
        | P::HandshakeDataBeforeFlightAnswered
        | P::TooManyEmptyRecords
        | P::TooManyWarningAlerts
        | P::TooManyKeyUpdates
        | P::EarlyDataBeyondLimit => A::UnexpectedMessage,
        // RFC 8446 §4.1.3/§4.1.4/§4.2: a field out of range or inconsistent.
        P::SelectedUnofferedCipherSuite
        | P::SelectedUnofferedGroup
        | P::UnofferedCertificateCurve
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
        | P::UnknownAlertLevel
        | P::IllegalExtension
        | P::IllegalKeyShare
        | P::SelectedUnofferedPsk
        | P::PskHashMismatch
        | P::IllegalEarlyDataAcceptance
        | P::TicketLifetimeTooLong
        | P::UncompressedPointsNotOffered
        | P::IllegalTls12ServerHello
        | P::EchoedSessionIdWithoutResumption
        | P::ResumedWithAnotherCipherSuite => A::IllegalParameter,
        // RFC 5746 §3.4, §3.6: a wrong renegotiation_info → handshake_failure.
        P::BadRenegotiationInfo => A::HandshakeFailure,
        // RFC 7627 §5.3: abort the (abbreviated) handshake; the RFC names no alert, and a
        // session the two sides cannot agree to resume is a handshake_failure.
        P::ResumedWithoutExtendedMasterSecret => A::HandshakeFailure,
        // RFC 7507 §3.
        P::InappropriateFallback => A::InappropriateFallback,
        // RFC 5246 §7.2.2: a certificate of the wrong type → unsupported_certificate.
        P::WrongCertificateKeyForSuite => A::UnsupportedCertificate,
        // RFC 8446 §4.2: an extension not allowed in that message → unsupported_extension.
        P::UnsolicitedExtension => A::UnsupportedExtension,
        // RFC 8446 §9.2: a mandatory extension missing → missing_extension.
        P::MissingExtension(_) => A::MissingExtension,
        // RFC 8446 §4.4.3/§4.4.4: signature or Finished check failed → decrypt_error.
        // RFC 8446 §4.2.11: a binder that does not validate → decrypt_error too.
        P::FinishedMismatch
        | P::BadCertificateVerifySignature
        | P::BadServerKeyExchangeSignature
        | P::BadPskBinder => A::DecryptError,
        // RFC 8446 §4.4.2.4: an empty server Certificate → decode_error.
        P::EmptyServerCertificate => A::DecodeError,
        // RFC 8446 §D.5: a hello claiming SSL 3.0 or older → protocol_version.
        P::ObsoleteLegacyVersion | P::WrongRecordVersion => A::ProtocolVersion,
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
        // RFC 8446 §6.2: certificate_unknown, "some other (unspecified) issue arose in
        // processing the certificate, rendering it unacceptable".
        P::BudgetExceeded | P::BadCrl { .. } | P::Refused { .. } => A::CertificateUnknown,
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
        P::NoCipherSuitesInCommon
        | P::NoGroupsInCommon
        | P::NoSignatureSchemesInCommon
        | P::CertificateCurveNotOffered => A::HandshakeFailure,
        // RFC 7301 §3.2.
        P::NoApplicationProtocol => A::NoApplicationProtocol,
        // RFC 8446 §4.4.2.4.
        P::CertificateRequired => A::CertificateRequired,
        // RFC 6066 §3.
        P::NoCertificateForName => A::UnrecognizedName,
        // RFC 5246 §7.2.2 / RFC 8446 §4.2.1: no version in common.
        // RFC 8446 §D.3: 0-RTT data sent, TLS 1.2 chosen: the connection fails.
        P::Tls12NotEnabled
        | P::NoVersionInCommon
        | P::ObsoleteVersion(_)
        | P::EarlyDataRefusedByTls12 => A::ProtocolVersion,
        // RFC 5246 §7.4.1.3: no acceptable suite; RFC 7627 §5.2; RFC 5746 §4.1 (the
        // client may abort); RFC 5246 §7.4.6 (a required certificate missing).
        P::OnlyInsecureCipherSuites
        | P::RsaKeyExchangeNotEnabled
        | P::ExtendedMasterSecretRequired
        | P::SecureRenegotiationNotSupported
        | P::ClientCertificateRequired => A::HandshakeFailure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{DecodeError, DecodeErrorKind};
    use AlertDescription as A;
    use PeerIncompatible as I;
    use PeerMisbehaved as P;

    /// Every error variant and the alert RFC 8446 §6.2 names for it.
    fn table() -> Vec<(Error, Option<AlertDescription>)> {
        let misbehaved = [
            (
                P::UnexpectedMessage {
                    expected: "x",
                    got: "y",
                },
                A::UnexpectedMessage,
            ),
            (P::IllegalChangeCipherSpec, A::UnexpectedMessage),
            (
                P::HandshakeMessageSplitAcrossKeyChange,
                A::UnexpectedMessage,
            ),
            (P::SelectedUnofferedCipherSuite, A::IllegalParameter),
            (P::SelectedUnofferedGroup, A::IllegalParameter),
            (P::UnofferedCertificateCurve, A::IllegalParameter),
            (P::SelectedUnofferedVersion, A::IllegalParameter),
            (P::WrongGroupForKeyShare, A::IllegalParameter),
            (P::InvalidKeyShare, A::IllegalParameter),
            (P::DowngradeMarkerPresent, A::IllegalParameter),
            (P::SessionIdNotEchoed, A::IllegalParameter),
            (P::NonNullCompression, A::IllegalParameter),
            (P::IllegalExtension, A::IllegalParameter),
            (P::IllegalKeyShare, A::IllegalParameter),
            (P::UnsolicitedExtension, A::UnsupportedExtension),
            (P::MissingExtension("key_share"), A::MissingExtension),
            (P::DuplicateHelloRetryRequest, A::UnexpectedMessage),
            (P::UselessHelloRetryRequest, A::IllegalParameter),
            (P::HelloRetryRequestWithOfferedGroup, A::IllegalParameter),
            (P::ServerHelloChangedAfterRetry, A::IllegalParameter),
            (P::IllegalClientHelloAfterRetry, A::IllegalParameter),
            (P::FinishedMismatch, A::DecryptError),
            (P::BadCertificateVerifySignature, A::DecryptError),
            (P::UnofferedSignatureScheme, A::IllegalParameter),
            (P::EmptyServerCertificate, A::DecodeError),
            (P::BadCertificateRequestContext, A::IllegalParameter),
            (P::SelectedUnofferedAlpnProtocol, A::IllegalParameter),
            (P::IllegalKeyUpdate, A::IllegalParameter),
            (P::DataAfterCloseNotify, A::UnexpectedMessage),
            (P::NoContentType, A::UnexpectedMessage),
            (
                P::UnprotectedRecord(crate::wire::ContentType::Handshake),
                A::UnexpectedMessage,
            ),
            (P::TooMuchEarlyData, A::UnexpectedMessage),
            (P::ObsoleteLegacyVersion, A::ProtocolVersion),
            (P::WrongRecordVersion, A::ProtocolVersion),
            (P::BadPskBinder, A::DecryptError),
            (P::SelectedUnofferedPsk, A::IllegalParameter),
            (P::PskHashMismatch, A::IllegalParameter),
            (P::IllegalEarlyDataAcceptance, A::IllegalParameter),
            (P::TicketLifetimeTooLong, A::IllegalParameter),
            (P::EarlyDataBeyondLimit, A::UnexpectedMessage),
            (P::BadRenegotiationInfo, A::HandshakeFailure),
            (P::BadServerKeyExchangeSignature, A::DecryptError),
            (P::InappropriateFallback, A::InappropriateFallback),
            (P::UncompressedPointsNotOffered, A::IllegalParameter),
            (P::WrongCertificateKeyForSuite, A::UnsupportedCertificate),
            (P::IllegalTls12ServerHello, A::IllegalParameter),
            (P::EchoedSessionIdWithoutResumption, A::IllegalParameter),
            (P::ResumedWithoutExtendedMasterSecret, A::HandshakeFailure),
            (P::ResumedWithAnotherCipherSuite, A::IllegalParameter),
        ];
        let incompatible = [
            (I::Tls13NotOffered, A::ProtocolVersion),
            (I::NoCipherSuitesInCommon, A::HandshakeFailure),
            (I::NoGroupsInCommon, A::HandshakeFailure),
            (I::NoSignatureSchemesInCommon, A::HandshakeFailure),
            (I::NoApplicationProtocol, A::NoApplicationProtocol),
            (I::CertificateRequired, A::CertificateRequired),
            (I::NoCertificateForName, A::UnrecognizedName),
            (I::Tls12NotEnabled, A::ProtocolVersion),
            (I::NoVersionInCommon, A::ProtocolVersion),
            (I::EarlyDataRefusedByTls12, A::ProtocolVersion),
            (
                I::ObsoleteVersion(crate::wire::ProtocolVersion::TLSv1_0),
                A::ProtocolVersion,
            ),
            (I::OnlyInsecureCipherSuites, A::HandshakeFailure),
            (I::RsaKeyExchangeNotEnabled, A::HandshakeFailure),
            (I::ExtendedMasterSecretRequired, A::HandshakeFailure),
            (I::SecureRenegotiationNotSupported, A::HandshakeFailure),
            (I::ClientCertificateRequired, A::HandshakeFailure),
            (I::CertificateCurveNotOffered, A::HandshakeFailure),
        ];
        let pki = |e: padlock_pki::Error, a| (Error::Certificate(e), Some(a));
        let mut table: Vec<(Error, Option<AlertDescription>)> = misbehaved
            .into_iter()
            .map(|(p, a)| (Error::PeerMisbehaved(p), Some(a)))
            .chain(
                incompatible
                    .into_iter()
                    .map(|(i, a)| (Error::PeerIncompatible(i), Some(a))),
            )
            .collect();
        table.extend([
            (
                Error::Decode(DecodeError::new("ClientHello", DecodeErrorKind::Truncated)),
                Some(A::DecodeError),
            ),
            (
                Error::Decode(DecodeError::new(
                    "ClientHello",
                    DecodeErrorKind::IllegalValue,
                )),
                Some(A::IllegalParameter),
            ),
            pki(
                padlock_pki::Error::UnknownIssuer {
                    issuer: "CN=x".into(),
                },
                A::UnknownCa,
            ),
            pki(
                padlock_pki::Error::Expired {
                    subject: "a".into(),
                    not_after: crate::UnixTime(1),
                    now: crate::UnixTime(2),
                },
                A::CertificateExpired,
            ),
            pki(
                padlock_pki::Error::NameMismatch {
                    presented: vec![],
                    expected: "b".into(),
                },
                A::BadCertificate,
            ),
            pki(
                padlock_pki::Error::EkuMissing {
                    subject: "a".into(),
                    purpose: "serverAuth",
                },
                A::UnsupportedCertificate,
            ),
            pki(
                padlock_pki::Error::Refused {
                    reason: "its key is not the pinned one".into(),
                },
                A::CertificateUnknown,
            ),
            (Error::AlertReceived(A::HandshakeFailure), None),
            (Error::AlertReceived(A::UnknownCa), None),
            (
                Error::Decode(DecodeError::new(
                    "Alert record",
                    DecodeErrorKind::EmptyFragment(crate::wire::ContentType::Alert),
                )),
                Some(A::UnexpectedMessage),
            ),
            (
                Error::Decode(DecodeError::new(
                    "certificate",
                    DecodeErrorKind::MessageTooLarge {
                        length: 70000,
                        max: 65536,
                    },
                )),
                Some(A::DecodeError),
            ),
            (Error::ApiMisuse(ApiMisuse::PlaintextBufferFull), None),
            (Error::ApiMisuse(ApiMisuse::WriteAfterClose), None),
            (Error::ApiMisuse(ApiMisuse::HandshakeNotComplete), None),
            (Error::ApiMisuse(ApiMisuse::ExporterOutputTooLong), None),
            (Error::ApiMisuse(ApiMisuse::NoEarlyData), None),
            (Error::ApiMisuse(ApiMisuse::NoKeyUpdateInTls12), None),
            (Error::DecryptFailed, Some(A::BadRecordMac)),
            (Error::RecordOverflow, Some(A::RecordOverflow)),
            (Error::Internal("x"), Some(A::InternalError)),
            (Error::Config("x"), Some(A::InternalError)),
        ]);
        table
    }

    #[test]
    fn every_error_maps_to_the_rfc_alert() {
        for (error, alert) in table() {
            assert_eq!(alert_for(&error), alert, "{error:?}");
        }
    }

    #[test]
    fn every_error_displays_as_a_sentence() {
        for (error, _) in table() {
            let text = error.to_string();
            assert!(text.len() > 10, "{error:?} → {text:?}");
            assert!(!text.contains("Unknown"), "{text}");
        }
    }

    #[test]
    fn an_obsolete_version_is_named_with_what_padlock_needs() {
        assert_eq!(
            Error::PeerIncompatible(I::ObsoleteVersion(crate::wire::ProtocolVersion::TLSv1_0))
                .to_string(),
            "the peer is incompatible: it offered only TLS 1.0; padlock needs TLS 1.2 or later"
        );
    }

    #[test]
    fn a_refused_certificate_reads_as_such() {
        assert_eq!(
            Error::AlertReceived(A::UnknownCa).to_string(),
            "the peer refused our certificate: unknown_ca"
        );
        assert_eq!(
            Error::AlertReceived(A::HandshakeFailure).to_string(),
            "the peer ended the connection with the alert handshake_failure"
        );
    }

    #[test]
    fn only_local_api_misuse_is_not_fatal() {
        assert!(!is_fatal(&Error::ApiMisuse(ApiMisuse::PlaintextBufferFull)));
        assert!(is_fatal(&Error::DecryptFailed));
    }
}
