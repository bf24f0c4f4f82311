use padlock_crypto::AwsLcProvider;

use super::*;

const ALERT: ContentType = ContentType::Alert;
const APPLICATION_DATA: ContentType = ContentType::ApplicationData;
const HANDSHAKE: ContentType = ContentType::Handshake;

/// Keys for `aead` made of one repeated byte.
fn keys(aead: AeadAlgorithm, byte: u8) -> RecordKeys {
    RecordKeys::new(aead, &vec![byte; aead.key_len()], &[byte; NONCE_LEN]).unwrap()
}

fn pair(aead: AeadAlgorithm) -> (RecordSealer, RecordOpener) {
    let p = AwsLcProvider;
    let mut sealer = RecordSealer::new();
    let mut opener = RecordOpener::new();
    sealer.install(&p, &keys(aead, 1)).unwrap();
    opener.install(&p, &keys(aead, 1)).unwrap();
    (sealer, opener)
}

fn open(
    opener: &mut RecordOpener,
    record: &mut [u8],
) -> Result<(ContentType, Vec<u8>), RecordError> {
    let opened = opener.open_in_place(record)?;
    Ok((opened.content_type, record[opened.content].to_vec()))
}

#[test]
fn round_trips_every_aead() {
    for aead in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ] {
        let (mut sealer, mut opener) = pair(aead);
        for (i, payload) in [&b"hello"[..], b"", &[7u8; MAX_PLAINTEXT_LEN]]
            .iter()
            .enumerate()
        {
            let mut buf = Vec::new();
            sealer
                .seal_append(APPLICATION_DATA, payload, &mut buf)
                .unwrap();
            assert_eq!(buf.len(), payload.len() + PROTECTED_OVERHEAD);
            assert_eq!(&buf[..3], &[APPLICATION_DATA.to_wire(), 3, 3]);
            if !payload.is_empty() {
                assert_ne!(
                    &buf[RECORD_HEADER_LEN..RECORD_HEADER_LEN + payload.len()],
                    *payload
                );
            }
            let (ty, content) = open(&mut opener, &mut buf).unwrap();
            assert_eq!((ty, content.as_slice()), (APPLICATION_DATA, *payload));
            assert_eq!(opener.sequence_number(), i as u64 + 1);
        }
    }
}

#[test]
fn hides_the_inner_content_type_behind_application_data() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::new();
    sealer
        .seal_append(HANDSHAKE, b"\x14\x00\x00\x00", &mut buf)
        .unwrap();
    assert_eq!(buf[0], APPLICATION_DATA.to_wire());
    assert_eq!(open(&mut opener, &mut buf).unwrap().0, HANDSHAKE);
}

#[test]
fn seals_several_records_into_one_buffer_and_in_place() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::ChaCha20Poly1305);
    let mut buf = b"prefix".to_vec();
    sealer.seal_append(ALERT, &[1, 0], &mut buf).unwrap();
    let second = buf.len();
    buf.extend_from_slice(&[0; RECORD_HEADER_LEN]);
    buf.extend_from_slice(b"in place");
    sealer
        .seal_in_place(APPLICATION_DATA, &mut buf, second)
        .unwrap();
    assert_eq!(&buf[..6], b"prefix");
    assert_eq!(
        open(&mut opener, &mut buf[6..second]).unwrap(),
        (ALERT, vec![1, 0])
    );
    assert_eq!(
        open(&mut opener, &mut buf[second..]).unwrap(),
        (APPLICATION_DATA, b"in place".to_vec())
    );
}

#[test]
fn rejects_a_tampered_record_as_bad_record_mac() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes256Gcm);
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"attack at dawn", &mut buf)
        .unwrap();
    for at in [RECORD_HEADER_LEN, buf.len() - 1] {
        let mut tampered = buf.clone();
        tampered[at] ^= 0x80;
        let mut fresh = pair(AeadAlgorithm::Aes256Gcm).1;
        assert_eq!(
            open(&mut fresh, &mut tampered),
            Err(RecordError::BadRecordMac)
        );
    }
    // The header is additional data: changing its version breaks authentication too.
    let mut tampered = buf.clone();
    tampered[2] = 1;
    assert_eq!(
        open(&mut opener, &mut tampered),
        Err(RecordError::BadRecordMac)
    );
}

