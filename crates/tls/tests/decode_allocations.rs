//! Decoding a handshake message allocates nothing (issue 15): every decoded type borrows
//! the bytes it came in, and a list is read in place each time it is walked. The one
//! allocation a decoder makes is the vector of the extensions a block keeps unparsed
//! (padding, GREASE, unknown ones, a TLS 1.2 ServerHello's), once per such block — and
//! the box of a ClientHello decoded as a `HandshakePayload` (a server reads its first
//! unboxed, with `ClientHello::decode_message`). A
//! state that keeps the peer's chain copies it in one allocation.
//!
//! Measured with a counting global allocator (`stats_alloc`), in one test so that no other
//! test allocates meanwhile.

use std::alloc::System;

use padlock_test_support::rfc8448::{Trace, SECTIONS};
use padlock_tls::internal::wire::{
    Asn1Cert, Certificate12, CertificateRequest12, CertificateVerify, ClientHello,
    ClientKeyExchange, Codec, HandshakePayload, List, NamedGroup, NewSessionTicket12,
    ServerEcdhParams, ServerKeyExchange, SignatureScheme,
};
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (and reallocations) so far.
fn allocations() -> usize {
    let s = GLOBAL.stats();
    s.allocations + s.reallocations
}

/// Decodes `message` with `decode` and walks every list it holds; the allocations made,
/// and the number of its extension blocks that keep extensions unparsed.
fn allocations_to_read(
    message: &[u8],
    decode: fn(&[u8]) -> HandshakePayload<'_>,
) -> (usize, usize) {
    let before = allocations();
    let payload = decode(message);
    let elements = walk(&payload);
    let made = allocations() - before;
    assert!(
        elements > 0 || message.len() < 64,
        "nothing read in {message:02x?}"
    );
    (made, blocks_keeping_extensions(&payload))
}

/// How many of `payload`'s extension blocks keep extensions they do not parse.
fn blocks_keeping_extensions(payload: &HandshakePayload<'_>) -> usize {
    let kept = match payload {
        HandshakePayload::ClientHello(ch) => !ch.extensions.other.is_empty(),
        HandshakePayload::ServerHello(sh) => !sh.extensions.other.is_empty(),
        HandshakePayload::HelloRetryRequest(hrr) => !hrr.extensions.other.is_empty(),
        HandshakePayload::EncryptedExtensions(ee) => !ee.extensions.other.is_empty(),
        HandshakePayload::CertificateRequest(cr) => !cr.extensions.other.is_empty(),
        HandshakePayload::NewSessionTicket(t) => !t.extensions.other.is_empty(),
        HandshakePayload::Certificate(c) => {
            return c
                .certificate_list
                .iter()
                .filter(|e| !e.extensions.other.is_empty())
                .count()
        }
        _ => false,
    };
    usize::from(kept)
}

/// Reads every element of the lists `payload` holds; how many there were.
fn walk(payload: &HandshakePayload<'_>) -> usize {
    match payload {
        HandshakePayload::ClientHello(ch) => {
            let exts = &ch.extensions;
            ch.cipher_suites.iter().count()
                + exts.supported_groups.iter().flatten().count()
                + exts.signature_algorithms.iter().flatten().count()
                + exts
                    .key_share
                    .iter()
                    .flatten()
                    .map(|s| s.key_exchange.len())
                    .sum::<usize>()
                + exts
                    .pre_shared_key
                    .iter()
                    .map(|p| p.identities.iter().count())
                    .sum::<usize>()
        }
        HandshakePayload::Certificate(c) => c.certificates().map(<[u8]>::len).sum(),
        HandshakePayload::Certificate12(c) => c.certificates().map(<[u8]>::len).sum(),
        HandshakePayload::CertificateRequest(cr) => {
            cr.extensions.signature_algorithms.iter().flatten().count()
        }
        HandshakePayload::CertificateRequest12(cr) => cr.signature_algorithms.iter().count(),
        HandshakePayload::EncryptedExtensions(ee) => {
            ee.extensions.supported_groups.iter().flatten().count()
        }
        HandshakePayload::NewSessionTicket(t) => t.ticket.len(),
        HandshakePayload::NewSessionTicket12(t) => t.ticket.len(),
        HandshakePayload::ServerKeyExchange(ske) => ske.signature.signature.len(),
        HandshakePayload::ClientKeyExchange(cke) => cke.body.len(),
        _ => 1,
    }
}

