//! The x509-limbo harness: reads a limbo file on stdin, runs each case through padlock's
//! validator, writes the result document on stdout.
//!
//! `cargo run --release -p padlock-pki --bin limbo-harness < limbo.json > out.json`

use std::io::Read;

use serde_json::{json, Value};

#[path = "../../limbo/case.rs"]
mod case;

fn main() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("limbo-harness: cannot read stdin: {e}");
        std::process::exit(2);
    }
    let doc: Value = match serde_json::from_str(&input) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("limbo-harness: not JSON: {e}");
            std::process::exit(2);
        }
    };
    let provider = padlock_crypto::AwsLcProvider;
    let results: Vec<Value> = doc["testcases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let (actual, context) = match case::run_case(&provider, c) {
                case::Outcome::Success => ("SUCCESS", Value::Null),
                case::Outcome::Failure(why) => ("FAILURE", Value::String(why)),
                case::Outcome::Skipped(why) => ("SKIPPED", Value::String(why)),
            };
            json!({"id": c["id"], "actual_result": actual, "context": context})
        })
        .collect();
    let out = json!({"version": 1, "harness": "padlock", "results": results});
    println!("{out}");
}
