//! Fuzz the strict DER certificate parser: never panics; whatever parses can be displayed
//! and re-parsed from its own bytes identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_pki::{crl::Crl, pem, Certificate};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::from_der(data) {
        let _ = cert.subject().to_string();
        let _ = cert.issuer().to_string();
        let _ = cert.label();
        let _ = cert.dns_names().count();
        let _ = cert.ip_addresses().count();
        let _ = cert.signature_algorithm().to_string();
        let again = Certificate::from_der(cert.der()).expect("re-parses");
        assert_eq!(again.subject(), cert.subject());
    }
    let _ = Crl::from_der(data);
    let _ = pem::parse_all(data);
});
