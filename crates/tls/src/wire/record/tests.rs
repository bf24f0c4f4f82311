//! Deframer, fragmenter and handshake joiner tests.

use proptest::prelude::*;

use super::*;
use crate::wire::handshake::{Finished, HandshakePayload, KeyUpdate};
use crate::wire::KeyUpdateRequest;

fn record(content_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type, 3, 3];
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn finished(n: u8) -> Vec<u8> {
    HandshakePayload::Finished(Finished {
        verify_data: &[n; 32],
    })
    .to_vec()
}

#[test]
fn finds_records_in_place_without_copying() {
    let mut buf = record(22, b"hello");
    buf.extend_from_slice(&record(23, b"world!"));
    buf.extend_from_slice(&[23, 3, 3, 0]); // partial header
    let deframer = Deframer::new();
    let mut records = deframer.records(&buf);
    let first = records.next().unwrap().unwrap();
    assert_eq!(first.header.content_type, ContentType::Handshake);
    assert_eq!(&buf[first.payload.clone()], b"hello");
    assert_eq!(first.header_range, 0..5);
    let second = records.next().unwrap().unwrap();
    assert_eq!(second.header.content_type, ContentType::ApplicationData);
    assert_eq!(&buf[second.payload.clone()], b"world!");
    assert_eq!(&buf[second.header_range.clone()], &[23, 3, 3, 0, 6]);
    assert!(records.next().is_none());
    assert_eq!(records.consumed(), 10 + 11);
}

#[test]
fn waits_for_the_whole_record() {
    let buf = record(22, &[1; 100]);
    for cut in 0..buf.len() {
        assert_eq!(Deframer::new().peek(&buf[..cut]), Ok(None), "cut {cut}");
    }
    assert!(Deframer::new().peek(&buf).unwrap().is_some());
}

#[test]
fn rejects_plaintext_record_over_2_pow_14() {
    let header = [22, 3, 3, 0x40, 0x01];
    let err = Deframer::new().peek(&header).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::RecordOverflow {
            length: (1 << 14) + 1,
            max: 1 << 14
        }
    );
    assert_eq!(err.alert(), crate::wire::AlertDescription::RecordOverflow);
    // Exactly 2^14 is fine.
    let ok = record(22, &vec![0; 1 << 14]);
    assert!(Deframer::new().peek(&ok).unwrap().is_some());
}

#[test]
fn rejects_ciphertext_record_over_2_pow_14_plus_256() {
    let at_limit = [23, 3, 3, 0x41, 0x00];
    assert_eq!(Deframer::new().peek(&at_limit), Ok(None));
    let over = [23, 3, 3, 0x41, 0x01];
    assert!(matches!(
        Deframer::new().peek(&over).unwrap_err().kind,
        DecodeErrorKind::RecordOverflow { .. }
    ));
}

#[test]
fn honours_a_lower_record_size_limit() {
    let deframer = Deframer::new().with_max_plaintext_len(100);
    assert!(deframer.peek(&record(22, &[0; 101])).is_err());
    assert!(deframer.peek(&record(23, &[0; 356])).unwrap().is_some());
    assert!(deframer.peek(&record(23, &[0; 357])).is_err());
}

#[test]
fn rejects_unknown_content_type_from_the_first_byte() {
    let err = Deframer::new().peek(b"G").unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::UnknownContentType(ContentType::Unknown(b'G'))
    );
    assert_eq!(
        err.alert(),
        crate::wire::AlertDescription::UnexpectedMessage
    );
    assert!(Deframer::new().peek(&[24, 3, 3, 0, 0]).is_err());
    assert!(Deframer::new().peek(&[0]).is_err());
}

#[test]
fn records_iterator_stops_after_an_error() {
    let mut buf = record(22, b"ok");
    buf.extend_from_slice(&[99, 3, 3, 0, 0]);
    buf.extend_from_slice(&record(22, b"never"));
    let mut records = Deframer::new().records(&buf);
    assert!(records.next().unwrap().is_ok());
    assert!(records.next().unwrap().is_err());
    assert!(records.next().is_none());
}

