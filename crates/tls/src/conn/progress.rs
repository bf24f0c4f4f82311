//! Bounds on records that cost us work but move nothing forward.
//!
//! An empty application data record (RFC 8446 §5.1 allows them "as a traffic analysis
//! countermeasure"), a compatibility ChangeCipherSpec during the handshake (§5: dropped), a
//! warning user_canceled alert (§6.1) and a KeyUpdate (§4.6.3) are each
//! legal, but a peer that sends nothing else keeps us decrypting — and, for KeyUpdate,
//! deriving keys — forever without a byte of data. A peer may send a few in a row; past
//! these limits it is taken to be stalling us and the connection ends with
//! unexpected_message.

use crate::error::{Error, PeerMisbehaved};

/// Empty application data records in a row before the peer is refused.
pub(super) const MAX_EMPTY_RECORDS: u8 = 32;
/// Warning alerts (user_canceled) in a row before the peer is refused.
pub(super) const MAX_WARNING_ALERTS: u8 = 4;
/// KeyUpdates received without application data in between before the peer is refused.
pub(super) const MAX_KEY_UPDATES: u8 = 32;

/// Counts the records in a row that carried no progress, by kind.
#[derive(Debug, Default)]
pub(super) struct ProgressGuard {
    empty_records: u8,
    /// Compatibility ChangeCipherSpecs: they come only during the handshake, so this is
    /// never reset.
    change_cipher_specs: u8,
    warning_alerts: u8,
    key_updates: u8,
}

impl ProgressGuard {
    /// An application data record of `len` bytes of content arrived: data resets every
    /// count; an empty one counts, and, carrying no progress either, does not interrupt a
    /// run of warning alerts.
    pub(super) fn application_data(&mut self, len: usize) -> Result<(), Error> {
        if len > 0 {
            *self = Self {
                change_cipher_specs: self.change_cipher_specs,
                ..Self::default()
            };
            return Ok(());
        }
        bump(&mut self.empty_records, MAX_EMPTY_RECORDS)
            .ok_or(PeerMisbehaved::TooManyEmptyRecords.into())
    }

    /// A compatibility ChangeCipherSpec (RFC 8446 §5) arrived during the handshake:
    /// dropped, it carries nothing. At most [`MAX_EMPTY_RECORDS`] per handshake.
    pub(super) fn change_cipher_spec(&mut self) -> Result<(), Error> {
        bump(&mut self.change_cipher_specs, MAX_EMPTY_RECORDS)
            .ok_or(PeerMisbehaved::TooManyEmptyRecords.into())
    }

    /// A warning alert that does not end the connection arrived; it does not interrupt a
    /// run of empty records.
    pub(super) fn warning_alert(&mut self) -> Result<(), Error> {
        bump(&mut self.warning_alerts, MAX_WARNING_ALERTS)
            .ok_or(PeerMisbehaved::TooManyWarningAlerts.into())
    }

    /// A handshake record arrived; `key_updates` of its messages were KeyUpdates.
    pub(super) fn handshake(&mut self, key_updates: u32) -> Result<(), Error> {
        self.empty_records = 0;
        self.warning_alerts = 0;
        for _ in 0..key_updates {
            bump(&mut self.key_updates, MAX_KEY_UPDATES)
                .ok_or(Error::from(PeerMisbehaved::TooManyKeyUpdates))?;
        }
        Ok(())
    }
}

/// Adds one to `count`; `None` once it would exceed `max`.
fn bump(count: &mut u8, max: u8) -> Option<()> {
    if *count >= max {
        return None;
    }
    *count += 1;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_thirty_two_change_cipher_specs_and_refuses_the_thirty_third() {
        let mut guard = ProgressGuard::default();
        for _ in 0..MAX_EMPTY_RECORDS {
            guard.change_cipher_spec().unwrap();
        }
        // They do not use up the empty records' allowance.
        guard.application_data(0).unwrap();
        assert_eq!(
            guard.change_cipher_spec(),
            Err(PeerMisbehaved::TooManyEmptyRecords.into())
        );
    }

    #[test]
    fn allows_thirty_two_empty_records_in_a_row_and_refuses_the_thirty_third() {
        let mut guard = ProgressGuard::default();
        for _ in 0..MAX_EMPTY_RECORDS {
            guard.application_data(0).unwrap();
        }
        assert_eq!(
            guard.application_data(0),
            Err(PeerMisbehaved::TooManyEmptyRecords.into())
        );
    }

    #[test]
    fn empty_records_and_warning_alerts_alternating_still_count_each() {
        // A peer cannot dodge both limits by interleaving the two kinds.
        let mut guard = ProgressGuard::default();
        for _ in 0..MAX_WARNING_ALERTS {
            guard.application_data(0).unwrap();
            guard.warning_alert().unwrap();
        }
        assert_eq!(
            guard.warning_alert(),
            Err(PeerMisbehaved::TooManyWarningAlerts.into())
        );
        let mut guard = ProgressGuard::default();
        for _ in 0..MAX_EMPTY_RECORDS - 1 {
            guard.application_data(0).unwrap();
        }
        guard.warning_alert().unwrap();
        guard.application_data(0).unwrap();
        assert_eq!(
            guard.application_data(0),
            Err(PeerMisbehaved::TooManyEmptyRecords.into())
        );
    }

    #[test]
    fn data_resets_every_count() {
        let mut guard = ProgressGuard::default();
        for _ in 0..MAX_EMPTY_RECORDS {
            guard.application_data(0).unwrap();
        }
        guard.handshake(u32::from(MAX_KEY_UPDATES)).unwrap();
        guard.application_data(1).unwrap();
        guard.application_data(0).unwrap();
        guard.handshake(u32::from(MAX_KEY_UPDATES)).unwrap();
        assert_eq!(
            guard.handshake(1),
            Err(PeerMisbehaved::TooManyKeyUpdates.into())
        );
    }

    #[test]
    fn refuses_the_fifth_warning_alert_in_a_row_but_not_alerts_between_other_records() {
        let mut guard = ProgressGuard::default();
        for _ in 0..3 {
            for _ in 0..MAX_WARNING_ALERTS {
                guard.warning_alert().unwrap();
            }
            guard.handshake(0).unwrap();
        }
        for _ in 0..MAX_WARNING_ALERTS {
            guard.warning_alert().unwrap();
        }
        assert_eq!(
            guard.warning_alert(),
            Err(PeerMisbehaved::TooManyWarningAlerts.into())
        );
    }
}
