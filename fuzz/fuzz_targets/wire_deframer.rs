//! The record deframer and handshake joiner (RFC 8446 §5.1): spans stay inside the
//! buffer, and handshake payloads fed to the joiner in any split yield the same messages
//! as feeding them whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_tls::wire::{ContentType, Deframer, HandshakeJoiner};

fuzz_target!(|data: &[u8]| {
    let mut records = Deframer::new().records(data);
    let mut joiner = HandshakeJoiner::new();
    let mut whole = Vec::new();
    let mut split_messages = Vec::new();
    'records: for span in records.by_ref() {
        let Ok(span) = span else { break };
        assert!(span.payload.end <= data.len());
        assert_eq!(span.payload.len(), usize::from(span.header.length));
        let payload = &data[span.payload.clone()];
        if span.header.content_type != ContentType::Handshake {
            if joiner
                .check_not_interleaved(span.header.content_type)
                .is_err()
            {
                break;
            }
            continue;
        }
        if joiner.push(payload).is_err() {
            break;
        }
        whole.extend_from_slice(payload);
        loop {
            match joiner.next_message() {
                Ok(Some(msg)) => split_messages.push(msg.raw),
                Ok(None) => break,
                Err(_) => break 'records,
            }
        }
    }
    assert!(records.consumed() <= data.len());

    // The same handshake bytes fed in one piece yield the same messages, in order.
    let mut one = HandshakeJoiner::new();
    if whole.is_empty() || one.push(&whole).is_err() {
        return;
    }
    let mut whole_messages = Vec::new();
    while let Ok(Some(msg)) = one.next_message() {
        whole_messages.push(msg.raw);
    }
    assert!(whole_messages.starts_with(&split_messages));
});
