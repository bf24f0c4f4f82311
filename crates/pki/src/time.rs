//! Time: seconds since the Unix epoch, and the two ASN.1 time forms of RFC 5280 §4.1.2.5.

use std::fmt;

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

impl UnixTime {
    /// The current system time.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self(secs)
    }

    /// Builds a time from a UTC civil date and time; `None` if a field is out of range or
    /// the moment is before 1970.
    pub fn from_civil(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
        u64::try_from(secs).ok().map(Self)
    }

    /// The civil date (year, month, day) and time (hour, minute, second) in UTC.
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = (self.0 / 86_400) as i64;
        let rem = self.0 % 86_400;
        let (y, mo, d) = civil_from_days(days);
        (
            y,
            mo,
            d,
            (rem / 3600) as u32,
            ((rem / 60) % 60) as u32,
            (rem % 60) as u32,
        )
    }

    /// Parses an RFC 3339 timestamp: `2026-01-01T00:00:00Z` or with a `+hh:mm` offset
    /// (fractional seconds are ignored), or a bare date `2026-01-01`.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = s.get(r)?;
            if !t.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            t.parse().ok()
        };
        let year = i64::from(num(0..4)?);
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let (month, day) = (num(5..7)?, num(8..10)?);
        if b.len() == 10 {
            return Self::from_civil(year, month, day, 0, 0, 0);
        }
        if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
            return None;
        }
        let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = s.get(19..)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            rest = frac.get(digits..)?;
        }
        let base = Self::from_civil(year, month, day, h, m, sec)?.0 as i64;
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let oh: i64 = rest.get(1..3)?.parse().ok()?;
                let om: i64 = rest.get(4..6)?.parse().ok()?;
                if rest.len() != 6 || rest.as_bytes().get(3) != Some(&b':') {
                    return None;
                }
                sign * (oh * 3600 + om * 60)
            }
        };
        u64::try_from(base - offset).ok().map(Self)
    }

    /// The date as `YYYY-MM-DD`.
    pub fn date(self) -> String {
        let (y, mo, d, ..) = self.to_civil();
        format!("{y:04}-{mo:02}-{d:02}")
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339, UTC: `2026-01-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// A human duration between two times: "3 days", "5 hours", "40 seconds".
pub fn human_duration(secs: u64) -> String {
    let (n, unit) = if secs >= 2 * 86_400 {
        (secs / 86_400, "days")
    } else if secs >= 2 * 3600 {
        (secs / 3600, "hours")
    } else if secs >= 120 {
        (secs / 60, "minutes")
    } else {
        (secs, "seconds")
    };
    if n == 1 {
        format!("1 {}", unit.trim_end_matches('s'))
    } else {
        format!("{n} {unit}")
    }
}

/// Parses the contents of a UTCTime (`YYMMDDHHMMSSZ`, RFC 5280 §4.1.2.5.1: years 50–99 are
/// 19xx, 00–49 are 20xx). Returns seconds since the epoch, possibly negative.
pub(crate) fn parse_utc_time(v: &[u8]) -> Option<i64> {
    if v.len() != 13 || v[12] != b'Z' {
        return None;
    }
    let yy = i64::from(two_digits(v, 0)?);
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    civil_secs(year, v, 2)
}

/// Parses the contents of a GeneralizedTime (`YYYYMMDDHHMMSSZ`, RFC 5280 §4.1.2.5.2: no
/// fractional seconds, always Zulu).
pub(crate) fn parse_generalized_time(v: &[u8]) -> Option<i64> {
    if v.len() != 15 || v[14] != b'Z' {
        return None;
    }
    let year = i64::from(two_digits(v, 0)?) * 100 + i64::from(two_digits(v, 2)?);
    civil_secs(year, v, 4)
}

/// MMDDHHMMSS at `at`, into seconds since the epoch (signed).
fn civil_secs(year: i64, v: &[u8], at: usize) -> Option<i64> {
    let month = two_digits(v, at)?;
    let day = two_digits(v, at + 2)?;
    let (h, m, s) = (
        two_digits(v, at + 4)?,
        two_digits(v, at + 6)?,
        two_digits(v, at + 8)?,
    );
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))
}

fn two_digits(v: &[u8], at: usize) -> Option<u32> {
    let a = *v.get(at)?;
    let b = *v.get(at + 1)?;
    if !a.is_ascii_digit() || !b.is_ascii_digit() {
        return None;
    }
    Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (era-based civil calendar arithmetic).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time_years_pivot_at_1950() {
        assert_eq!(parse_utc_time(b"700101000000Z"), Some(0));
        assert_eq!(parse_utc_time(b"491231235959Z"), Some(2_524_607_999));
        assert!(parse_utc_time(b"500101000000Z").unwrap() < 0);
    }

    #[test]
    fn generalized_time_parses_far_future() {
        let t = parse_generalized_time(b"99991231235959Z").unwrap();
        assert_eq!(UnixTime(t as u64).to_string(), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn rejects_invalid_dates_and_forms() {
        assert!(parse_utc_time(b"230230000000Z").is_none());
        assert!(parse_utc_time(b"230101000000").is_none());
        assert!(parse_utc_time(b"2301010000Z").is_none());
        assert!(parse_generalized_time(b"20230101000000.5Z").is_none());
        assert!(parse_generalized_time(b"20230101240000Z").is_none());
        assert!(parse_generalized_time(b"20000229000000Z").is_some());
        assert!(parse_generalized_time(b"19000229000000Z").is_none());
    }

    #[test]
    fn civil_conversion_round_trips() {
        for t in [
            0u64,
            951_782_400,
            1_767_225_600,
            4_102_444_800,
            253_402_300_799,
        ] {
            let (y, mo, d, h, mi, s) = UnixTime(t).to_civil();
            assert_eq!(UnixTime::from_civil(y, mo, d, h, mi, s), Some(UnixTime(t)));
        }
    }

    #[test]
    fn parses_rfc3339_with_offsets() {
        assert_eq!(
            UnixTime::parse_rfc3339("1970-01-01T00:00:03+00:00"),
            Some(UnixTime(3))
        );
        assert_eq!(
            UnixTime::parse_rfc3339("1970-01-01T01:00:00+01:00"),
            Some(UnixTime(0))
        );
        assert_eq!(
            UnixTime::parse_rfc3339("2026-01-01").unwrap().date(),
            "2026-01-01"
        );
        assert!(UnixTime::parse_rfc3339("2026-13-01T00:00:00Z").is_none());
    }

    #[test]
    fn human_durations_read_naturally() {
        assert_eq!(human_duration(3 * 86_400 + 5), "3 days");
        assert_eq!(human_duration(86_400), "24 hours");
        assert_eq!(human_duration(60), "60 seconds");
    }
}