#[test]
fn rejects_a_record_replayed_or_out_of_order() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut first = Vec::new();
    let mut second = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"one", &mut first)
        .unwrap();
    sealer
        .seal_append(APPLICATION_DATA, b"two", &mut second)
        .unwrap();
    assert_eq!(
        open(&mut opener, &mut second),
        Err(RecordError::BadRecordMac)
    );
}

#[test]
fn rejects_a_record_under_the_wrong_key() {
    let p = AwsLcProvider;
    let (mut sealer, _) = pair(AeadAlgorithm::Aes128Gcm);
    let mut opener = RecordOpener::new();
    opener
        .install(&p, &keys(AeadAlgorithm::Aes128Gcm, 2))
        .unwrap();
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"x", &mut buf)
        .unwrap();
    assert_eq!(open(&mut opener, &mut buf), Err(RecordError::BadRecordMac));
}

#[test]
fn strips_padding_to_find_the_content_type() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::new();
    sealer
        .seal_append_padded(HANDSHAKE, b"msg\0\0", 100, &mut buf)
        .unwrap();
    assert_eq!(buf.len(), PROTECTED_OVERHEAD + 5 + 100);
    // Zeros inside the content survive: only those after the type are padding.
    assert_eq!(
        open(&mut opener, &mut buf).unwrap(),
        (HANDSHAKE, b"msg\0\0".to_vec())
    );
}

#[test]
fn rejects_an_all_zero_inner_plaintext() {
    let p = AwsLcProvider;
    let (_, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    // Seal zeros with no content type, as a misbehaving peer would.
    let mut raw = RecordSealer::new();
    raw.install(&p, &keys(AeadAlgorithm::Aes128Gcm, 1)).unwrap();
    let mut buf = Vec::new();
    raw.seal_append_padded(ContentType::from_wire(0), b"", 10, &mut buf)
        .unwrap();
    assert_eq!(open(&mut opener, &mut buf), Err(RecordError::NoContentType));
}

/// Seals `inner` (a whole TLSInnerPlaintext) as the next record, bypassing the sealer's
/// own limits, as a misbehaving peer would.
fn seal_raw(sealer: &mut RecordSealer, inner: &[u8]) -> Vec<u8> {
    let state = sealer.state.as_mut().unwrap();
    let nonce = state.next_nonce(true).unwrap();
    let mut buf = vec![0; RECORD_HEADER_LEN];
    buf.extend_from_slice(inner);
    write_header(&mut buf, 0, APPLICATION_DATA, inner.len() + TAG_LEN);
    let (header, body) = buf.split_at_mut(RECORD_HEADER_LEN);
    let tag = state.key.seal_in_place(&nonce, header, body).unwrap();
    buf.extend_from_slice(&tag);
    state.seq += 1;
    buf
}

#[test]
fn rejects_an_inner_plaintext_padded_past_the_limit() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    // Content, type and padding: 2^14 + 1 is the most §5.4 allows.
    let mut inner = b"fine".to_vec();
    inner.push(HANDSHAKE.to_wire());
    inner.resize(MAX_PLAINTEXT_LEN + 1, 0);
    let mut record = seal_raw(&mut sealer, &inner);
    assert_eq!(
        open(&mut opener, &mut record).unwrap(),
        (HANDSHAKE, b"fine".to_vec())
    );
    inner.push(0);
    let mut record = seal_raw(&mut sealer, &inner);
    assert_eq!(
        open(&mut opener, &mut record),
        Err(RecordError::PlaintextTooLong)
    );
}