#[test]
fn writes_plaintext_records_in_fragments() {
    let data = vec![7u8; 40_000];
    let mut out = Vec::new();
    write_plaintext_records(
        &mut out,
        ContentType::Handshake,
        ProtocolVersion::TLSv1_2,
        &data,
        MAX_PLAINTEXT_LEN,
    );
    let spans: Vec<_> = Deframer::new()
        .records(&out)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(spans.len(), 3);
    let joined: Vec<u8> = spans
        .iter()
        .flat_map(|s| out[s.payload.clone()].iter().copied())
        .collect();
    assert_eq!(joined, data);
}

#[test]
fn compatibility_change_cipher_spec_is_exactly_one_byte_of_1() {
    assert!(is_compatibility_change_cipher_spec(&[1]));
    assert!(!is_compatibility_change_cipher_spec(&[2]));
    assert!(!is_compatibility_change_cipher_spec(&[1, 1]));
    assert!(!is_compatibility_change_cipher_spec(&[]));
}

#[test]
fn joins_messages_coalesced_in_one_record() {
    let mut joiner = HandshakeJoiner::new();
    let mut payload = finished(1);
    payload.extend_from_slice(&finished(2));
    joiner.push(&payload).unwrap();
    let first = joiner.next_message().unwrap().unwrap();
    assert_eq!(first.raw, finished(1));
    assert!(!joiner.is_empty());
    assert!(!joiner.has_partial_message());
    let second = joiner.next_message().unwrap().unwrap();
    assert_eq!(second.raw, finished(2));
    assert!(joiner.next_message().unwrap().is_none());
    assert!(joiner.is_empty());
}

#[test]
fn joins_a_message_split_across_records() {
    let raw = finished(3);
    for split in 1..raw.len() {
        let mut joiner = HandshakeJoiner::new();
        joiner.push(&raw[..split]).unwrap();
        assert!(joiner.next_message().unwrap().is_none());
        assert!(joiner.has_partial_message());
        assert!(joiner.check_not_interleaved(ContentType::Handshake).is_ok());
        assert_eq!(
            joiner
                .check_not_interleaved(ContentType::ApplicationData)
                .unwrap_err()
                .kind,
            DecodeErrorKind::InterleavedContentType(ContentType::ApplicationData)
        );
        joiner.push(&raw[split..]).unwrap();
        assert_eq!(joiner.next_message().unwrap().unwrap().raw, raw);
        assert!(joiner.check_not_interleaved(ContentType::Alert).is_ok());
    }
}

#[test]
fn joins_byte_by_byte() {
    let raw = HandshakePayload::KeyUpdate(KeyUpdate {
        request_update: KeyUpdateRequest::update_requested,
    })
    .to_vec();
    let mut joiner = HandshakeJoiner::new();
    for (i, byte) in raw.iter().enumerate() {
        joiner.push(std::slice::from_ref(byte)).unwrap();
        let got = joiner.next_message().unwrap();
        assert_eq!(got.is_some(), i == raw.len() - 1);
    }
}

#[test]
fn rejects_oversized_message_as_soon_as_its_header_arrives() {
    let mut joiner = HandshakeJoiner::with_max_message_len(1000);
    let err = joiner.push(&[11, 0, 0x03, 0xe9]).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::MessageTooLarge {
            length: 1001,
            max: 1000
        }
    );
    assert_eq!(err.what, "certificate");
    // A too-large second message in the same record is caught too.
    let mut joiner = HandshakeJoiner::with_max_message_len(1000);
    let mut payload = finished(1);
    payload.extend_from_slice(&[11, 0xff, 0xff, 0xff]);
    assert!(joiner.push(&payload).is_err());
}

#[test]
fn rejects_empty_handshake_fragment() {
    let err = HandshakeJoiner::new().push(&[]).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::EmptyFragment(ContentType::Handshake)
    );
    // RFC 8446 §5.1 forbids sending it; the peer's message is out of place.
    assert_eq!(
        err.alert(),
        crate::wire::AlertDescription::UnexpectedMessage
    );
}

