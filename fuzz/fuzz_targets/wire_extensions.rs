//! Every extension block parser (RFC 8446 §4.2), chosen by the first byte:
//! decode → encode → decode is identical, and the §4.2 checks never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_tls::internal::wire::{
    CertificateEntryExtensions, CertificateRequestExtensions, ClientHelloExtensions, Codec,
    EncryptedExtensionsExtensions, ExtensionBlock, ExtensionType, HelloRetryRequestExtensions,
    NewSessionTicketExtensions, ServerHelloExtensions,
};

/// decode → encode → decode of a block of type `$t` (its values borrow the bytes).
macro_rules! check {
    ($t:ident, $data:expr) => {{
        let Ok(value) = $t::decode($data) else {
            return;
        };
        let encoded = value.to_vec();
        let again = $t::decode(&encoded).expect("our encoding must decode");
        assert_eq!(again, value);
        assert_eq!(again.to_vec(), encoded);
        let _ = value.check_allowed();
        let _ = value.first_unsolicited(&[ExtensionType::KeyShare]);
    }};
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, data)) = data.split_first() else {
        return;
    };
    match which % 7 {
        0 => check!(ClientHelloExtensions, data),
        1 => check!(ServerHelloExtensions, data),
        2 => check!(HelloRetryRequestExtensions, data),
        3 => check!(EncryptedExtensionsExtensions, data),
        4 => check!(CertificateRequestExtensions, data),
        5 => check!(CertificateEntryExtensions, data),
        _ => check!(NewSessionTicketExtensions, data),
    }
});
