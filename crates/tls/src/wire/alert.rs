//! The alert message (RFC 8446 §6).

use std::fmt;

use crate::wire::codec::{Codec, DecodeError, Reader};
use crate::wire::enums::{AlertDescription, AlertLevel};

/// `struct { AlertLevel level; AlertDescription description; } Alert;` (RFC 8446 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Alert {
    /// warning or fatal. In TLS 1.3 the level carries no meaning except for close_notify
    /// and user_canceled; every other alert is fatal whatever its level (§6).
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert (every error alert in TLS 1.3, §6.2).
    pub const fn fatal(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Fatal,
            description,
        }
    }

    /// close_notify, sent as a warning (§6.1).
    pub const fn close_notify() -> Self {
        Self {
            level: AlertLevel::Warning,
            description: AlertDescription::CloseNotify,
        }
    }
}

impl Codec<'_> for Alert {
    fn encode(&self, out: &mut Vec<u8>) {
        self.level.encode(out);
        self.description.encode(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            level: AlertLevel::from_wire(r.u8("Alert.level")?),
            description: AlertDescription::from_wire(r.u8("Alert.description")?),
        })
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} alert {}", self.level, self.description)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::DecodeErrorKind;

    #[test]
    fn alert_round_trips() {
        let alert = Alert::fatal(AlertDescription::HandshakeFailure);
        assert_eq!(alert.to_vec(), [2, 40]);
        assert_eq!(Alert::decode(&[2, 40]).unwrap(), alert);
        assert_eq!(Alert::close_notify().to_vec(), [1, 0]);
    }

    #[test]
    fn rejects_alert_of_wrong_length() {
        assert_eq!(
            Alert::decode(&[2]).unwrap_err().kind,
            DecodeErrorKind::Truncated
        );
        assert_eq!(
            Alert::decode(&[2, 40, 0]).unwrap_err().kind,
            DecodeErrorKind::TrailingBytes { count: 1 }
        );
    }

    #[test]
    fn unknown_alert_values_decode() {
        let alert = Alert::decode(&[7, 200]).unwrap();
        assert_eq!(alert.level, AlertLevel::Unknown(7));
        assert_eq!(alert.description, AlertDescription::Unknown(200));
    }
}
