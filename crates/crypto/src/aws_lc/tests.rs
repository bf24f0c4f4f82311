//! Tests of the aws-lc-rs provider: known-answer vectors, round trips, tamper detection,
//! and keys written by `openssl` (generated at test time).

use std::path::Path;

use padlock_test_support::certs::openssl;
use padlock_test_support::{hex, peer_runs, unhex, KeyType, TempDir};

use super::AwsLcProvider;
use crate::{
    AeadAlgorithm, CryptoError, HashAlgorithm, HmacKey, KeyExchangeAlgorithm, KeyKind,
    PrivateKeyFormat, Provider, SignatureAlgorithm, TAG_LEN,
};

#[test]
fn sha256_of_abc_matches_fips_180_2() {
    let d = AwsLcProvider.hash_once(HashAlgorithm::Sha256, b"abc");
    assert_eq!(
        hex(d.as_ref()),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn hash_fork_finish_leaves_context_usable() {
    let mut ctx = AwsLcProvider.hash(HashAlgorithm::Sha384);
    ctx.update(b"ab");
    let forked = ctx.fork();
    let mid = ctx.fork_finish();
    ctx.update(b"c");
    assert_eq!(
        ctx.finish(),
        AwsLcProvider.hash_once(HashAlgorithm::Sha384, b"abc")
    );
    assert_eq!(mid, AwsLcProvider.hash_once(HashAlgorithm::Sha384, b"ab"));
    assert_eq!(forked.finish(), mid);
}

#[test]
fn hmac_sha256_matches_rfc_4231_test_case_2() {
    let mac = AwsLcProvider.hmac(
        HashAlgorithm::Sha256,
        b"Jefe",
        &[b"what do ya want ", b"for nothing?"],
    );
    assert_eq!(
        hex(mac.as_ref()),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

/// Keys shorter than, equal to and longer than a block (the long one is hashed first,
/// RFC 2104 §2), and messages that are empty, one piece, or several pieces with empty ones.
fn check_keyed_hmac_matches_one_shot(
    provider: &dyn Provider,
    hmac_key: impl Fn(HashAlgorithm, &[u8]) -> Box<dyn HmacKey>,
) {
    let messages: [&[&[u8]]; 4] = [
        &[],
        &[b""],
        &[b"what do ya want for nothing?"],
        &[b"what do ya ", b"", b"want ", b"for nothing?", b""],
    ];
    for alg in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        for key in [&b""[..], b"Jefe", &[0xaa; 48], &[0x0b; 200]] {
            let keyed = hmac_key(alg, key);
            assert_eq!(keyed.algorithm(), alg);
            for data in messages {
                let once = provider.hmac(alg, key, data);
                // Twice: signing must not change the key's state.
                assert_eq!(keyed.sign(data), once, "{alg:?}, {} byte key", key.len());
                assert_eq!(keyed.sign(data), once, "{alg:?}, {} byte key", key.len());
                assert_eq!(once.as_ref().len(), alg.output_len());
            }
        }
    }
}

/// `sign_parts` takes one of three ways by the shape of its input (one piece; pieces
/// joined on the stack; pieces too long to join, MACed piece by piece): each must give
/// aws-lc-rs' own HMAC of the concatenation, on both sides of the join buffer's size.
#[test]
fn hmac_of_pieces_equals_hmac_of_their_concatenation_in_every_shape() {
    let message: Vec<u8> = (0..=600u16).map(|i| (i % 251) as u8).collect();
    for alg in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        let key = aws_lc_rs::hmac::Key::new(super::hmac_algorithm(alg), b"Jefe");
        for len in [0, 1, 100, 255, 256, 257, 600] {
            let whole = &message[..len];
            let expected = aws_lc_rs::hmac::sign(&key, whole);
            let (a, rest) = whole.split_at(len / 3);
            let (b, c) = rest.split_at(rest.len() / 2);
            for pieces in [&[whole][..], &[a, b, c], &[a, b"", b, c, b""]] {
                assert_eq!(
                    super::sign_parts(&key, pieces).as_ref(),
                    expected.as_ref(),
                    "{alg:?}, {len} bytes in {} pieces",
                    pieces.len()
                );
            }
        }
    }
}

#[test]
fn keyed_hmac_equals_one_shot_hmac_for_every_hash() {
    check_keyed_hmac_matches_one_shot(&AwsLcProvider, |a, k| AwsLcProvider.hmac_key(a, k));
}

#[test]
fn owned_keyed_hmac_equals_one_shot_hmac_for_every_hash() {
    check_keyed_hmac_matches_one_shot(&AwsLcProvider, |a, k| {
        AwsLcProvider
            .owned_hmac_key(a, k)
            .expect("aws-lc-rs keys own their state")
    });
}

#[test]
fn keyed_hmac_matches_rfc_4231_test_case_2() {
    let key = AwsLcProvider.hmac_key(HashAlgorithm::Sha256, b"Jefe");
    assert_eq!(
        hex(key.sign(&[b"what do ya want ", b"for nothing?"]).as_ref()),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn default_keyed_hmac_equals_one_shot_hmac_for_every_hash() {
    // The trait's default, which providers without their own keyed HMAC get.
    check_keyed_hmac_matches_one_shot(&AwsLcProvider, |a, k| {
        crate::one_shot_hmac_key(&AwsLcProvider, a, k)
    });
}

#[test]
fn the_zero_key_hmac_equals_hmac_under_hash_length_zeros() {
    for alg in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        let zeros = vec![0u8; alg.output_len()];
        for _ in 0..2 {
            assert_eq!(
                AwsLcProvider.hmac_zero_key(alg, &[b"ikm", b"more"]),
                AwsLcProvider.hmac(alg, &zeros, &[b"ikm", b"more"])
            );
        }
    }
}

#[test]
fn one_shot_hkdf_expand_matches_rfc_5869_test_case_1() {
    // RFC 5869 §A.1: PRK and OKM (42 bytes: two blocks) for the given info.
    let prk = unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    let mut okm = [0u8; 42];
    AwsLcProvider
        .hkdf_expand(
            HashAlgorithm::Sha256,
            &prk,
            &[&unhex("f0f1f2f3f4"), &unhex("f5f6f7f8f9")],
            &mut okm,
        )
        .unwrap();
    assert_eq!(
        hex(&okm),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
    let mut too_long = vec![0u8; 255 * 32 + 1];
    assert_eq!(
        AwsLcProvider.hkdf_expand(HashAlgorithm::Sha256, &prk, &[], &mut too_long),
        Err(CryptoError::BadLength)
    );
}

/// The three AEADs, each with a key of sevens.
fn aead_keys() -> impl Iterator<Item = (AeadAlgorithm, Box<dyn crate::AeadKey>)> {
    [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ]
    .into_iter()
    .map(|alg| {
        let key = AwsLcProvider.aead_key(alg, &vec![7u8; alg.key_len()]);
        (alg, key.unwrap())
    })
}

#[test]
fn aead_seals_and_opens_in_place_and_detects_tampering() {
    for (alg, key) in aead_keys() {
        assert_eq!(key.algorithm(), alg);
        let nonce = [1u8; 12];
        let plain = b"hello, record layer";
        let mut buf = plain.to_vec();
        let tag = key.seal_in_place(&nonce, b"aad", &mut buf).unwrap();
        assert_ne!(&buf[..], &plain[..]);
        buf.extend_from_slice(&tag);
        let sealed = buf.clone();
        let n = key.open_in_place(&nonce, b"aad", &mut buf).unwrap();
        assert_eq!(&buf[..n], &plain[..]);

        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert_eq!(
            key.open_in_place(&nonce, b"aad", &mut bad),
            Err(CryptoError::Decrypt)
        );
        let mut bad = sealed.clone();
        assert_eq!(
            key.open_in_place(&nonce, b"aae", &mut bad),
            Err(CryptoError::Decrypt)
        );
        let mut short = vec![0u8; TAG_LEN - 1];
        assert_eq!(
            key.open_in_place(&nonce, b"", &mut short),
            Err(CryptoError::Decrypt)
        );
    }
}

/// A key that only has the trait's default `seal_to` / `open_to` (copy, then in place).
struct DefaultsOnly(Box<dyn crate::AeadKey>);

impl crate::AeadKey for DefaultsOnly {
    fn seal_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        self.0.seal_in_place(nonce, aad, in_out)
    }

    fn open_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        self.0.open_in_place(nonce, aad, in_out)
    }

    fn algorithm(&self) -> AeadAlgorithm {
        self.0.algorithm()
    }
}

#[test]
fn aead_seals_and_opens_from_one_buffer_into_another_as_in_place_does() {
    for ((alg, key), (_, copy)) in aead_keys().zip(aead_keys()) {
        let defaults = DefaultsOnly(copy);
        let nonce = [3u8; 12];
        let plain: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut in_place = [&plain[..], &[0x17]].concat();
        let tag = key.seal_in_place(&nonce, b"aad", &mut in_place).unwrap();
        in_place.extend_from_slice(&tag);

        for (k, opens_to) in [(&*key as &dyn crate::AeadKey, true), (&defaults, false)] {
            let mut out = vec![0u8; plain.len() + 1 + TAG_LEN];
            k.seal_to(&nonce, b"aad", &plain, &[0x17], &mut out)
                .unwrap();
            assert_eq!(out, in_place, "{alg:?}");
            assert_eq!(
                k.seal_to(&nonce, b"aad", &plain, &[0x17], &mut out[1..]),
                Err(CryptoError::BadLength)
            );

            let mut opened = vec![0u8; plain.len() + 1];
            if !opens_to {
                assert_eq!(
                    k.open_to(&nonce, b"aad", &in_place, &mut opened),
                    Err(CryptoError::Unsupported),
                    "the default leaves opening to open_in_place"
                );
                continue;
            }
            k.open_to(&nonce, b"aad", &in_place, &mut opened).unwrap();
            assert_eq!(opened, [&plain[..], &[0x17]].concat());
            let mut bad = in_place.clone();
            bad[5] ^= 1;
            assert_eq!(
                k.open_to(&nonce, b"aad", &bad, &mut opened),
                Err(CryptoError::Decrypt)
            );
            assert_eq!(
                k.open_to(&nonce, b"aad", &in_place[..TAG_LEN - 1], &mut []),
                Err(CryptoError::Decrypt)
            );
        }
    }
}

#[test]
fn aead_key_of_wrong_length_is_refused() {
    assert!(matches!(
        AwsLcProvider.aead_key(AeadAlgorithm::Aes128Gcm, &[0u8; 32]),
        Err(CryptoError::BadLength)
    ));
}

#[test]
fn aes_128_gcm_matches_known_answer() {
    // GCM spec (McGrew & Viega) test case 2: zero key, zero IV, one zero block.
    let key = AwsLcProvider
        .aead_key(AeadAlgorithm::Aes128Gcm, &[0u8; 16])
        .unwrap();
    let mut buf = [0u8; 16];
    let tag = key.seal_in_place(&[0u8; 12], b"", &mut buf).unwrap();
    assert_eq!(hex(&buf), "0388dace60b6a392f328c2b971b2fe78");
    assert_eq!(hex(&tag), "ab6e47d42cec13bdf53a67b21257bddf");
}

#[test]
fn key_exchange_parties_agree_on_every_group() {
    for group in [
        KeyExchangeAlgorithm::X25519,
        KeyExchangeAlgorithm::P256,
        KeyExchangeAlgorithm::P384,
    ] {
        let a = AwsLcProvider.start_key_exchange(group).unwrap();
        let b = AwsLcProvider.start_key_exchange(group).unwrap();
        let expected_len = match group {
            KeyExchangeAlgorithm::X25519 => 32,
            KeyExchangeAlgorithm::P256 => 65,
            _ => 97,
        };
        assert_eq!(a.public_key().len(), expected_len);
        assert_eq!(a.algorithm(), group);
        let a_pub = a.public_key().to_vec();
        let b_pub = b.public_key().to_vec();
        let s1 = a.complete(&b_pub).unwrap();
        let s2 = b.complete(&a_pub).unwrap();
        assert_eq!(s1.as_ref(), s2.as_ref());
    }
}

#[test]
fn responder_answers_a_share_in_one_step_with_the_secret_the_initiator_derives() {
    for group in [
        KeyExchangeAlgorithm::X25519,
        KeyExchangeAlgorithm::P256,
        KeyExchangeAlgorithm::P384,
    ] {
        let initiator = AwsLcProvider.start_key_exchange(group).unwrap();
        let answer = AwsLcProvider
            .respond_to_key_share(group, initiator.public_key())
            .unwrap();
        assert_eq!(answer.share.len(), initiator.public_key().len());
        let secret = initiator.complete(&answer.share).unwrap();
        assert_eq!(secret.as_ref(), answer.secret.as_ref());
    }
}

#[test]
fn an_inline_key_exchange_agrees_with_the_responder_in_every_group() {
    for group in [
        KeyExchangeAlgorithm::X25519,
        KeyExchangeAlgorithm::P256,
        KeyExchangeAlgorithm::P384,
        KeyExchangeAlgorithm::X25519MlKem768,
    ] {
        let initiator = AwsLcProvider.start_key_exchange_inline(group).unwrap();
        assert_eq!(initiator.algorithm(), group);
        let answer = AwsLcProvider
            .respond_to_key_share(group, initiator.public_key())
            .unwrap();
        let secret = initiator.complete(&answer.share).unwrap();
        assert_eq!(secret.as_ref(), answer.secret.as_ref(), "{group:?}");
    }
    // A bad peer share is refused as by the boxed exchange.
    let initiator = AwsLcProvider
        .start_key_exchange_inline(KeyExchangeAlgorithm::X25519)
        .unwrap();
    assert_eq!(
        initiator.complete(&[0u8; 32]).err(),
        Some(CryptoError::BadPublicKey)
    );
}

/// The key exchanges that draw random values with their key agree like the others, fill
/// every byte asked for (X25519 draws them with its key, up to 64; past that, and for
/// the NIST curves and the hybrid, apart), and never repeat a key or a random.
#[test]
fn exchanges_drawn_with_random_values_agree_and_fill_them_fresh() {
    let groups = [
        KeyExchangeAlgorithm::X25519,
        KeyExchangeAlgorithm::P256,
        KeyExchangeAlgorithm::P384,
        KeyExchangeAlgorithm::X25519MlKem768,
    ];
    for group in groups {
        for len in [0, 32, 64, 65] {
            let (mut r1, mut r2, mut r3) = ([0u8; 65], [0u8; 65], [0u8; 65]);
            let initiator = AwsLcProvider
                .start_key_exchange_inline_with_random(group, &mut r1[..len])
                .unwrap();
            assert_eq!(initiator.algorithm(), group);
            let answer = AwsLcProvider
                .respond_to_key_share_with_random(group, initiator.public_key(), &mut r2[..len])
                .unwrap();
            let again = AwsLcProvider
                .respond_to_key_share_with_random(group, initiator.public_key(), &mut r3[..len])
                .unwrap();
            assert_ne!(answer.share, again.share, "{group:?}: a key drawn twice");
            let secret = initiator.complete(&answer.share).unwrap();
            assert_eq!(secret.as_ref(), answer.secret.as_ref(), "{group:?}, {len}");
            if len > 0 {
                // Three 32-byte or longer draws that agree, or are all zero, are no draws.
                assert!(r1 != r2 && r2 != r3 && r1 != r3, "{group:?}, {len}");
                assert!(r1[len - 16..len] != [0; 16], "{group:?}, {len}");
            }
        }
    }
    // A bad peer share is refused as without the random values.
    assert_eq!(
        AwsLcProvider
            .respond_to_key_share_with_random(KeyExchangeAlgorithm::X25519, &[0; 32], &mut [0; 32])
            .err(),
        Some(CryptoError::BadPublicKey)
    );
    let initiator = AwsLcProvider
        .start_key_exchange_inline_with_random(KeyExchangeAlgorithm::X25519, &mut [0; 32])
        .unwrap();
    assert_eq!(
        initiator.complete(&[0u8; 32]).err(),
        Some(CryptoError::BadPublicKey)
    );
}

#[test]
fn responder_refuses_empty_and_malformed_shares() {
    for (group, share) in [
        (KeyExchangeAlgorithm::X25519, &[][..]),
        (KeyExchangeAlgorithm::X25519, &[0u8; 32][..]),
        (KeyExchangeAlgorithm::P256, &[4u8; 64][..]),
    ] {
        assert_eq!(
            AwsLcProvider.respond_to_key_share(group, share).err(),
            Some(CryptoError::BadPublicKey),
            "{group:?}"
        );
    }
}

#[test]
fn key_exchange_rejects_bad_peer_shares() {
    // All-zero X25519 point: a low-order point giving an all-zero secret (RFC 7748 §6.1).
    let a = AwsLcProvider
        .start_key_exchange(KeyExchangeAlgorithm::X25519)
        .unwrap();
    assert_eq!(
        a.complete(&[0u8; 32]).err(),
        Some(CryptoError::BadPublicKey)
    );
    let a = AwsLcProvider
        .start_key_exchange(KeyExchangeAlgorithm::X25519)
        .unwrap();
    assert_eq!(
        a.complete(&[9u8; 31]).err(),
        Some(CryptoError::BadPublicKey)
    );
    // A point not on P-256.
    let a = AwsLcProvider
        .start_key_exchange(KeyExchangeAlgorithm::P256)
        .unwrap();
    let mut bad = vec![4u8];
    bad.extend_from_slice(&[1u8; 64]);
    assert_eq!(a.complete(&bad).err(), Some(CryptoError::BadPublicKey));
    // A compressed point is not a TLS 1.3 share.
    let b = AwsLcProvider
        .start_key_exchange(KeyExchangeAlgorithm::P256)
        .unwrap();
    let mut compressed = vec![2 | (b.public_key()[64] & 1)];
    compressed.extend_from_slice(&b.public_key()[1..33]);
    let a = AwsLcProvider
        .start_key_exchange(KeyExchangeAlgorithm::P256)
        .unwrap();
    assert_eq!(
        a.complete(&compressed).err(),
        Some(CryptoError::BadPublicKey)
    );
}

/// Signature algorithms that fit each kind of key.
fn algorithms_for(kind: KeyKind) -> Vec<SignatureAlgorithm> {
    use SignatureAlgorithm as S;
    match kind {
        KeyKind::EcdsaP256 => vec![S::EcdsaP256Sha256],
        KeyKind::EcdsaP384 => vec![S::EcdsaP384Sha384],
        KeyKind::Ed25519 => vec![S::Ed25519],
        _ => vec![
            S::RsaPkcs1Sha256,
            S::RsaPkcs1Sha384,
            S::RsaPkcs1Sha512,
            S::RsaPssSha256,
            S::RsaPssSha384,
            S::RsaPssSha512,
        ],
    }
}

/// The subjectPublicKey BIT STRING content of a DER SubjectPublicKeyInfo: the last BIT
/// STRING in it. Good enough for the keys made here (test helper, not a DER parser).
fn spki_key_bits(spki: &[u8]) -> Vec<u8> {
    // SEQUENCE { AlgorithmIdentifier, BIT STRING }: skip the outer header, then the
    // AlgorithmIdentifier, then the BIT STRING header and its unused-bits byte.
    fn header(b: &[u8]) -> (usize, usize) {
        let first = b[1] as usize;
        if first < 0x80 {
            (2, first)
        } else {
            let n = first & 0x7f;
            let len = b[2..2 + n]
                .iter()
                .fold(0usize, |a, x| (a << 8) | *x as usize);
            (2 + n, len)
        }
    }
    let (h, _) = header(spki);
    let rest = &spki[h..];
    let (h2, l2) = header(rest);
    let bits = &rest[h2 + l2..];
    let (h3, l3) = header(bits);
    bits[h3 + 1..h3 + l3].to_vec()
}

fn sign_verify_round_trip(kind: KeyKind) {
    let (key, pkcs8) = AwsLcProvider.generate_signing_key(kind).unwrap();
    assert_eq!(key.kind(), kind);
    let reloaded = AwsLcProvider
        .load_signing_key(&pkcs8, PrivateKeyFormat::Pkcs8)
        .unwrap();
    assert_eq!(reloaded.kind(), kind);
    assert_eq!(reloaded.public_key_spki(), key.public_key_spki());
    let public = spki_key_bits(&key.public_key_spki());
    for alg in algorithms_for(kind) {
        let sig = key.sign(alg, b"message").unwrap();
        AwsLcProvider
            .verify_signature(alg, &public, b"message", &sig)
            .unwrap_or_else(|e| panic!("{kind:?} {alg:?}: {e}"));
        assert_eq!(
            AwsLcProvider.verify_signature(alg, &public, b"messagf", &sig),
            Err(CryptoError::BadSignature),
            "{kind:?} {alg:?}"
        );
    }
    // A key parsed once verifies as `verify_signature` does, for its algorithm.
    for alg in algorithms_for(kind) {
        let sig = key.sign(alg, b"message").unwrap();
        let parsed = AwsLcProvider.parse_public_key(alg, &public).unwrap();
        assert_eq!(parsed.algorithm(), alg);
        for _ in 0..2 {
            parsed
                .verify(b"message", &sig)
                .unwrap_or_else(|e| panic!("parsed {kind:?} {alg:?}: {e}"));
        }
        assert_eq!(
            parsed.verify(b"messagf", &sig),
            Err(CryptoError::BadSignature),
            "parsed {kind:?} {alg:?}"
        );
    }
    // `sign_to` appends the same kind of signature after what `out` holds.
    for alg in algorithms_for(kind) {
        let mut out = b"head".to_vec();
        key.sign_to(alg, b"message", &mut out).unwrap();
        let (head, sig) = out.split_at(4);
        assert_eq!(head, b"head");
        AwsLcProvider
            .verify_signature(alg, &public, b"message", sig)
            .unwrap_or_else(|e| panic!("sign_to {kind:?} {alg:?}: {e}"));
    }
    // A mismatched algorithm is refused, and leaves `out` as it was.
    let wrong = if matches!(kind, KeyKind::Rsa(_)) {
        SignatureAlgorithm::Ed25519
    } else {
        SignatureAlgorithm::RsaPssSha256
    };
    assert_eq!(key.sign(wrong, b"m").err(), Some(CryptoError::Unsupported));
    let mut out = b"head".to_vec();
    assert_eq!(
        key.sign_to(wrong, b"m", &mut out).err(),
        Some(CryptoError::Unsupported)
    );
    assert_eq!(out, b"head");
}

#[test]
fn ecdsa_p256_keys_sign_and_verify() {
    sign_verify_round_trip(KeyKind::EcdsaP256);
}

#[test]
fn ecdsa_p384_keys_sign_and_verify() {
    sign_verify_round_trip(KeyKind::EcdsaP384);
}

#[test]
fn ed25519_keys_sign_and_verify() {
    sign_verify_round_trip(KeyKind::Ed25519);
}

#[test]
fn rsa_2048_keys_sign_and_verify_pkcs1_and_pss() {
    sign_verify_round_trip(KeyKind::Rsa(2048));
}

#[test]
fn rsa_3072_keys_sign_and_verify_pkcs1_and_pss() {
    sign_verify_round_trip(KeyKind::Rsa(3072));
}

#[test]
fn odd_rsa_sizes_are_not_generated() {
    assert_eq!(
        AwsLcProvider.generate_signing_key(KeyKind::Rsa(1024)).err(),
        Some(CryptoError::Unsupported)
    );
}

#[test]
fn ecdsa_verifies_with_other_hash_of_the_x509_forms() {
    // A P-256 key can't sign with SHA-384 here, but a P-256/SHA-384 signature must be
    // checkable; a mismatched pairing fails cleanly rather than panicking.
    let (key, _) = AwsLcProvider
        .generate_signing_key(KeyKind::EcdsaP256)
        .unwrap();
    let public = spki_key_bits(&key.public_key_spki());
    let sig = key.sign(SignatureAlgorithm::EcdsaP256Sha256, b"m").unwrap();
    assert_eq!(
        AwsLcProvider.verify_signature(SignatureAlgorithm::EcdsaP256Sha384, &public, b"m", &sig),
        Err(CryptoError::BadSignature)
    );
    assert!(AwsLcProvider
        .verify_signature(SignatureAlgorithm::EcdsaP384Sha384, &public, b"m", &sig)
        .is_err());
}

#[test]
fn garbage_keys_and_signatures_are_errors_not_panics() {
    for alg in [
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        assert!(AwsLcProvider
            .verify_signature(alg, b"junk", b"m", b"sig")
            .is_err());
        assert!(AwsLcProvider.verify_signature(alg, &[], b"m", &[]).is_err());
        assert_eq!(
            AwsLcProvider.parse_public_key(alg, b"junk").err(),
            Some(CryptoError::BadPublicKey)
        );
    }
    for format in [
        PrivateKeyFormat::Pkcs8,
        PrivateKeyFormat::Sec1,
        PrivateKeyFormat::Pkcs1,
    ] {
        assert_eq!(
            AwsLcProvider
                .load_signing_key(b"\x30\x03\x02\x01\x00", format)
                .err(),
            Some(CryptoError::BadPrivateKey)
        );
    }
}

// ---- keys written by openssl -------------------------------------------------------------

/// Whether `openssl` can run; skips (or panics under PADLOCK_REQUIRE_PEERS=1) if not.
fn have_openssl() -> bool {
    peer_runs("openssl", "version")
}

/// Loads `file` from `dir`, signs with it, and has openssl verify the signature with the
/// public key we report, proving both load and SPKI are right.
fn load_and_cross_check(dir: &Path, file: &str, format: PrivateKeyFormat, kind: KeyKind) {
    let der = std::fs::read(dir.join(file)).unwrap();
    let key = AwsLcProvider
        .load_signing_key(&der, format)
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(key.kind(), kind, "{file}");
    std::fs::write(dir.join("pub.der"), key.public_key_spki()).unwrap();
    std::fs::write(dir.join("msg"), b"signed by padlock").unwrap();
    let alg = algorithms_for(kind)[0];
    let sig = key.sign(alg, b"signed by padlock").unwrap();
    std::fs::write(dir.join("sig"), &sig).unwrap();
    let mut args = vec![
        "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-in", "msg",
        "-sigfile", "sig", "-rawin",
    ];
    if kind != KeyKind::Ed25519 {
        args.extend(["-digest", "sha256"]);
        if kind == KeyKind::EcdsaP384 {
            args.pop();
            args.push("sha384");
        }
    }
    let out = openssl(dir, &args);
    assert!(
        String::from_utf8_lossy(&out).contains("Success"),
        "{file}: {}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn loads_keys_written_by_openssl() {
    if !have_openssl() {
        return;
    }
    let tmp = TempDir::new("openssl-keys");
    let d = tmp.path();
    // OpenSSL 3.0's `genpkey -outform DER` writes the traditional form, so keys are made
    // as PEM (PKCS#8) and converted with `pkcs8 -topk8`.
    let pkcs8_keys = [
        (KeyType::P256, KeyKind::EcdsaP256),
        (KeyType::P384, KeyKind::EcdsaP384),
        (KeyType::Ed25519, KeyKind::Ed25519),
        (KeyType::Rsa2048, KeyKind::Rsa(2048)),
    ];
    for (key_type, kind) in pkcs8_keys {
        let name = key_type.label();
        let pem = format!("{name}.pem");
        let der = format!("{name}.p8");
        openssl(
            d,
            &[&["genpkey"], key_type.genpkey_args(), &["-out", &pem]].concat(),
        );
        openssl(
            d,
            &[
                "pkcs8", "-topk8", "-nocrypt", "-in", &pem, "-outform", "DER", "-out", &der,
            ],
        );
        load_and_cross_check(d, &der, PrivateKeyFormat::Pkcs8, kind);
    }
    let sec1_keys = [
        ("prime256v1", KeyKind::EcdsaP256),
        ("secp384r1", KeyKind::EcdsaP384),
    ];
    for (curve, kind) in sec1_keys {
        let file = format!("{curve}.sec1");
        openssl(
            d,
            &[
                "ecparam", "-name", curve, "-genkey", "-noout", "-outform", "DER", "-out", &file,
            ],
        );
        load_and_cross_check(d, &file, PrivateKeyFormat::Sec1, kind);
    }
    // PKCS#1: `genrsa -traditional` writes PEM; convert to DER with `rsa -traditional`.
    openssl(d, &["genrsa", "-traditional", "-out", "rsa1.pem", "2048"]);
    openssl(
        d,
        &[
            "rsa",
            "-traditional",
            "-in",
            "rsa1.pem",
            "-outform",
            "DER",
            "-out",
            "rsa1.der",
        ],
    );
    load_and_cross_check(d, "rsa1.der", PrivateKeyFormat::Pkcs1, KeyKind::Rsa(2048));

    // 1024-bit RSA is refused.
    openssl(d, &["genrsa", "-traditional", "-out", "small.pem", "1024"]);
    openssl(
        d,
        &[
            "rsa",
            "-traditional",
            "-in",
            "small.pem",
            "-outform",
            "DER",
            "-out",
            "small.der",
        ],
    );
    let small = std::fs::read(d.join("small.der")).unwrap();
    assert_eq!(
        AwsLcProvider
            .load_signing_key(&small, PrivateKeyFormat::Pkcs1)
            .err(),
        Some(CryptoError::BadPrivateKey)
    );
}

#[test]
fn verifies_signatures_made_by_openssl() {
    if !have_openssl() {
        return;
    }
    let tmp = TempDir::new("openssl-sigs");
    let d = tmp.path();
    std::fs::write(d.join("msg"), b"signed by openssl").unwrap();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.pem",
        ],
    );
    openssl(
        d,
        &[
            "pkey", "-in", "rsa.pem", "-pubout", "-outform", "DER", "-out", "rsa.pub",
        ],
    );
    openssl(
        d,
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            "rsa.pem",
            "-rawin",
            "-digest",
            "sha256",
            "-pkeyopt",
            "rsa_padding_mode:pss",
            "-pkeyopt",
            "rsa_pss_saltlen:digest",
            "-in",
            "msg",
            "-out",
            "pss.sig",
        ],
    );
    let spki = std::fs::read(d.join("rsa.pub")).unwrap();
    let sig = std::fs::read(d.join("pss.sig")).unwrap();
    AwsLcProvider
        .verify_signature(
            SignatureAlgorithm::RsaPssSha256,
            &spki_key_bits(&spki),
            b"signed by openssl",
            &sig,
        )
        .unwrap();
}

