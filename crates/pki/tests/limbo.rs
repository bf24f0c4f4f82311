//! Runs padlock's validator over the x509-limbo testcases vendored in `x509-limbo/` (gzipped;
//! origin and licence in its README) and checks every result against the expected one,
//! allowing only the divergences listed (with reasons) in `limbo-exceptions.txt`.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use flate2::read::GzDecoder;
use serde_json::Value;

#[path = "../limbo/case.rs"]
mod case;

fn limbo_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/x509-limbo/limbo-dev.json.gz")
}

/// The vendored testcases, decompressed. A missing or damaged file fails the test.
fn limbo_json() -> String {
    let path = limbo_file();
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "the vendored x509-limbo file {} cannot be opened: {e}",
            path.display()
        )
    });
    let mut text = String::new();
    GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{} does not decompress: {e}", path.display()));
    text
}

fn exceptions() -> HashMap<String, String> {
    let text = include_str!("limbo-exceptions.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, '|');
            let id = parts.next()?.trim().to_string();
            let what = parts.next()?.trim().to_string();
            let why = parts.next()?.trim();
            assert!(!why.is_empty(), "exception {id} has no reason");
            Some((id, what))
        })
        .collect()
}

#[test]
fn limbo_results_match_expectations_with_listed_exceptions_only() {
    let text = limbo_json();
    let doc: Value = serde_json::from_str(&text).expect("limbo file is JSON");
    let cases = doc["testcases"].as_array().expect("testcases array");
    // The vendored dev split has 6,846 cases: a truncated file must not pass on fewer.
    assert_eq!(
        cases.len(),
        6846,
        "testcases in the vendored x509-limbo file"
    );
    let exceptions = exceptions();
    let provider = padlock_crypto::AwsLcProvider;
    let (mut passed, mut false_accepts, mut skipped) = (0usize, Vec::new(), 0usize);
    let mut unexpected = Vec::new();
    let mut now_agreeing = Vec::new();
    for c in cases {
        let id = c["id"].as_str().unwrap_or_default().to_string();
        let expected_success = c["expected_result"] == "SUCCESS";
        let outcome = case::run_case(&provider, c);
        let agrees = match &outcome {
            case::Outcome::Success => expected_success,
            case::Outcome::Failure(_) => !expected_success,
            case::Outcome::Skipped(_) => false,
        };
        match &outcome {
            case::Outcome::Skipped(_) => skipped += 1,
            case::Outcome::Success if !expected_success => false_accepts.push(id.clone()),
            _ => {}
        }
        if agrees {
            passed += 1;
            if exceptions.contains_key(&id) {
                now_agreeing.push(id);
            }
        } else if !exceptions.contains_key(&id) {
            unexpected.push(format!(
                "{id}: expected {}, got {outcome:?}",
                c["expected_result"]
            ));
        }
    }
    let total = cases.len();
    let rate = passed as f64 / total as f64 * 100.0;
    eprintln!(
        "x509-limbo: {passed}/{total} passed ({rate:.2}%), {} false accepts ({false_accepts:?}), {skipped} skipped",
        false_accepts.len()
    );
    if !now_agreeing.is_empty() {
        eprintln!("listed exceptions that now agree (remove them): {now_agreeing:?}");
    }
    assert!(
        unexpected.is_empty(),
        "unlisted divergences:\n{}",
        unexpected.join("\n")
    );
    for id in &false_accepts {
        assert!(exceptions.contains_key(id), "unlisted false accept {id}");
    }
    assert!(rate >= 99.5, "pass rate {rate:.2}% is under 99.5%");
}