#[test]
fn rejects_oversized_content_after_decryption() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::ChaCha20Poly1305);
    // A peer that puts 2^14 + 1 content bytes in one record (padding-free, so the
    // ciphertext stays within 2^14 + 256).
    let mut inner = vec![9; MAX_PLAINTEXT_LEN + 1];
    inner.push(APPLICATION_DATA.to_wire());
    let mut record = seal_raw(&mut sealer, &inner);
    assert_eq!(
        open(&mut opener, &mut record),
        Err(RecordError::PlaintextTooLong)
    );
}

#[test]
fn never_seals_an_inner_plaintext_past_the_limit() {
    let (mut sealer, _) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::new();
    sealer
        .seal_append_padded(APPLICATION_DATA, b"abc", MAX_PLAINTEXT_LEN - 3, &mut buf)
        .unwrap();
    assert_eq!(
        sealer.seal_append_padded(APPLICATION_DATA, b"abc", MAX_PLAINTEXT_LEN - 2, &mut buf),
        Err(RecordError::PayloadTooLong)
    );
}

#[test]
fn rejects_oversized_ciphertext_before_decrypting() {
    let (_, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = vec![0u8; RECORD_HEADER_LEN + MAX_CIPHERTEXT_LEN + 1];
    write_header(&mut buf, 0, APPLICATION_DATA, MAX_CIPHERTEXT_LEN + 1);
    assert_eq!(
        open(&mut opener, &mut buf),
        Err(RecordError::CiphertextTooLong)
    );
    assert_eq!(opener.sequence_number(), 0);
}

#[test]
fn rejects_oversized_plaintext_records() {
    let mut opener = RecordOpener::new();
    let mut buf = vec![0u8; RECORD_HEADER_LEN + MAX_PLAINTEXT_LEN + 1];
    write_header(&mut buf, 0, HANDSHAKE, MAX_PLAINTEXT_LEN + 1);
    assert_eq!(
        open(&mut opener, &mut buf),
        Err(RecordError::PlaintextTooLong)
    );
}

#[test]
fn refuses_to_seal_more_than_a_record_holds() {
    let (mut sealer, _) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = b"keep".to_vec();
    assert_eq!(
        sealer.seal_append(APPLICATION_DATA, &[0; MAX_PLAINTEXT_LEN + 1], &mut buf),
        Err(RecordError::PayloadTooLong)
    );
    assert_eq!(
        sealer.seal_append_padded(APPLICATION_DATA, &[0; MAX_PLAINTEXT_LEN], 1, &mut buf),
        Err(RecordError::PayloadTooLong)
    );
    assert_eq!(buf, b"keep");
    assert_eq!(sealer.sequence_number(), 0);
}

#[test]
fn rejects_unencrypted_types_once_protected() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::new();
    sealer.seal_append(HANDSHAKE, b"x", &mut buf).unwrap();
    buf[0] = HANDSHAKE.to_wire();
    assert_eq!(
        open(&mut opener, &mut buf),
        Err(RecordError::UnexpectedOuterType(HANDSHAKE))
    );
}

#[test]
fn rejects_truncated_records() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"abc", &mut buf)
        .unwrap();
    let n = buf.len();
    assert_eq!(
        open(&mut opener, &mut buf[..n - 1]),
        Err(RecordError::Truncated)
    );
    assert_eq!(
        open(&mut opener, &mut buf[..3]),
        Err(RecordError::Truncated)
    );
}

#[test]
fn passes_records_through_before_keys_are_installed() {
    let mut sealer = RecordSealer::new();
    let mut opener = RecordOpener::new();
    let mut buf = Vec::new();
    sealer.seal_append(HANDSHAKE, b"hello", &mut buf).unwrap();
    assert_eq!(buf, b"\x16\x03\x03\x00\x05hello");
    assert_eq!(
        open(&mut opener, &mut buf).unwrap(),
        (HANDSHAKE, b"hello".to_vec())
    );
}

