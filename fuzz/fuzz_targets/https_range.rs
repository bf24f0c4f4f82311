//! The `Range` header parser of `padlock serve` (RFC 9110 §14): never panics; a satisfiable
//! answer lies inside the representation, comes only from a single `bytes=` range of digits,
//! and is stable (the range it chose, written back as a header, parses to itself).
//!
//! Input: one byte choosing the representation length, then the header value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_https::range::{parse, RangeRequest};

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
            assert!(is_single_bytes_range(value), "416 for {value:?}");
        }
        RangeRequest::Satisfiable { start, end } => {
            assert!(
                start <= end && end < len,
                "{start}-{end} of {len} from {value:?}"
            );
            assert!(is_single_bytes_range(value), "206 for {value:?}");
            let again = parse(&format!("bytes={start}-{end}"), len);
            assert_eq!(again, RangeRequest::Satisfiable { start, end });
        }
    }
});

/// `bytes=` (any case), then one range: digits, one `-`, spaces and tabs.
fn is_single_bytes_range(value: &str) -> bool {
    let value = value.trim_matches([' ', '\t']);
    let Some(unit) = value.get(..6) else {
        return false;
    };
    unit.eq_ignore_ascii_case("bytes=")
        && value[6..]
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b' ' | b'\t'))
        && value[6..].bytes().filter(|&b| b == b'-').count() == 1
}
