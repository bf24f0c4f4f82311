//! Fuzz path building: the input is split into certificates (2-byte big-endian length
//! prefixes); the first is the leaf, the second the trust anchor, the rest intermediates.
//! Never panics, and always ends within the signature-check budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_crypto::AwsLcProvider;
use padlock_pki::{verify_chain, RootStore, SubjectName, UnixTime, VerifyOptions};

fuzz_target!(|data: &[u8]| {
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && parts.len() < 32 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let body = &rest[2..];
        let n = n.min(body.len());
        parts.push(&body[..n]);
        rest = &body[n..];
    }
    let Some((leaf, others)) = parts.split_first() else {
        return;
    };
    let mut roots = RootStore::new();
    if let Some(anchor) = others.first() {
        let _ = roots.add_der(anchor);
    }
    let inters: Vec<&[u8]> = others.iter().skip(1).copied().collect();
    let name = SubjectName::parse("example.com").expect("valid name");
    let mut options = VerifyOptions::new(UnixTime(1_800_000_000));
    options.name = Some(&name);
    let _ = verify_chain(&AwsLcProvider, &roots, leaf, &inters, &options);
});