#[test]
fn refuses_keys_of_the_wrong_length() {
    assert_eq!(
        RecordKeys::new(AeadAlgorithm::Aes128Gcm, &[0; 32], &[0; NONCE_LEN]).err(),
        Some(RecordError::BadKeyLength)
    );
    assert_eq!(
        RecordKeys::new(AeadAlgorithm::Aes256Gcm, &[0; 32], &[0; 8]).err(),
        Some(RecordError::BadKeyLength)
    );
}

#[test]
fn installing_new_keys_restarts_the_sequence_and_retires_the_old_key() {
    let p = AwsLcProvider;
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"gen0", &mut buf)
        .unwrap();
    open(&mut opener, &mut buf).unwrap();

    sealer
        .install(&p, &keys(AeadAlgorithm::Aes128Gcm, 2))
        .unwrap();
    assert_eq!(sealer.sequence_number(), 0);
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"gen1", &mut buf)
        .unwrap();
    let mut stale = buf.clone();
    assert_eq!(
        open(&mut opener, &mut stale),
        Err(RecordError::BadRecordMac)
    );
    opener
        .install(&p, &keys(AeadAlgorithm::Aes128Gcm, 2))
        .unwrap();
    assert_eq!(open(&mut opener, &mut buf).unwrap().1, b"gen1");
}

#[test]
fn signals_key_update_before_the_aes_gcm_limit_and_refuses_past_it() {
    let (mut sealer, _) = pair(AeadAlgorithm::Aes128Gcm);
    assert!(!sealer.needs_key_update());
    sealer.state.as_mut().unwrap().seq = (1 << 24) - 1;
    assert!(!sealer.needs_key_update());
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"x", &mut buf)
        .unwrap();
    assert!(sealer.needs_key_update());
    sealer.state.as_mut().unwrap().seq = 23_726_566;
    assert_eq!(
        sealer.seal_append(APPLICATION_DATA, b"x", &mut buf),
        Err(RecordError::KeyLimitReached)
    );
}

#[test]
fn chacha_keys_need_no_update_for_a_long_time() {
    let (mut sealer, _) = pair(AeadAlgorithm::ChaCha20Poly1305);
    sealer.state.as_mut().unwrap().seq = 1 << 40;
    assert!(!sealer.needs_key_update());
}

#[test]
fn sequence_number_errors_instead_of_wrapping() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::ChaCha20Poly1305);
    sealer.state.as_mut().unwrap().seq = u64::MAX - 1;
    opener.state.as_mut().unwrap().seq = u64::MAX - 1;
    let mut buf = Vec::new();
    sealer
        .seal_append(APPLICATION_DATA, b"last", &mut buf)
        .unwrap();
    assert!(sealer.needs_key_update());
    assert_eq!(open(&mut opener, &mut buf).unwrap().1, b"last");
    let mut more = Vec::new();
    assert_eq!(
        sealer.seal_append(APPLICATION_DATA, b"x", &mut more),
        Err(RecordError::SequenceExhausted)
    );
    assert_eq!(
        open(&mut opener, &mut buf),
        Err(RecordError::SequenceExhausted)
    );
}

#[test]
fn nonce_is_the_iv_xored_with_the_left_padded_sequence_number() {
    let p = AwsLcProvider;
    let mut sealer = RecordSealer::new();
    let keys = RecordKeys::new(AeadAlgorithm::ChaCha20Poly1305, &[0; 32], &[0xff; 12]).unwrap();
    sealer.install(&p, &keys).unwrap();
    let state = sealer.state.as_mut().unwrap();
    state.seq = 0x0102_0304_0506_0708;
    let nonce = state.next_nonce(true).unwrap();
    assert_eq!(
        nonce,
        [0xff, 0xff, 0xff, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7]
    );
}

