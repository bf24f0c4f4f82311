//! The alert parser (RFC 8446 §6): decode → encode is the identity on two bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_tls::internal::wire::{Alert, Codec};

fuzz_target!(|data: &[u8]| {
    if let Ok(alert) = Alert::decode(data) {
        assert_eq!(alert.to_vec(), data);
    }
});
