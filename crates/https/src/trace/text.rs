//! The step-by-step text of `padlock get -v`.

use super::{Flow, RecordTally, Step};

/// One step as text lines: `>` sent, `<` received, `*` the client's own.
pub fn render_step(step: &Step) -> String {
    let mark = match step.flow {
        Flow::ToServer => "> ",
        Flow::ToClient => "< ",
        Flow::Client => "* ",
    };
    let mut out = String::new();
    out.push_str(mark);
    out.push_str(&step.title);
    if let Some(p) = &step.protection {
        out.push_str(&format!("  [{p}]"));
    }
    if step.bad {
        out.push_str("  FAILED");
    }
    out.push('\n');
    for d in &step.details {
        out.push_str("    ");
        out.push_str(d);
        out.push('\n');
    }
    out
}

/// One step as [`render_step`] does, then what it protects against (`-vv`).
pub fn render_step_explained(step: &Step) -> String {
    let mut out = render_step(step);
    if let Some(why) = step.why {
        out.push_str("    why: ");
        out.push_str(why);
        out.push('\n');
    }
    out
}

/// The record counts as [`render_records`] does, then what sequence numbers protect against.
pub fn render_records_explained(records: &RecordTally) -> String {
    let mut out = render_records(records);
    if !out.is_empty() {
        out.push_str("    why: ");
        out.push_str(super::why::RECORDS);
        out.push('\n');
    }
    out
}

/// Every step, then the record counts.
pub fn render(steps: &[Step], records: &RecordTally) -> String {
    let mut out: String = steps.iter().map(render_step).collect();
    out.push_str(&render_records(records));
    out
}

/// The record counts per direction and key phase, with sequence numbers.
pub fn render_records(records: &RecordTally) -> String {
    if records.sent.is_empty() && records.received.is_empty() {
        return String::new();
    }
    let mut out = String::from("* TLS records\n");
    for (who, list) in [("sent", &records.sent), ("received", &records.received)] {
        for (phase, count, first, last) in list {
            out.push_str(&format!(
                "    {who} {count} record(s) under {phase}, sequence numbers {first}..={last}\n"
            ));
        }
    }
    out
}

/// A ticket lifetime in a person's units: `7 days`, `12 hours`, `90 seconds`.
pub fn duration_words(secs: u32) -> String {
    let (n, unit) = match secs {
        s if s >= 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the epoch (proleptic Gregorian calendar).
pub fn date(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's civil_from_days.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_in_the_largest_whole_unit() {
        assert_eq!(duration_words(604_800), "7 days");
        assert_eq!(duration_words(43_200), "12 hours");
        assert_eq!(duration_words(60), "1 minute");
        assert_eq!(duration_words(61), "61 seconds");
    }

    #[test]
    fn formats_dates_in_utc() {
        assert_eq!(date(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(date(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(date(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