#[test]
fn sealing_into_a_buffer_with_room_does_not_reallocate() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut buf = Vec::with_capacity(MAX_PLAINTEXT_LEN + PROTECTED_OVERHEAD);
    let before = buf.as_ptr();
    sealer
        .seal_append(APPLICATION_DATA, &[1; MAX_PLAINTEXT_LEN], &mut buf)
        .unwrap();
    assert_eq!(buf.as_ptr(), before);
    let opened = opener.open_in_place(&mut buf).unwrap();
    assert_eq!(
        opened.content,
        RECORD_HEADER_LEN..RECORD_HEADER_LEN + MAX_PLAINTEXT_LEN
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_payload_padding_and_type_round_trips(
            payload in proptest::collection::vec(any::<u8>(), 0..2048),
            padding in 0usize..300,
            ty in (1u8..=255).prop_map(ContentType::from_wire),
            seq in 0u64..1000,
        ) {
            let (mut sealer, mut opener) = pair(AeadAlgorithm::ChaCha20Poly1305);
            sealer.state.as_mut().unwrap().seq = seq;
            opener.state.as_mut().unwrap().seq = seq;
            let mut buf = Vec::new();
            let padding = padding.min(MAX_PLAINTEXT_LEN - payload.len());
            sealer.seal_append_padded(ty, &payload, padding, &mut buf).unwrap();
            prop_assert_eq!(open(&mut opener, &mut buf).unwrap(), (ty, payload));
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_opener(
            mut record in proptest::collection::vec(any::<u8>(), 0..600),
            protected in any::<bool>(),
        ) {
            let mut opener = if protected {
                pair(AeadAlgorithm::Aes128Gcm).1
            } else {
                RecordOpener::new()
            };
            let before = opener.sequence_number();
            if let Ok(opened) = opener.open_in_place(&mut record) {
                prop_assert!(opened.content.end <= record.len());
            } else {
                prop_assert_eq!(opener.sequence_number(), before);
            }
        }

        #[test]
        fn any_single_bit_flip_is_rejected(
            payload in proptest::collection::vec(any::<u8>(), 0..256),
            bit in any::<usize>(),
        ) {
            let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes256Gcm);
            let mut buf = Vec::new();
            sealer.seal_append(APPLICATION_DATA, &payload, &mut buf).unwrap();
            let bit = bit % (buf.len() * 8);
            buf[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(open(&mut opener, &mut buf).is_err());
        }
    }
}

#[test]
fn opening_into_another_buffer_matches_opening_in_place_and_counts_only_successes() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::Aes128Gcm);
    let mut records = Vec::new();
    for payload in [&b"first"[..], b"second"] {
        let mut buf = Vec::new();
        sealer.seal_append(HANDSHAKE, payload, &mut buf).unwrap();
        records.push(buf);
    }
    let inner_len = RecordOpener::inner_len(records[0].len() - RECORD_HEADER_LEN);
    let mut out = vec![0u8; inner_len];
    opener.open_to(&records[0], &mut out).unwrap();
    assert_eq!(inner_content(&out), Ok((HANDSHAKE, 5)));
    assert_eq!(&out[..5], b"first");
    assert_eq!(opener.sequence_number(), 1);

    // A tampered record fails without using up its sequence number, so the same record
    // intact still opens (in place, as the connection's fallback does).
    let mut bad = records[1].clone();
    bad[RECORD_HEADER_LEN] ^= 1;
    let mut out = vec![0u8; RecordOpener::inner_len(bad.len() - RECORD_HEADER_LEN)];
    assert_eq!(
        opener.open_to(&bad, &mut out),
        Err(RecordError::BadRecordMac)
    );
    assert_eq!(opener.sequence_number(), 1);
    let mut second = records[1].clone();
    assert_eq!(
        open(&mut opener, &mut second).unwrap(),
        (HANDSHAKE, b"second".to_vec())
    );

    // Nothing to open before keys, and an output of the wrong size is refused.
    let mut plain = RecordOpener::new();
    assert_eq!(
        plain.open_to(&records[0], &mut []),
        Err(RecordError::Truncated)
    );
    let mut out = vec![0u8; 3];
    assert_eq!(
        opener.open_to(&records[0], &mut out),
        Err(RecordError::Truncated)
    );
}