#[test]
fn keeps_its_buffer_during_the_handshake_and_releases_it_when_drained_after() {
    let mut joiner = HandshakeJoiner::new();
    joiner.push(&finished(1)).unwrap();
    joiner.next_message().unwrap().unwrap();
    assert!(joiner.next_message().unwrap().is_none());
    let kept = joiner.buf.capacity();
    assert!(kept >= finished(1).len());
    joiner.push(&finished(2)).unwrap();
    assert_eq!(joiner.buf.capacity(), kept);
    joiner.handshake_done();
    assert!(joiner.next_message().unwrap().is_some());
    assert!(joiner.next_message().unwrap().is_none());
    assert_eq!(joiner.buf.capacity(), 0);
    joiner.push(&finished(3)).unwrap();
    joiner.next_message().unwrap().unwrap();
    assert!(joiner.next_message().unwrap().is_none());
    assert_eq!(joiner.buf.capacity(), 0);
}

#[test]
fn lends_whole_messages_without_copying_them() {
    let mut joiner = HandshakeJoiner::new();
    let flight = [finished(1), finished(2)].concat();
    joiner.push(&flight).unwrap();
    assert_eq!(joiner.next_raw_message().unwrap(), Some(&finished(1)[..]));
    assert_eq!(joiner.next_raw_message().unwrap(), Some(&finished(2)[..]));
    assert_eq!(joiner.next_raw_message().unwrap(), None);
}

#[test]
fn accepts_a_client_hello_as_long_as_the_encoding_allows_only_when_asked() {
    let header = |len: usize| {
        let [_, a, b, c] = (len as u32).to_be_bytes();
        [1, a, b, c]
    };
    let mut server = HandshakeJoiner::new().with_max_client_hello_len(MAX_CLIENT_HELLO_LEN);
    server.push(&header(MAX_CLIENT_HELLO_LEN)).unwrap();
    let mut server = HandshakeJoiner::new().with_max_client_hello_len(MAX_CLIENT_HELLO_LEN);
    assert!(server.push(&header(MAX_CLIENT_HELLO_LEN + 1)).is_err());
    // Other messages keep the tight limit, and so does a ClientHello once refused.
    let mut server = HandshakeJoiner::new().with_max_client_hello_len(MAX_CLIENT_HELLO_LEN);
    assert!(server
        .push(&[11, 0x01, 0x00, 0x01])
        .is_err_and(|e| e.what == "certificate"));
    let mut server = HandshakeJoiner::new().with_max_client_hello_len(MAX_CLIENT_HELLO_LEN);
    server.refuse_large_client_hellos();
    assert!(server
        .push(&header(DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN + 1))
        .is_err());
    assert!(HandshakeJoiner::new()
        .push(&header(DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN + 1))
        .is_err());
}

proptest! {
    #[test]
    fn any_split_of_a_flight_yields_the_same_messages(
        cuts in proptest::collection::vec(1usize..40, 0..20),
    ) {
        let flight: Vec<u8> = (0..5).flat_map(finished).collect();
        let mut joiner = HandshakeJoiner::new();
        let mut got = Vec::new();
        let mut rest = &flight[..];
        for cut in cuts.into_iter().chain(std::iter::repeat(usize::MAX)) {
            if rest.is_empty() {
                break;
            }
            let (head, tail) = rest.split_at(cut.min(rest.len()));
            joiner.push(head).unwrap();
            while let Some(msg) = joiner.next_message().unwrap() {
                got.extend_from_slice(msg.raw);
            }
            rest = tail;
        }
        prop_assert_eq!(got, flight);
        prop_assert!(joiner.is_empty());
    }

    #[test]
    fn deframer_never_panics_and_spans_stay_in_bounds(
        data in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let mut records = Deframer::new().records(&data);
        for span in records.by_ref().flatten() {
            prop_assert!(span.payload.end <= data.len());
            prop_assert_eq!(span.payload.len(), usize::from(span.header.length));
        }
        prop_assert!(records.consumed() <= data.len());
    }
}
