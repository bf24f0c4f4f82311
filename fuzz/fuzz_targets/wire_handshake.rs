//! Every handshake message parser (RFC 8446 §4): decode → encode → decode is identical,
//! and the decoded message keeps the input bytes for the transcript.
#![no_main]

use libfuzzer_sys::fuzz_target;
use padlock_tls::internal::wire::{Codec, HandshakeMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = HandshakeMessage::decode(data) else {
        return;
    };
    assert_eq!(msg.raw, data);
    let encoded = msg.payload.to_vec();
    let again = HandshakeMessage::decode(&encoded).expect("our encoding must decode");
    assert_eq!(again.payload, msg.payload);
    assert_eq!(again.payload.to_vec(), encoded);
});