#[test]
fn sealing_into_a_slice_needs_exactly_the_sealed_length() {
    let (mut sealer, mut opener) = pair(AeadAlgorithm::ChaCha20Poly1305);
    let n = sealer.sealed_len(4);
    assert_eq!(n, 4 + PROTECTED_OVERHEAD);
    let mut out = vec![0u8; n + 1];
    assert_eq!(
        sealer.seal_into(APPLICATION_DATA, b"data", &mut out),
        Err(RecordError::Truncated)
    );
    assert_eq!(sealer.sequence_number(), 0);
    sealer
        .seal_into(APPLICATION_DATA, b"data", &mut out[..n])
        .unwrap();
    assert_eq!(
        open(&mut opener, &mut out[..n]).unwrap(),
        (APPLICATION_DATA, b"data".to_vec())
    );
}

/// TLS 1.2 keys for `aead` made of one repeated byte (a 4-byte salt for AES-GCM).
fn tls12_keys(aead: AeadAlgorithm, byte: u8) -> RecordKeys {
    let iv_len = if aead == AeadAlgorithm::ChaCha20Poly1305 {
        12
    } else {
        4
    };
    RecordKeys::tls12(aead, &vec![byte; aead.key_len()], &vec![byte; iv_len]).unwrap()
}

fn tls12_pair(aead: AeadAlgorithm) -> (RecordSealer, RecordOpener) {
    let p = AwsLcProvider;
    let mut sealer = RecordSealer::new();
    let mut opener = RecordOpener::new();
    sealer.install(&p, &tls12_keys(aead, 1)).unwrap();
    opener.install(&p, &tls12_keys(aead, 1)).unwrap();
    (sealer, opener)
}

#[test]
fn tls12_records_round_trip_with_their_real_type_outside() {
    for aead in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ] {
        let explicit = if aead == AeadAlgorithm::ChaCha20Poly1305 {
            0
        } else {
            8
        };
        let (mut sealer, mut opener) = tls12_pair(aead);
        assert!(!sealer.hides_content_type());
        for (i, (typ, payload)) in [
            (HANDSHAKE, &b"finished"[..]),
            (APPLICATION_DATA, b""),
            (ALERT, &[1, 0][..]),
            (APPLICATION_DATA, &[7u8; MAX_PLAINTEXT_LEN][..]),
        ]
        .into_iter()
        .enumerate()
        {
            let mut buf = Vec::new();
            sealer.seal_append(typ, payload, &mut buf).unwrap();
            // header ‖ explicit nonce ‖ ciphertext ‖ tag, no inner type (RFC 5246 §6.2.3.3).
            assert_eq!(
                buf.len(),
                RECORD_HEADER_LEN + explicit + payload.len() + TAG_LEN
            );
            assert_eq!(&buf[..3], &[typ.to_wire(), 3, 3]);
            // RFC 5288 §3: we set the explicit nonce to the sequence number.
            assert_eq!(
                buf[RECORD_HEADER_LEN..RECORD_HEADER_LEN + explicit],
                (i as u64).to_be_bytes()[..explicit]
            );
            let (ty, content) = open(&mut opener, &mut buf).unwrap();
            assert_eq!((ty, content.as_slice()), (typ, payload));
        }
    }
}

#[test]
fn tls12_gcm_nonce_is_salt_and_explicit_part_and_aad_holds_the_sequence_number() {
    // Build the record by hand from RFC 5288 §3 and RFC 5246 §6.2.3.3, then open it.
    let p = AwsLcProvider;
    let key = p.aead_key(AeadAlgorithm::Aes128Gcm, &[1; 16]).unwrap();
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..4].copy_from_slice(&[1; 4]);
    nonce[4..].copy_from_slice(&[9; 8]); // the peer may choose any explicit nonce
    let mut aad = Vec::new();
    aad.extend_from_slice(&0u64.to_be_bytes());
    aad.extend_from_slice(&[23, 3, 3, 0, 5]);
    let mut body = b"hello".to_vec();
    let tag = key.seal_in_place(&nonce, &aad, &mut body).unwrap();
    let mut record = vec![23, 3, 3, 0, (8 + 5 + 16) as u8];
    record.extend_from_slice(&[9; 8]);
    record.extend_from_slice(&body);
    record.extend_from_slice(&tag);
    let (_, mut opener) = tls12_pair(AeadAlgorithm::Aes128Gcm);
    let (ty, content) = open(&mut opener, &mut record.clone()).unwrap();
    assert_eq!((ty, content.as_slice()), (APPLICATION_DATA, &b"hello"[..]));
    // The same bytes as the second record: the sequence number in the AAD differs.
    let err = open(&mut opener, &mut record).unwrap_err();
    assert_eq!(err, RecordError::BadRecordMac);
}

