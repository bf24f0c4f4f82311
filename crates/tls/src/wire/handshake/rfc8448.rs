//! The handshake messages of the RFC 8448 traces, for the tests: parsed from the RFC's text
//! (vendored in `padlock-test-support`), not copied by hand.

use padlock_test_support::rfc8448::{Trace, RESUMED, SECTIONS, SIMPLE};

/// RFC 8448 §3: the message `name` that `side` (`"client"`, `"server"`) constructs.
fn simple(side: &str, name: &str) -> Vec<u8> {
    Trace::section(SIMPLE).message(side, name)
}

/// RFC 8448 §3: ClientHello (196 octets).
pub(crate) fn client_hello() -> Vec<u8> {
    simple("client", "ClientHello")
}

/// RFC 8448 §3: ServerHello (90 octets).
pub(crate) fn server_hello() -> Vec<u8> {
    simple("server", "ServerHello")
}

/// RFC 8448 §3: EncryptedExtensions (40 octets).
pub(crate) fn encrypted_extensions() -> Vec<u8> {
    simple("server", "EncryptedExtensions")
}

/// RFC 8448 §3: Certificate (445 octets).
pub(crate) fn certificate() -> Vec<u8> {
    simple("server", "Certificate")
}

/// RFC 8448 §3: CertificateVerify (136 octets).
pub(crate) fn certificate_verify() -> Vec<u8> {
    simple("server", "CertificateVerify")
}

/// RFC 8448 §3: the server's Finished (36 octets).
pub(crate) fn server_finished() -> Vec<u8> {
    simple("server", "Finished")
}

/// RFC 8448 §3: NewSessionTicket (205 octets).
pub(crate) fn new_session_ticket() -> Vec<u8> {
    simple("server", "NewSessionTicket")
}

/// The handshake messages of RFC 8448 §4–§7, as (section, name, bytes): `("§5",
/// "ServerHello", …)`.
pub(crate) fn more() -> Vec<(String, String, Vec<u8>)> {
    SECTIONS[1..]
        .iter()
        .flat_map(|title| {
            let section = format!("§{}", &title[..1]);
            Trace::section(title)
                .messages()
                .into_iter()
                .map(move |m| (section.clone(), m.name, m.bytes))
        })
        .collect()
}

/// RFC 8448 §4: the resumption ClientHello up to its binders ("ClientHello prefix").
pub(crate) fn resumption_client_hello_prefix() -> Vec<u8> {
    Trace::section(RESUMED)
        .value("{client}  calculate PSK binder", "ClientHello prefix")
        .to_vec()
}
