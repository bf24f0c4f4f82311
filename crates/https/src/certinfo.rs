//! Reading the few certificate fields the HTTP layer shows: the subject of a client
//! certificate for the upstream header and the access log.

/// The subject of a DER certificate as text (`CN=alice, O=Example`), if it parses.
pub fn subject_of(_der: &[u8]) -> Option<String> {
    // Wired to padlock_pki::Certificate once the X.509 module lands.
    None
}