#[test]
fn tls12_records_fail_on_tampering_type_change_or_truncation() {
    for aead in [AeadAlgorithm::Aes128Gcm, AeadAlgorithm::ChaCha20Poly1305] {
        let mut record = Vec::new();
        let (mut sealer, _) = tls12_pair(aead);
        sealer
            .seal_append(APPLICATION_DATA, b"data", &mut record)
            .unwrap();
        // The type is authenticated through the additional data.
        let mut retyped = record.clone();
        retyped[0] = HANDSHAKE.to_wire();
        let (_, mut opener) = tls12_pair(aead);
        assert_eq!(
            open(&mut opener, &mut retyped).unwrap_err(),
            RecordError::BadRecordMac
        );
        let mut flipped = record.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let (_, mut opener) = tls12_pair(aead);
        assert_eq!(
            open(&mut opener, &mut flipped).unwrap_err(),
            RecordError::BadRecordMac
        );
        let mut short = vec![23, 3, 3, 0, 10];
        short.extend_from_slice(&[0; 10]);
        let (_, mut opener) = tls12_pair(aead);
        assert_eq!(
            open(&mut opener, &mut short).unwrap_err(),
            RecordError::BadRecordMac
        );
    }
}

#[test]
fn tls12_seal_in_place_makes_room_for_the_explicit_nonce() {
    let (mut sealer, mut opener) = tls12_pair(AeadAlgorithm::Aes256Gcm);
    let mut buf = vec![0u8; RECORD_HEADER_LEN];
    buf.extend_from_slice(b"in place");
    sealer.seal_in_place(APPLICATION_DATA, &mut buf, 0).unwrap();
    let (_, content) = open(&mut opener, &mut buf).unwrap();
    assert_eq!(content, b"in place");
}

#[test]
fn tls12_keys_need_the_suites_iv_length() {
    assert!(RecordKeys::tls12(AeadAlgorithm::Aes128Gcm, &[0; 16], &[0; 12]).is_err());
    assert!(RecordKeys::tls12(AeadAlgorithm::ChaCha20Poly1305, &[0; 32], &[0; 4]).is_err());
    assert_eq!(
        tls12_keys(AeadAlgorithm::Aes128Gcm, 1).version(),
        RecordVersion::Tls12
    );
}

#[test]
fn tls12_seal_into_writes_the_explicit_nonce_and_opens() {
    for aead in [AeadAlgorithm::Aes128Gcm, AeadAlgorithm::ChaCha20Poly1305] {
        let (mut sealer, mut opener) = tls12_pair(aead);
        let n = sealer.sealed_len(4);
        let explicit = if aead == AeadAlgorithm::ChaCha20Poly1305 {
            0
        } else {
            8
        };
        assert_eq!(n, RECORD_HEADER_LEN + explicit + 4 + TAG_LEN);
        for _ in 0..2 {
            let mut out = vec![0u8; n];
            sealer
                .seal_into(APPLICATION_DATA, b"data", &mut out)
                .unwrap();
            assert_eq!(out[0], APPLICATION_DATA.to_wire());
            assert_eq!(
                open(&mut opener, &mut out).unwrap(),
                (APPLICATION_DATA, b"data".to_vec())
            );
        }
    }
}
