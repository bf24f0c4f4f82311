//! RSA key transport for TLS 1.2 (RFC 5246 §7.4.7.1) on aws-lc-rs: the client encrypts the
//! pre_master_secret with RSAES-PKCS1-v1_5 (RFC 8017 §7.2.1); the server decrypts it without
//! telling a well-formed ciphertext from a malformed one (RFC 8017 §7.2.2's note, RFC 5246
//! §7.4.7.1's countermeasure to Bleichenbacher's attack, and its later forms: ROBOT, Marvin).
//!
//! # What the primitive guarantees, and what this module adds
//!
//! aws-lc-rs 1.19 offers PKCS#1 v1.5 decryption only as `rsa::Pkcs1PrivateDecryptingKey`:
//! aws-lc's `EVP_PKEY_decrypt` with `RSA_PKCS1_PADDING`. It has no raw (unpadded) RSA
//! decryption, and aws-lc has no implicit rejection (OpenSSL 3.2's synthetic message). In
//! aws-lc (`crypto/rsa_extra/rsa_crypt.c`, `rsa_default_decrypt`):
//! - a ciphertext whose length is not the modulus' is refused before any private-key work,
//!   and one whose value is not below the modulus right after; both facts are public (the
//!   sender chose the ciphertext and knows the modulus), so this leaks nothing secret;
//! - the private-key operation itself is blinded and constant time;
//! - the padding check (`rsa_padding_check_PKCS1_type_2`) scans the whole block with
//!   constant-time masks, then *declassifies its verdict*: on bad padding it returns early
//!   and pushes an error onto the thread's error queue; on good padding it copies the message
//!   out. aws-lc's own comment there says that this API makes it "impossible to completely
//!   avoid Bleichenbacher's attack" and that callers should decrypt without padding and check
//!   it themselves. aws-lc-rs does not expose unpadded decryption, and reaching it through
//!   aws-lc-sys would take `unsafe` FFI, which padlock forbids. So inside the primitive the
//!   verdict shows in timing as the difference between an error-queue push and a copy of
//!   at most a modulus' worth of bytes — sub-microsecond, after a private-key operation of
//!   about a millisecond (RSA-2048). `benches/README.md` reports what we measured.
//!
//! What this module adds, so that nothing *after* the primitive depends on the verdict, nor
//! on the message's length or version bytes:
//! 1. the 48 random substitute bytes are generated first, for every ciphertext (RFC 5246
//!    §7.4.7.1, step 1);
//! 2. the primitive's `Result` becomes a length, 0 on failure, through a `map_or` that
//!    compiles to a conditional move, not a branch;
//! 3. that length against 48, and the first two bytes against the ClientHello's version,
//!    are compared with masks ([`eq_mask`]), and each of the 48 output bytes is picked from
//!    message or substitute with that mask ([`select`]): the same instructions and memory
//!    accesses for every ciphertext;
//! 4. the answer is always `Ok` with 48 bytes, so the handshake goes on and a bad
//!    ciphertext fails only at Finished, like a good one under another secret ("MUST NOT
//!    generate an alert", RFC 5246 §7.4.7.1).
//!
//! Where RFC 5246 step 3 puts the ClientHello's version in place of a message's wrong
//! version bytes, we treat wrong version bytes as any other malformation and use the
//! substitute (as RFC 5246 allows: either way the secret differs from the client's, and the
//! outcome is the same failed Finished).

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand;
use aws_lc_rs::rsa::{Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey};
use aws_lc_rs::rsa::{PrivateDecryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::RsaKeyPair;

use crate::{CryptoError, SharedSecret, PRE_MASTER_SECRET_LEN};

/// RSAES-PKCS1-v1_5 encryption of a pre_master_secret to the key in `spki` (a whole
/// SubjectPublicKeyInfo DER); see [`crate::Provider::rsa_encrypt_pre_master_secret`].
pub(super) fn encrypt(
    spki: &[u8],
    pre_master_secret: &[u8; PRE_MASTER_SECRET_LEN],
) -> Result<Vec<u8>, CryptoError> {
    // aws-lc-rs refuses anything but an RSA key of 2048 to 8192 bits.
    let public = PublicEncryptingKey::from_der(spki).map_err(|_| CryptoError::BadPublicKey)?;
    let key = Pkcs1PublicEncryptingKey::new(public).map_err(|_| CryptoError::BadPublicKey)?;
    let mut out = vec![0u8; key.ciphertext_size()];
    // The padding's random nonzero bytes come from aws-lc's generator.
    let len = key
        .encrypt(pre_master_secret, &mut out)
        .map_err(|_| CryptoError::Random)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// The decrypting form of an RSA signing key, made from its PKCS#8 encoding (aws-lc-rs
/// keeps signing and decrypting keys apart).
pub(super) fn decrypting_key(pair: &RsaKeyPair) -> Result<Pkcs1PrivateDecryptingKey, CryptoError> {
    let pkcs8 =
        AsDer::<Pkcs8V1Der<'static>>::as_der(pair).map_err(|_| CryptoError::BadPrivateKey)?;
    let private =
        PrivateDecryptingKey::from_pkcs8(pkcs8.as_ref()).map_err(|_| CryptoError::BadPrivateKey)?;
    Pkcs1PrivateDecryptingKey::new(private).map_err(|_| CryptoError::BadPrivateKey)
}

/// The server's decryption of an EncryptedPreMasterSecret; see
/// [`crate::SigningKey::decrypt_pre_master_secret`] and this module's notes.
pub(super) fn decrypt(
    key: &Pkcs1PrivateDecryptingKey,
    ciphertext: &[u8],
    client_version: [u8; 2],
) -> Result<SharedSecret, CryptoError> {
    // RFC 5246 §7.4.7.1 step 1: the substitute, before anything depends on the ciphertext.
    let mut substitute = Wiped(vec![0u8; PRE_MASTER_SECRET_LEN]);
    rand::fill(&mut substitute.0).map_err(|_| CryptoError::Random)?;

    // Step 2: decrypt into a zeroed buffer as long as the modulus (what aws-lc-rs needs).
    let mut message = Wiped(vec![0u8; key.min_output_size()]);
    let len = key
        .decrypt(ciphertext, &mut message.0)
        .map_or(0, |m| m.len());

    // Step 3, in constant time: the message if it is 48 bytes starting with the offered
    // version, else the substitute. On failure `message` is still all zeros, and `len` 0.
    let first = message.0.first().copied().unwrap_or(0);
    let second = message.0.get(1).copied().unwrap_or(0);
    let good = eq_mask(len, PRE_MASTER_SECRET_LEN)
        & eq_mask(usize::from(first), usize::from(client_version[0]))
        & eq_mask(usize::from(second), usize::from(client_version[1]));
    let secret = message
        .0
        .iter()
        .zip(&substitute.0)
        .map(|(&m, &r)| select(good, m, r))
        .collect();
    Ok(SharedSecret::new(secret))
}

/// `0xff` if `a == b`, else `0x00`, computed without a branch: `a ^ b` is zero exactly when
/// they are equal, and `d | -d` has its top bit set exactly when `d` is not zero.
fn eq_mask(a: usize, b: usize) -> u8 {
    let d = (a ^ b) as u64;
    let differ = ((d | d.wrapping_neg()) >> 63) as u8;
    // `black_box` keeps the optimiser from turning the mask back into a comparison and jump.
    std::hint::black_box(differ ^ 1).wrapping_neg()
}

/// `a` where `mask` is `0xff`, `b` where it is `0x00`, without a branch.
fn select(mask: u8, a: u8, b: u8) -> u8 {
    (a & mask) | (b & !mask)
}

/// A buffer that may hold secret bytes, zeroed when dropped.
struct Wiped(Vec<u8>);

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use padlock_test_support::rsa_blocks::{block, encrypt_unpadded};
    use padlock_test_support::{peer_runs, TempDir};

    use super::*;
    use crate::{AwsLcProvider, KeyKind, Provider, SigningKey};

    /// What the client offered in ClientHello.client_version: TLS 1.2.
    const OFFERED: [u8; 2] = [0x03, 0x03];

    struct Server {
        key: Box<dyn SigningKey>,
        spki: Vec<u8>,
        /// aws-lc-rs' own PKCS#1 v1.5 decryption under the same key, to confirm that a
        /// malformed ciphertext really is one the primitive refuses.
        raw: Pkcs1PrivateDecryptingKey,
    }

    fn rsa_2048() -> Server {
        let (key, pkcs8) = AwsLcProvider
            .generate_signing_key(KeyKind::Rsa(2048))
            .expect("generate");
        let raw = PrivateDecryptingKey::from_pkcs8(&pkcs8).expect("pkcs8");
        Server {
            spki: key.public_key_spki(),
            key,
            raw: Pkcs1PrivateDecryptingKey::new(raw).expect("decrypting key"),
        }
    }

    fn pre_master_secret() -> [u8; PRE_MASTER_SECRET_LEN] {
        let mut pms = [0u8; PRE_MASTER_SECRET_LEN];
        AwsLcProvider.fill_random(&mut pms).expect("random");
        pms[..2].copy_from_slice(&OFFERED);
        pms
    }

    /// PKCS#1 v1.5 encryption of any message, even one of the wrong length for TLS.
    fn encrypt_any(spki: &[u8], message: &[u8]) -> Vec<u8> {
        let public = PublicEncryptingKey::from_der(spki).expect("public key");
        let key = Pkcs1PublicEncryptingKey::new(public).expect("encrypting key");
        let mut out = vec![0u8; key.ciphertext_size()];
        key.encrypt(message, &mut out).expect("encrypt").to_vec()
    }

    fn raw_refuses(server: &Server, ciphertext: &[u8]) -> bool {
        let mut out = vec![0u8; server.raw.min_output_size()];
        server.raw.decrypt(ciphertext, &mut out).is_err()
    }

    /// Decrypts `ciphertext` twice and checks the outcome every malformed ciphertext must
    /// have: `Ok` with 48 bytes, unrelated to `intended`, and different each time (a fresh
    /// substitute, RFC 5246 §7.4.7.1).
    fn assert_substituted(server: &Server, what: &str, ciphertext: &[u8], intended: &[u8]) {
        let first = server
            .key
            .decrypt_pre_master_secret(ciphertext, OFFERED)
            .unwrap_or_else(|e| panic!("{what}: an error ({e}) would be an oracle"));
        let second = server
            .key
            .decrypt_pre_master_secret(ciphertext, OFFERED)
            .unwrap_or_else(|e| panic!("{what}: an error ({e}) would be an oracle"));
        assert_eq!(first.as_ref().len(), PRE_MASTER_SECRET_LEN, "{what}");
        assert_eq!(second.as_ref().len(), PRE_MASTER_SECRET_LEN, "{what}");
        assert_ne!(
            first.as_ref(),
            second.as_ref(),
            "{what}: not a fresh substitute"
        );
        assert_ne!(first.as_ref(), intended, "{what}");
    }

    #[test]
    fn eq_mask_is_all_ones_exactly_when_equal() {
        assert_eq!(eq_mask(48, 48), 0xff);
        assert_eq!(eq_mask(0, 0), 0xff);
        assert_eq!(eq_mask(usize::MAX, usize::MAX), 0xff);
        for (a, b) in [(47, 48), (0, 48), (48, 0), (1 << 40, 0), (usize::MAX, 0)] {
            assert_eq!(eq_mask(a, b), 0x00, "{a} vs {b}");
        }
    }

    #[test]
    fn select_picks_by_mask() {
        assert_eq!(select(0xff, 0xab, 0xcd), 0xab);
        assert_eq!(select(0x00, 0xab, 0xcd), 0xcd);
    }

    #[test]
    fn a_pre_master_secret_encrypted_by_the_client_is_recovered_by_the_server() {
        let server = rsa_2048();
        let pms = pre_master_secret();
        let ciphertext = AwsLcProvider
            .rsa_encrypt_pre_master_secret(&server.spki, &pms)
            .expect("encrypt");
        assert_eq!(ciphertext.len(), 256, "as long as the modulus");
        for _ in 0..2 {
            let got = server
                .key
                .decrypt_pre_master_secret(&ciphertext, OFFERED)
                .expect("decrypt");
            assert_eq!(got.as_ref(), &pms[..]);
        }
        // PKCS#1 v1.5 encryption is randomised: the same secret twice, two ciphertexts.
        let again = AwsLcProvider
            .rsa_encrypt_pre_master_secret(&server.spki, &pms)
            .expect("encrypt");
        assert_ne!(again, ciphertext);
    }

    #[test]
    fn every_malformed_ciphertext_gets_a_fresh_random_secret_and_no_error() {
        let server = rsa_2048();
        let pms = pre_master_secret();
        let good = encrypt_any(&server.spki, &pms);
        let mut wrong_version = pms;
        wrong_version[..2].copy_from_slice(&[0x03, 0x01]);
        let mut future_version = pms;
        future_version[..2].copy_from_slice(&[0x04, 0x04]);
        let modulus = modulus_of(&server.spki);
        // A random block below the modulus whose padding aws-lc refuses (about 1 in 2^16
        // random blocks happens to be well padded: try until one is not).
        let bad_padding = (0..16)
            .map(|_| {
                let mut block = vec![0u8; 256];
                AwsLcProvider.fill_random(&mut block).expect("random");
                block[0] = 0;
                block
            })
            .find(|block| raw_refuses(&server, block))
            .expect("a random block with bad padding");

        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("bad padding", bad_padding),
            ("message of 47 bytes", encrypt_any(&server.spki, &pms[..47])),
            (
                "message of 49 bytes",
                encrypt_any(&server.spki, &[pms.as_slice(), &[0]].concat()),
            ),
            ("empty message", encrypt_any(&server.spki, &[])),
            (
                "wrong version bytes (TLS 1.0)",
                encrypt_any(&server.spki, &wrong_version),
            ),
            (
                "wrong version bytes (0x0404)",
                encrypt_any(&server.spki, &future_version),
            ),
            ("zero-length ciphertext", Vec::new()),
            ("ciphertext one byte short", good[1..].to_vec()),
            ("ciphertext one byte long", [good.as_slice(), &[0]].concat()),
            ("ciphertext equal to the modulus", modulus.clone()),
            ("ciphertext above the modulus", vec![0xff; 256]),
            ("ciphertext of zero", vec![0; 256]),
        ];
        for (what, ciphertext) in &cases {
            assert_substituted(&server, what, ciphertext, &pms);
        }
        // The control: the well-formed one decrypts, every time.
        let got = server
            .key
            .decrypt_pre_master_secret(&good, OFFERED)
            .unwrap();
        assert_eq!(got.as_ref(), &pms[..]);
    }

    #[test]
    fn a_version_mismatch_against_the_client_hello_gets_the_substitute() {
        // The message is well formed and says TLS 1.2, but the ClientHello offered another
        // version: a rollback attempt, refused like any other malformation.
        let server = rsa_2048();
        let pms = pre_master_secret();
        let ciphertext = encrypt_any(&server.spki, &pms);
        let got = server
            .key
            .decrypt_pre_master_secret(&ciphertext, [0x03, 0x02])
            .expect("no error");
        assert_ne!(got.as_ref(), &pms[..]);
    }

    #[test]
    fn keys_that_cannot_decrypt_say_so_whatever_the_ciphertext() {
        let (ecdsa, _) = AwsLcProvider
            .generate_signing_key(KeyKind::EcdsaP256)
            .expect("generate");
        for ciphertext in [&[][..], &[0u8; 256]] {
            assert_eq!(
                ecdsa.decrypt_pre_master_secret(ciphertext, OFFERED).err(),
                Some(CryptoError::Unsupported)
            );
        }
        let ecdsa_spki = ecdsa.public_key_spki();
        assert_eq!(
            AwsLcProvider
                .rsa_encrypt_pre_master_secret(&ecdsa_spki, &pre_master_secret())
                .err(),
            Some(CryptoError::BadPublicKey)
        );
        assert_eq!(
            AwsLcProvider
                .rsa_encrypt_pre_master_secret(b"\x30\x00", &pre_master_secret())
                .err(),
            Some(CryptoError::BadPublicKey)
        );
    }

    /// Bleichenbacher's classic malformed blocks, built byte by byte and encrypted without
    /// padding by openssl (aws-lc-rs has no unpadded encryption): each must be refused by
    /// aws-lc and answered with a substitute, while the well-formed control decrypts.
    #[test]
    fn classic_bleichenbacher_blocks_encrypted_by_openssl_all_get_substitutes() {
        if !peer_runs("openssl", "version") {
            return;
        }
        let server = rsa_2048();
        let tmp = TempDir::new("rsa-kx-blocks");
        let pms = pre_master_secret();
        let k = 256;
        let well_formed = block(0, 2, k - 3 - 48, true, &pms);
        let mut wrong_version = pms;
        wrong_version[0] = 0x02;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "block type 1 (a signature's)",
                block(0, 1, k - 3 - 48, true, &pms),
            ),
            ("block type 0", block(0, 0, k - 3 - 48, true, &pms)),
            ("nonzero first byte", block(1, 2, k - 3 - 48, true, &pms)),
            ("no zero separator", block(0, 2, k - 2, false, &[])),
            (
                "padding string of 7 bytes",
                block(0, 2, 7, true, &[&pms[..], &[0x5a; 256 - 10 - 48]].concat()),
            ),
            (
                "separator in the last byte (empty message)",
                block(0, 2, k - 3, true, &[]),
            ),
            (
                "message of 47 bytes",
                block(0, 2, k - 3 - 47, true, &pms[..47]),
            ),
            (
                "message of 49 bytes",
                block(0, 2, k - 3 - 49, true, &[&[3u8][..], &pms].concat()),
            ),
            (
                "wrong version bytes",
                block(0, 2, k - 3 - 48, true, &wrong_version),
            ),
        ];
        let encrypt = |name: &str, block: &[u8]| {
            assert_eq!(block.len(), k, "{name}");
            encrypt_unpadded(tmp.path(), &server.spki, block)
        };
        let control = encrypt("control", &well_formed);
        let got = server
            .key
            .decrypt_pre_master_secret(&control, OFFERED)
            .unwrap();
        assert_eq!(got.as_ref(), &pms[..], "the well-formed control block");
        for (i, (what, block)) in cases.iter().enumerate() {
            let ciphertext = encrypt(what, block);
            // The first five are bad padding, which aws-lc itself refuses; the rest are well
            // padded but not a TLS pre-master secret, which only our checks catch.
            assert_eq!(raw_refuses(&server, &ciphertext), i < 5, "{what}");
            assert_substituted(&server, what, &ciphertext, &pms);
        }
    }

    /// The modulus' big-endian bytes (no leading zero), read from the SPKI DER: the
    /// RSAPublicKey's first INTEGER, at a fixed place for a 2048-bit key.
    fn modulus_of(spki: &[u8]) -> Vec<u8> {
        // 30 82 01 22 | 30 0d <rsaEncryption, NULL> | 03 82 01 0f 00 | 30 82 01 0a | 02 82 01 01 00 <n>
        let start = 4 + 15 + 5 + 4 + 5;
        let n = spki[start..start + 256].to_vec();
        assert!(n[0] & 0x80 != 0, "a 2048-bit modulus fills its top byte");
        n
    }
}
