//! The `Range` header parser of `padlock serve` (RFC 9110 §14): never panics; a satisfiable
//! answer lies inside the representation, comes only from a `bytes=` list of ranges of
//! digits, and is stable (the ranges it chose, written back as a header, parse to
//! themselves); several ranges are at most `MAX_RANGES` and add up to no more than the
//! representation.
//!
//! Input: one byte choosing the representation length, then the header value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_https::range::{parse, RangeRequest, MAX_RANGES};

const LENGTHS: [u64; 8] = [0, 1, 2, 10, 100, 65_536, u64::MAX - 1, u64::MAX];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, value)) = data.split_first() else {
        return;
    };
    let len = LENGTHS[usize::from(pick) % LENGTHS.len()];
    // What reaches the parser is `HeaderValue::to_str`: visible ASCII, spaces and tabs.
    if !value
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return;
    }
    let Ok(value) = std::str::from_utf8(value) else {
        return;
    };
    match parse(value, len) {
        RangeRequest::Whole => {}
        RangeRequest::Unsatisfiable => {
            assert!(is_bytes_ranges(value), "416 for {value:?}");
        }
        RangeRequest::Satisfiable { start, end } => {
            assert!(
                start <= end && end < len,
                "{start}-{end} of {len} from {value:?}"
            );
            assert!(is_bytes_ranges(value), "206 for {value:?}");
            let again = parse(&format!("bytes={start}-{end}"), len);
            assert_eq!(again, RangeRequest::Satisfiable { start, end });
        }
        RangeRequest::Multiple(ranges) => {
            assert!(is_bytes_ranges(value), "multipart for {value:?}");
            assert!((2..=MAX_RANGES).contains(&ranges.len()), "{ranges:?}");
            let mut total: u64 = 0;
            for &(start, end) in &ranges {
                assert!(
                    start <= end && end < len,
                    "{start}-{end} of {len} from {value:?}"
                );
                total = total.saturating_add(end - start + 1);
            }
            assert!(total <= len, "{ranges:?} add up to more than {len}");
            let list: Vec<String> = ranges.iter().map(|(s, e)| format!("{s}-{e}")).collect();
            let again = parse(&format!("bytes={}", list.join(",")), len);
            assert_eq!(again, RangeRequest::Multiple(ranges));
        }
    }
});

/// `bytes=` (any case), then ranges: digits, `-`, `,`, spaces and tabs.
fn is_bytes_ranges(value: &str) -> bool {
    let value = value.trim_matches([' ', '\t']);
    let Some(unit) = value.get(..6) else {
        return false;
    };
    unit.eq_ignore_ascii_case("bytes=")
        && value[6..]
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b',' | b' ' | b'\t'))
        && value[6..].contains('-')
}
