//! padlock's shim for BoringSSL's TLS test runner ("BoGo", `ssl/test/runner`).
//!
//! The runner starts the shim once per test with flags (`ssl/test/PORTING.md`,
//! `ssl/test/test_config.cc`); the shim connects back to the runner's port, sends its shim
//! id, runs a padlock client or server over that socket, echoes application data back
//! inverted, and reports success with exit code 0, failure with 1 (and the error on
//! stderr, which the runner matches through the shim config's `ErrorMap`), and a flag
//! padlock does not implement with 89 ("not applicable"). See the crate's README.

#![forbid(unsafe_code)]

pub mod accept;
pub mod credentials;
pub mod early_data;
pub mod flags;
pub mod shared;
pub mod shim;

use flags::Request;
pub use shim::EXIT_UNIMPLEMENTED;

/// Runs the shim on a command line (without the program name); returns the exit code.
/// What the runner reads (the probe's answer, errors) goes to stdout and stderr.
pub fn main_with_args(args: &[String]) -> i32 {
    let settings = match flags::parse(args) {
        Ok(Request::HandshakerProbe) => {
            println!("No");
            return 0;
        }
        Ok(Request::Run(settings)) => settings,
        Err(refusal) => {
            let failure = shim::Failure::Refused(refusal);
            eprintln!("{failure}");
            return failure.exit_code();
        }
    };
    match shim::run_test(args, &settings) {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("{failure}");
            failure.exit_code()
        }
    }
}
