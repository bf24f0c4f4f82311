//! The `Range` request header, single byte range only (RFC 9110 §14).

/// What a `Range` header asks of a representation of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable Range header (absent, malformed, a unit other than bytes, or several
    /// ranges): serve the whole representation with 200, as RFC 9110 §14.2 allows.
    Whole,
    /// One satisfiable range: serve bytes `start..=end` with 206.
    Satisfiable {
        /// First byte, inclusive.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// A well-formed range that selects no byte: 416 (RFC 9110 §15.5.17).
    Unsatisfiable,
}

/// Interprets `header` (the Range value) against a representation of `len` bytes.
///
/// RFC 9110 §14.1.1: `bytes=first-last`, `bytes=first-`, `bytes=-suffix`. A `last` past the
/// end is clamped to the end (§14.1.1); a `first` at or past the end is unsatisfiable. The
/// unit is case-insensitive (§14.1); positions are digits only (`1*DIGIT`).
pub fn parse(header: &str, len: u64) -> RangeRequest {
    let header = ows(header);
    let Some(spec) = header
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
        .and_then(|_| header.get(6..))
    else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = ows(spec).split_once('-') else {
        return RangeRequest::Whole;
    };
    let (first, last) = (ows(first), ows(last));
    if first.is_empty() {
        // Suffix range: the last `n` bytes.
        let Some(n) = position(last) else {
            return RangeRequest::Whole;
        };
        if n == 0 || len == 0 {
            return RangeRequest::Unsatisfiable;
        }
        return RangeRequest::Satisfiable {
            start: len.saturating_sub(n),
            end: len - 1,
        };
    }
    let Some(start) = position(first) else {
        return RangeRequest::Whole;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match position(last) {
            Some(end) if end >= start => end,
            _ => return RangeRequest::Whole, // invalid: last < first (§14.1.1)
        }
    };
    if start >= len {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Satisfiable {
        start,
        end: end.min(len - 1),
    }
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
    fn ignores_malformed_and_multiple_ranges() {
        assert_eq!(parse("bytes=5-2", 100), RangeRequest::Whole);
        assert_eq!(parse("items=0-1", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=0-1,5-6", 100), RangeRequest::Whole);
        assert_eq!(parse("bytes=x-", 100), RangeRequest::Whole);
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
