//! The `Range` request header (RFC 9110 §14): one range, or several answered as
//! multipart/byteranges (RFC 9110 §14.6), as nginx does.

/// The most ranges one request may list; a longer list is answered with the whole
/// representation (RFC 9110 §14.2 lets a server ignore Range, and a list of many small or
/// overlapping ranges is a known way to make a server work hard).
pub const MAX_RANGES: usize = 16;

/// What a `Range` header asks of a representation of `len` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable Range header (absent, malformed, a unit other than bytes, more than
    /// [`MAX_RANGES`] ranges, or ranges adding up to more than the representation): serve
    /// the whole representation with 200, as RFC 9110 §14.2 allows.
    Whole,
    /// One satisfiable range: serve bytes `start..=end` with 206.
    Satisfiable {
        /// First byte, inclusive.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// Two or more satisfiable ranges, `(start, end)` inclusive, in the order asked: serve
    /// them with 206 as multipart/byteranges (RFC 9110 §14.6).
    Multiple(Vec<(u64, u64)>),
    /// Well-formed ranges of which none selects a byte: 416 (RFC 9110 §15.5.17).
    Unsatisfiable,
}

/// Interprets `header` (the Range value) against a representation of `len` bytes.
///
/// RFC 9110 §14.1.1: a comma-separated list of `first-last`, `first-` and `-suffix`. A
/// `last` past the end is clamped to the end; a `first` at or past the end selects nothing,
/// and such ranges are left out of a list (§14.1.1: the set is satisfiable when any range
/// is). The unit is case-insensitive (§14.1); positions are digits only (`1*DIGIT`); one
/// malformed range makes the whole header ignored.
pub fn parse(header: &str, len: u64) -> RangeRequest {
    let header = ows(header);
    let Some(spec) = header
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
        .and_then(|_| header.get(6..))
    else {
        return RangeRequest::Whole;
    };
    let mut ranges = Vec::new();
    let mut listed = 0;
    // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
    for one in spec.split(',').map(ows).filter(|s| !s.is_empty()) {
        listed += 1;
        if listed > MAX_RANGES {
            return RangeRequest::Whole;
        }
        match parse_one(one, len) {
            Err(Malformed) => return RangeRequest::Whole,
            Ok(None) => {}
            Ok(Some(range)) => ranges.push(range),
        }
    }
    let total = ranges.iter().fold(0u64, |sum, (start, end)| {
        sum.saturating_add(end - start + 1)
    });
    match ranges.as_slice() {
        [] if listed == 0 => RangeRequest::Whole,
        [] => RangeRequest::Unsatisfiable,
        [(start, end)] => RangeRequest::Satisfiable {
            start: *start,
            end: *end,
        },
        _ if total > len => RangeRequest::Whole,
        _ => RangeRequest::Multiple(ranges),
    }
}

/// A range spec that does not parse.
struct Malformed;

/// One `first-last`, `first-` or `-suffix`: `Ok(None)` when it selects no byte.
fn parse_one(spec: &str, len: u64) -> Result<Option<(u64, u64)>, Malformed> {
    let (first, last) = spec.split_once('-').ok_or(Malformed)?;
    let (first, last) = (ows(first), ows(last));
    if first.is_empty() {
        // Suffix range: the last `n` bytes.
        let n = position(last).ok_or(Malformed)?;
        if n == 0 || len == 0 {
            return Ok(None);
        }
        return Ok(Some((len.saturating_sub(n), len - 1)));
    }
    let start = position(first).ok_or(Malformed)?;
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match position(last) {
            Some(end) if end >= start => end,
            _ => return Err(Malformed), // invalid: last < first (§14.1.1)
        }
    };
    if start >= len {
        return Ok(None);
    }
    Ok(Some((start, end.min(len - 1))))
}