#[test]
fn an_inline_aead_key_seals_and_opens_as_a_boxed_one() {
    let p = AwsLcProvider;
    for alg in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ] {
        let key = vec![3u8; alg.key_len()];
        let boxed = p.aead_key(alg, &key).unwrap();
        let inline = p.aead_key_inline(alg, &key).unwrap();
        let wrapped = crate::InlineAeadKey::boxed(p.aead_key(alg, &key).unwrap());
        assert_eq!(crate::AeadKey::algorithm(&inline), alg);
        let (nonce, aad, plain) = ([9u8; 12], b"aad", b"plaintext and more");
        let mut sealed = vec![0u8; plain.len() + 1 + TAG_LEN];
        boxed
            .seal_to(&nonce, aad, plain, &[0x17], &mut sealed)
            .unwrap();
        for key in [&inline as &dyn crate::AeadKey, &wrapped] {
            let mut again = vec![0u8; sealed.len()];
            key.seal_to(&nonce, aad, plain, &[0x17], &mut again)
                .unwrap();
            assert_eq!(again, sealed);
            let mut opened = vec![0u8; sealed.len() - TAG_LEN];
            key.open_to(&nonce, aad, &sealed, &mut opened).unwrap();
            assert_eq!(&opened[..plain.len()], plain);
        }
    }
}