fn tls13(message: &[u8]) -> HandshakePayload<'_> {
    HandshakePayload::decode(message).expect("an RFC 8448 message decodes")
}

fn tls12(message: &[u8]) -> HandshakePayload<'_> {
    HandshakePayload::decode_tls12(message).expect("a TLS 1.2 message decodes")
}

/// The TLS 1.2 messages that differ from TLS 1.3's, as our encoders write them.
fn tls12_messages() -> Vec<Vec<u8>> {
    let (leaf, intermediate) = (vec![0x30; 600], vec![0x31; 900]);
    let signature = vec![0x30; 71];
    [
        HandshakePayload::Certificate12(Certificate12 {
            certificate_list: vec![Asn1Cert(&leaf), Asn1Cert(&intermediate)].into(),
        }),
        HandshakePayload::ServerKeyExchange(ServerKeyExchange {
            params: ServerEcdhParams {
                named_group: NamedGroup::x25519,
                public: &[9; 32],
            },
            signature: CertificateVerify {
                algorithm: SignatureScheme::ecdsa_secp256r1_sha256,
                signature: &signature,
            },
        }),
        HandshakePayload::CertificateRequest12(CertificateRequest12 {
            certificate_types: vec![64, 1].into(),
            signature_algorithms: List::from(&[
                SignatureScheme::ecdsa_secp256r1_sha256,
                SignatureScheme::rsa_pss_rsae_sha256,
            ]),
            certificate_authorities: List::default(),
        }),
        HandshakePayload::ClientKeyExchange(ClientKeyExchange { body: &[32; 33] }),
        HandshakePayload::NewSessionTicket12(NewSessionTicket12 {
            lifetime_hint: 7200,
            ticket: &[5; 200],
        }),
    ]
    .iter()
    .map(Codec::to_vec)
    .collect()
}

#[test]
fn decoding_handshake_messages_allocates_nothing() {
    let rfc8448: Vec<_> = SECTIONS
        .iter()
        .flat_map(|title| Trace::section(title).messages())
        .collect();
    assert!(rfc8448.len() > 30, "the RFC 8448 traces' messages");
    let mut keeping = 0;
    for message in &rfc8448 {
        let (made, blocks) = allocations_to_read(&message.bytes, tls13);
        // A ClientHello in a HandshakePayload is boxed; read as itself, it is not.
        let boxed = match ClientHello::decode_message(&message.bytes) {
            Ok(Some(_)) => {
                let before = allocations();
                let hello = ClientHello::decode_message(&message.bytes);
                assert_eq!(
                    allocations() - before,
                    blocks,
                    "reading RFC 8448's {} unboxed allocated",
                    message.name
                );
                drop(hello);
                1
            }
            _ => 0,
        };
        assert_eq!(
            made,
            blocks + boxed,
            "decoding RFC 8448's {} allocated",
            message.name
        );
        keeping += blocks;
    }
    // The resumption ClientHello (§4) is padded to 512 bytes: its padding is kept.
    assert!(keeping > 0, "no message here keeps an unparsed extension");
    for message in tls12_messages() {
        let (made, _) = allocations_to_read(&message, tls12);
        assert_eq!(
            made, 0,
            "decoding TLS 1.2 message type {} allocated",
            message[0]
        );
    }
    // What a state keeps of a Certificate, its chain, takes one allocation however many
    // certificates it holds.
    let mut chains = 0;
    for message in rfc8448.iter().map(|m| tls13(&m.bytes)) {
        if let HandshakePayload::Certificate(c) = message {
            assert_eq!(allocations_to_keep(|| c.to_chain()), 1, "RFC 8448's chain");
            chains += 1;
        }
    }
    let messages = tls12_messages();
    let HandshakePayload::Certificate12(two) = tls12(&messages[0]) else {
        panic!("the first TLS 1.2 message is a Certificate");
    };
    assert_eq!(two.certificates().len(), 2);
    assert_eq!(allocations_to_keep(|| two.to_chain()), 1, "a chain of two");
    assert!(chains > 0, "RFC 8448's traces hold a Certificate");
    let none = Certificate12 {
        certificate_list: List::default(),
    };
    let before = allocations();
    assert!(none.to_chain().is_empty());
    assert_eq!(allocations() - before, 0, "an empty chain");
}

/// The allocations `keep` makes for the chain it returns.
fn allocations_to_keep(keep: impl FnOnce() -> padlock_tls::CertificateChain) -> usize {
    let before = allocations();
    let chain = keep();
    let made = allocations() - before;
    assert!(!chain.is_empty());
    made
}