/// `s` without the optional whitespace (spaces and tabs, RFC 9110 §5.6.3) around it.
fn ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// A byte position: `1*DIGIT` (RFC 9110 §14.1.1), so no sign, unlike `u64::from_str`. A
/// number too large for a `u64` is no position either (the whole representation is served).
fn position(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_closed_range() {
        assert_eq!(
            parse("bytes=0-9", 100),
            RangeRequest::Satisfiable { start: 0, end: 9 }
        );
    }

    #[test]
    fn clamps_a_last_byte_past_the_end() {
        assert_eq!(
            parse("bytes=90-200", 100),
            RangeRequest::Satisfiable { start: 90, end: 99 }
        );
    }

    #[test]
    fn reads_open_and_suffix_ranges() {
        assert_eq!(
            parse("bytes=10-", 100),
            RangeRequest::Satisfiable { start: 10, end: 99 }
        );
        assert_eq!(
            parse("bytes=-10", 100),
            RangeRequest::Satisfiable { start: 90, end: 99 }
        );
        assert_eq!(
            parse("bytes=-1000", 100),
            RangeRequest::Satisfiable { start: 0, end: 99 }
        );
    }

    #[test]
    fn a_start_past_the_end_is_unsatisfiable() {
        assert_eq!(parse("bytes=100-", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse("bytes=-0", 100), RangeRequest::Unsatisfiable);
    }

    #[test]
    fn ignores_malformed_ranges() {
        assert_eq!(parse("bytes=5-2", 100), RangeRequest::Whole);
        assert_eq!(parse("items=0-1", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=x-", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=0-1,x", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=", 100), RangeRequest::Whole);
    }

    #[test]
    fn reads_several_ranges_in_the_order_asked() {
        assert_eq!(
            parse("bytes=20-29, 0-9", 100),
            RangeRequest::Multiple(vec![(20, 29), (0, 9)])
        );
        assert_eq!(
            parse("bytes=0-0,-1", 100),
            RangeRequest::Multiple(vec![(0, 0), (99, 99)])
        );
    }

    #[test]
    fn a_list_keeps_only_its_satisfiable_ranges() {
        assert_eq!(
            parse("bytes=0-9,200-300", 100),
            RangeRequest::Satisfiable { start: 0, end: 9 }
        );
        assert_eq!(
            parse("bytes=200-,300-400", 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            parse("bytes=,0-1,", 100),
            RangeRequest::Satisfiable { start: 0, end: 1 }
        );
    }

    #[test]
    fn too_many_or_too_much_overlap_is_answered_whole() {
        let many = (0..=MAX_RANGES)
            .map(|i| format!("{i}-{i}"))
            .collect::<Vec<_>>();
        assert_eq!(
            parse(&format!("bytes={}", many.join(",")), 100),
            RangeRequest::Whole
        );
        assert_eq!(parse("bytes=0-99,0-99", 100), RangeRequest::Whole);
    }

    #[test]
    fn positions_are_digits_only() {
        assert_eq!(parse("bytes=+5-", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=0-+9", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=-+9", 100), RangeRequest::Whole);
    }

    #[test]
    fn the_unit_is_case_insensitive() {
        assert_eq!(
            parse("Bytes=0-9", 100),
            RangeRequest::Satisfiable { start: 0, end: 9 }
        );
        assert_eq!(
            parse("BYTES=-1", 1),
            RangeRequest::Satisfiable { start: 0, end: 0 }
        );
    }

    #[test]
    fn a_header_cut_inside_a_multibyte_character_is_whole() {
        assert_eq!(parse("byt\u{e9}=0-1", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes\u{e9}0-1", 100), RangeRequest::Whole);
    }

    #[test]
    fn only_spaces_and_tabs_are_optional_whitespace() {
        assert_eq!(
            parse("\t bytes= 2 -\t3 ", 10),
            RangeRequest::Satisfiable { start: 2, end: 3 }
        );
        assert_eq!(parse("bytes=\u{b}2-2", 10), RangeRequest::Whole);
        assert_eq!(parse("\u{a0}bytes=2-2", 10), RangeRequest::Whole);
    }
}
