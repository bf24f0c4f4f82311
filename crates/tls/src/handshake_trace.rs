//! What the handshake states tell a [`Trace`](crate::trace::Trace): each message sent
//! or received, with a one-line summary of its main parameters.

use crate::certificate_chain::CertificateChain;
use crate::output::Output;
use crate::trace::{Direction, TraceEvent};
use crate::wire::extensions::ClientHelloExtensions;
use crate::wire::handshake::{ClientHello, HandshakePayload};
use crate::wire::NamedGroup;

/// Traces a received message with a summary of its main parameters.
pub(crate) fn trace_message(
    out: &dyn Output,
    direction: Direction,
    message: &HandshakePayload<'_>,
    len: usize,
) {
    let Some(t) = out.tracer() else { return };
    t.event(&TraceEvent::Message {
        direction,
        name: message.name(),
        len,
        summary: summarise(message),
    });
}

/// [`trace_message`] for a received ClientHello read unboxed (the server's first).
pub(crate) fn trace_client_hello(out: &dyn Output, hello: &ClientHello<'_>, len: usize) {
    let Some(t) = out.tracer() else { return };
    t.event(&TraceEvent::Message {
        direction: Direction::Received,
        name: crate::wire::enums::HandshakeType::ClientHello
            .name()
            .unwrap_or("client_hello"),
        len,
        summary: received_client_hello_summary(hello),
    });
}

/// Traces a message we send; `summary` is only built if someone listens.
pub(crate) fn trace_sent(
    out: &dyn Output,
    name: &'static str,
    len: usize,
    summary: impl FnOnce() -> String,
) {
    if let Some(t) = out.tracer() {
        t.event(&TraceEvent::Message {
            direction: Direction::Sent,
            name,
            len,
            summary: summary(),
        });
    }
}

fn summarise(message: &HandshakePayload<'_>) -> String {
    match message {
        HandshakePayload::ClientHello(ch) => received_client_hello_summary(ch),
        HandshakePayload::ServerHello(sh) if sh.extensions.supported_versions.is_none() => format!(
            "random={} version={} suite={}",
            hex(&sh.random),
            sh.legacy_version,
            sh.cipher_suite
        ),
        HandshakePayload::ServerHello(sh) => format!(
            "random={} suite={} group={:?}",
            hex(&sh.random),
            sh.cipher_suite,
            sh.extensions.key_share.as_ref().map(|k| k.group)
        ),
        HandshakePayload::HelloRetryRequest(hrr) => format!(
            "suite={} group={:?} cookie={}",
            hrr.cipher_suite,
            hrr.extensions.key_share,
            hrr.extensions.cookie.is_some()
        ),
        HandshakePayload::Certificate(c) => format!("{} certificate(s)", c.certificate_list.len()),
        HandshakePayload::Certificate12(c) => {
            format!("{} certificate(s)", c.certificate_list.len())
        }
        HandshakePayload::ServerKeyExchange(ske) => format!(
            "group={} scheme={}",
            ske.params.named_group, ske.signature.algorithm
        ),
        HandshakePayload::CertificateRequest12(cr) => format!(
            "schemes={:?}",
            cr.signature_algorithms
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        ),
        HandshakePayload::CertificateVerify(cv) => format!("scheme={}", cv.algorithm),
        HandshakePayload::KeyUpdate(k) => format!("{}", k.request_update),
        _ => String::new(),
    }
}

/// The trace summary of a ClientHello received.
fn received_client_hello_summary(ch: &ClientHello<'_>) -> String {
    format!(
        "random={} sni={:?} suites={:?} groups={:?} alpn={}",
        hex(&ch.random),
        ch.extensions.server_name,
        ch.cipher_suites
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        groups(&ch.extensions),
        offered_alpn(&ch.extensions),
    )
}

/// The trace summary of a ClientHello we send.
pub(crate) fn client_hello_summary(hello: &ClientHello<'_>) -> String {
    format!(
        "random={} suites={:?} groups={:?} key_share={:?} alpn={}",
        hex(&hello.random),
        hello
            .cipher_suites
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        groups(&hello.extensions),
        hello
            .extensions
            .key_share
            .iter()
            .flatten()
            .map(|k| k.group)
            .collect::<Vec<_>>(),
        offered_alpn(&hello.extensions),
    )
}

/// Traces the check of the peer's certificate chain (RFC 8446 §4.4.2.4), for either side;
/// the leaf is only parsed for its label if someone listens.
pub(crate) fn trace_certificate_check<T>(
    out: &dyn Output,
    chain: &CertificateChain,
    result: &Result<T, crate::Error>,
) {
    if let Some(t) = out.tracer() {
        t.event(&TraceEvent::CertificateCheck {
            subject: certificate_label(chain),
            chain_len: chain.len(),
            result: result.as_ref().map(|_| ()).map_err(|e| e.to_string()),
        });
    }
}

/// A short name for the leaf of `chain` (its first DNS name, IP or CN), for traces.
fn certificate_label(chain: &CertificateChain) -> String {
    chain
        .first()
        .and_then(|leaf| padlock_pki::Certificate::from_der(leaf).ok())
        .map_or_else(|| String::from("(unparsable certificate)"), |c| c.label())
}

/// A random (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) as lowercase hex, for traces.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// ALPN names as text, for traces.
/// A ClientHello's supported_groups, for a summary.
fn groups(extensions: &ClientHelloExtensions<'_>) -> Vec<NamedGroup> {
    extensions.supported_groups.iter().flatten().collect()
}

/// A ClientHello's ALPN protocol names, for a summary.
fn offered_alpn(extensions: &ClientHelloExtensions<'_>) -> String {
    let names: Vec<_> = extensions
        .alpn
        .iter()
        .flatten()
        .map(|name| name.0)
        .collect();
    alpn_list(&names)
}

pub(crate) fn alpn_list<T: AsRef<[u8]>>(names: &[T]) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|n| String::from_utf8_lossy(n.as_ref()).into_owned())
        .collect();
    format!("[{}]", names.join(","))
}
