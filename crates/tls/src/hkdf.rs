//! HKDF (RFC 5869) on the provider's HMAC, and the TLS 1.3 wrappers around it:
//! HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1).
//!
//! This is protocol code, not a primitive: every MAC is computed by the provider's HMAC.
//! A PRK that keys several MACs (the T(1), T(2), … blocks of one expansion, or one TLS
//! secret expanded under several labels) is set up once as a keyed [`HmacKey`]; the
//! `*_with_key` functions take such a key. Outputs that are secrets come back as
//! [`Secret`], which is zeroed when dropped.

use std::fmt;

use padlock_crypto::{CryptoError, HashAlgorithm, HmacKey, Provider};

/// The longest HKDF output any caller needs in one piece: a SHA-512 sized secret.
pub const MAX_SECRET_LEN: usize = 64;

/// A secret value of at most 64 bytes (a PRK, a TLS 1.3 secret, a traffic key or IV).
///
/// Zeroed when dropped; `Debug` does not print it. The length is a byte (it is at most 64),
/// so a secret takes 65 bytes rather than 72: an established connection holds two of them
/// for its whole life (the application traffic secrets, for KeyUpdate).
#[derive(Clone)]
pub struct Secret {
    buf: [u8; MAX_SECRET_LEN],
    len: u8,
}

impl Secret {
    /// Copies `bytes` (at most 64 of them; longer input is truncated, which no caller in
    /// this crate produces because every secret is a hash output or a key).
    pub fn new(bytes: &[u8]) -> Self {
        let len = bytes.len().min(MAX_SECRET_LEN);
        let mut buf = [0u8; MAX_SECRET_LEN];
        buf[..len].copy_from_slice(&bytes[..len]);
        // `len` ≤ 64, so the cast is exact.
        Self {
            buf,
            len: len as u8,
        }
    }

    /// A secret of `len` zero bytes (capped at 64), to be filled through [`Self::bytes_mut`].
    fn zeroed(len: usize) -> Self {
        Self {
            buf: [0u8; MAX_SECRET_LEN],
            // At most 64, so the cast is exact.
            len: len.min(MAX_SECRET_LEN) as u8,
        }
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..usize::from(self.len)]
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the secret is empty (never, for secrets this crate derives).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.buf.iter_mut().for_each(|b| *b = 0);
        // Keep the zeroing from being optimised away as a dead store.
        std::hint::black_box(&self.buf);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

/// HKDF-Expand was asked for more than 255 × HashLen bytes (RFC 5869 §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputTooLong;

impl fmt::Display for OutputTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HKDF cannot produce more than 255 blocks of output")
    }
}

impl std::error::Error for OutputTooLong {}

/// HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2).
///
/// An empty `salt` stands for HashLen zero bytes, as §2.2 says: a constant key, which the
/// provider may have set up once ([`Provider::hmac_zero_key`]).
pub fn extract(provider: &dyn Provider, hash: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret {
    let prk = if salt.is_empty() {
        provider.hmac_zero_key(hash, &[ikm])
    } else {
        provider.hmac(hash, salt, &[ikm])
    };
    Secret::new(prk.as_ref())
}

/// HKDF-Expand(PRK, info, L) into `out` (RFC 5869 §2.3), for a PRK expanded only this
/// once: through the provider's one-shot HKDF-Expand where it has one
/// ([`Provider::hkdf_expand`]), else on a key set up for the call ([`expand_with_key`]).
pub fn expand(
    provider: &dyn Provider,
    hash: HashAlgorithm,
    prk: &[u8],
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<(), OutputTooLong> {
    if out.len() > 255 * hash.output_len() {
        return Err(OutputTooLong);
    }
    match provider.hkdf_expand(hash, prk, info, out) {
        Ok(()) => Ok(()),
        Err(CryptoError::Unsupported) => {
            with_hmac_key(provider, hash, prk, |key| expand_with_key(key, info, out))
        }
        Err(_) => Err(OutputTooLong),
    }
}

/// HKDF-Expand(PRK, info, L) into `out` (L = `out.len()`) (RFC 5869 §2.3), with the PRK
/// set up once as an HMAC key (whose hash is the expansion's): every block T(i) is a MAC
/// under that one key.
///
/// `info` is given in pieces that are MACed as if concatenated, so callers need not
/// build it in a buffer.
pub fn expand_with_key(
    prk: &dyn HmacKey,
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<(), OutputTooLong> {
    let hash_len = prk.algorithm().output_len();
    if out.len() > 255 * hash_len {
        return Err(OutputTooLong);
    }
    // Each block's MAC input, T(i-1) | info | i, in one piece on the stack when `info`
    // fits (every TLS 1.3 HkdfLabel does): `info` is placed once, after room for T(i-1),
    // and the provider MACs one slice (no pieces to join again on its side).
    let mut message = [0u8; MAX_SECRET_LEN + JOINED_MAX + 1];
    let joined = message
        .get_mut(hash_len..hash_len + JOINED_MAX)
        .and_then(|room| join(info, room));

    // T(0) = empty; T(i) = HMAC-Hash(PRK, T(i-1) | info | i).
    let mut previous = padlock_crypto::Digest::new(&[]);
    for (i, chunk) in out.chunks_mut(hash_len).enumerate() {
        // At most 255 chunks (checked above), so the counter fits a byte and starts at 1.
        let counter = [(i + 1) as u8];
        let one_piece = joined.and_then(|info_len| {
            let start = hash_len.checked_sub(previous.as_ref().len())?;
            message
                .get_mut(start..hash_len)?
                .copy_from_slice(previous.as_ref());
            *message.get_mut(hash_len + info_len)? = counter[0];
            message.get(start..hash_len + info_len + 1)
        });
        let block = match one_piece {
            Some(message) => prk.sign(&[message]),
            None => {
                let mut parts: Vec<&[u8]> = Vec::with_capacity(info.len() + 2);
                parts.push(previous.as_ref());
                parts.extend_from_slice(info);
                parts.push(&counter);
                prk.sign(&parts)
            }
        };
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        previous = block;
    }
    // T(1) onwards are key material: wipe the copies.
    if out.len() > hash_len {
        message.fill(0);
        std::hint::black_box(&message);
    }
    wipe_digest(&mut previous);
    Ok(())
}

/// The longest `info` [`expand_with_key`] joins on the stack (every TLS 1.3 HkdfLabel
/// fits: its label and context are short constants and hashes).
const JOINED_MAX: usize = 160;

/// Writes `parts` one after the other at the start of `buf` and returns their length, if
/// they fit. (Each piece is read as it is copied: summing the lengths first reads the
/// caller's array of slices with wide loads that the stores which just wrote it cannot
/// forward to, a stall on every call.)
fn join(parts: &[&[u8]], buf: &mut [u8]) -> Option<usize> {
    let mut at = 0;
    for part in parts {
        let end = at + part.len();
        buf.get_mut(at..end)?.copy_from_slice(part);
        at = end;
    }
    Some(at)
}

/// HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1), into `out`
/// (Length = `out.len()`). `label` is given without the `"tls13 "` prefix.
///
/// ```text
/// struct {
///     uint16 length = Length;
///     opaque label<7..255> = "tls13 " + Label;
///     opaque context<0..255> = Context;
/// } HkdfLabel;
/// ```
pub fn expand_label(
    provider: &dyn Provider,
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), OutputTooLong> {
    let parts = HkdfLabel::new(label, context, out.len())?;
    let mut joined = [0u8; JOINED_MAX];
    match join(&parts.info(), &mut joined) {
        Some(len) => expand(provider, hash, secret, &[&joined[..len]], out),
        None => expand(provider, hash, secret, &parts.info(), out),
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with Secret already set up as an HMAC key, for a
/// secret expanded under several labels.
pub fn expand_label_with_key(
    secret: &dyn HmacKey,
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), OutputTooLong> {
    let parts = HkdfLabel::new(label, context, out.len())?;
    expand_with_key(secret, &parts.info(), out)
}

/// The length fields of an HkdfLabel (RFC 8446 §7.1), beside its label and context: the
/// structure as the pieces of HKDF's `info`, with no buffer to build it in.
struct HkdfLabel<'a> {
    length: [u8; 2],
    label_len: [u8; 1],
    label: &'a [u8],
    context_len: [u8; 1],
    context: &'a [u8],
}

impl<'a> HkdfLabel<'a> {
    const PREFIX: &'static [u8] = b"tls13 ";

    fn new(label: &'a [u8], context: &'a [u8], out_len: usize) -> Result<Self, OutputTooLong> {
        if out_len > usize::from(u16::MAX)
            || Self::PREFIX.len() + label.len() > 255
            || context.len() > 255
        {
            return Err(OutputTooLong);
        }
        // All three lengths were bounded just above, so the casts are exact.
        Ok(Self {
            length: (out_len as u16).to_be_bytes(),
            label_len: [(Self::PREFIX.len() + label.len()) as u8],
            label,
            context_len: [context.len() as u8],
            context,
        })
    }

    fn info(&self) -> [&[u8]; 6] {
        [
            &self.length,
            &self.label_len,
            Self::PREFIX,
            self.label,
            &self.context_len,
            self.context,
        ]
    }
}

/// HKDF-Expand-Label into a new [`Secret`] of `len` bytes (at most 64).
pub fn expand_label_secret(
    provider: &dyn Provider,
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Secret {
    let mut out = Secret::zeroed(len);
    // Cannot fail: `len` ≤ 64 ≤ 255 × HashLen, and every label and context this crate
    // passes is a short constant or a hash output.
    let _ = expand_label(provider, hash, secret, label, context, out.bytes_mut());
    out
}

/// [`expand_label_secret`] with Secret already set up as an HMAC key.
pub fn expand_label_secret_with_key(
    secret: &dyn HmacKey,
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Secret {
    let mut out = Secret::zeroed(len);
    // Cannot fail: `len` ≤ 64 ≤ 255 × HashLen, and every label and context this crate
    // passes is a short constant or a hash output.
    let _ = expand_label_with_key(secret, label, context, out.bytes_mut());
    out
}

/// Derive-Secret(Secret, Label, Messages) =
/// HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
/// (RFC 8446 §7.1). The caller passes the transcript hash, not the messages.
pub fn derive_secret(
    provider: &dyn Provider,
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    transcript_hash: &[u8],
) -> Secret {
    expand_label_secret(
        provider,
        hash,
        secret,
        label,
        transcript_hash,
        hash.output_len(),
    )
}

/// [`derive_secret`] with Secret already set up as an HMAC key, for a secret that
/// derives several others (RFC 8446 §7.1: each stage derives two to four).
pub fn derive_secret_with_key(
    secret: &dyn HmacKey,
    label: &[u8],
    transcript_hash: &[u8],
) -> Secret {
    expand_label_secret_with_key(
        secret,
        label,
        transcript_hash,
        secret.algorithm().output_len(),
    )
}

/// Runs `f` with `key` set up once as an HMAC key, for as long as `f` runs: through
/// [`Provider::with_hmac_key`], which need not allocate the key (the key schedule sets
/// one up for every secret it expands under two or more labels).
pub(crate) fn with_hmac_key<R>(
    provider: &dyn Provider,
    hash: HashAlgorithm,
    key: &[u8],
    f: impl FnOnce(&dyn HmacKey) -> R,
) -> R {
    let mut f = Some(f);
    let mut result = None;
    provider.with_hmac_key(hash, key, &mut |k| {
        if let Some(f) = f.take() {
            result = Some(f(k));
        }
    });
    match (result, f) {
        (Some(result), _) => result,
        // A provider that did not call back: the key object does the same.
        (None, Some(f)) => f(provider.hmac_key(hash, key).as_ref()),
        // `f` is taken only to be called, which sets `result`.
        (None, None) => unreachable!("with_hmac_key: f was taken without a result"),
    }
}

/// Overwrites an HMAC output that held key material.
fn wipe_digest(digest: &mut padlock_crypto::Digest) {
    *digest = padlock_crypto::Digest::new(&[0u8; MAX_SECRET_LEN]);
    std::hint::black_box(digest);
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;
    use padlock_test_support::unhex;

    use super::*;

    fn check_rfc5869_case(ikm: &str, salt: &str, info: &str, prk: &str, okm: &str) {
        let provider = AwsLcProvider;
        let got_prk = extract(&provider, HashAlgorithm::Sha256, &unhex(salt), &unhex(ikm));
        assert_eq!(got_prk.as_bytes(), unhex(prk).as_slice());
        let okm = unhex(okm);
        let mut out = vec![0u8; okm.len()];
        expand_with_key(
            provider
                .hmac_key(HashAlgorithm::Sha256, got_prk.as_bytes())
                .as_ref(),
            &[&unhex(info)],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, okm);
    }

    #[test]
    fn matches_rfc5869_test_case_1() {
        check_rfc5869_case(
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "000102030405060708090a0b0c",
            "f0f1f2f3f4f5f6f7f8f9",
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf
             34007208d5b887185865",
        );
    }

    #[test]
    fn matches_rfc5869_test_case_2_with_long_inputs() {
        check_rfc5869_case(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
             202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
             404142434445464748494a4b4c4d4e4f",
            "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
             808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f
             a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
             d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef
             f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c
             59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71
             cc30c58179ec3e87c14c01d5c1f3434f1d87",
        );
    }

    #[test]
    fn matches_rfc5869_test_case_3_with_empty_salt_and_info() {
        check_rfc5869_case(
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "",
            "",
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d
             9d201395faa4b61a96c8",
        );
    }

    #[test]
    fn refuses_output_longer_than_255_blocks() {
        let key = AwsLcProvider.hmac_key(HashAlgorithm::Sha256, &[1; 32]);
        let mut out = vec![0u8; 255 * 32 + 1];
        assert_eq!(
            expand_with_key(key.as_ref(), &[], &mut out),
            Err(OutputTooLong)
        );
        let mut out = vec![0u8; 255 * 32];
        assert!(expand_with_key(key.as_ref(), &[], &mut out).is_ok());
    }

    #[test]
    fn splitting_info_into_pieces_does_not_change_the_output() {
        let provider = AwsLcProvider;
        let mut whole = [0u8; 80];
        let mut pieces = [0u8; 80];
        expand_with_key(
            provider.hmac_key(HashAlgorithm::Sha384, &[7; 48]).as_ref(),
            &[b"abcdef"],
            &mut whole,
        )
        .unwrap();
        expand_with_key(
            provider.hmac_key(HashAlgorithm::Sha384, &[7; 48]).as_ref(),
            &[b"ab", b"", b"cdef"],
            &mut pieces,
        )
        .unwrap();
        assert_eq!(whole, pieces);
    }

    #[test]
    fn info_too_long_to_join_gives_the_same_output_as_joined() {
        let provider = AwsLcProvider;
        let key = provider.hmac_key(HashAlgorithm::Sha256, &[7; 32]);
        let long = [0x5a; JOINED_MAX + 1];
        let (a, b) = long.split_at(JOINED_MAX / 2);
        let mut whole = [0u8; 40];
        let mut pieces = [0u8; 40];
        expand_with_key(key.as_ref(), &[&long], &mut whole).unwrap();
        expand_with_key(key.as_ref(), &[a, b], &mut pieces).unwrap();
        assert_eq!(whole, pieces);
    }

    #[test]
    fn join_puts_the_pieces_end_to_end_if_they_fit() {
        let mut buf = [0u8; 8];
        assert_eq!(join(&[b"ab", b"", b"cde"], &mut buf), Some(5));
        assert_eq!(buf[..5], *b"abcde");
        assert_eq!(join(&[], &mut buf), Some(0));
        assert_eq!(join(&[b"abcde", b"fghi"], &mut buf), None);
    }

    #[test]
    fn expand_label_matches_rfc8448_derived_secret() {
        // RFC 8448 §3: "derive secret for handshake" from the early secret (no PSK),
        // with the hash of the empty string as context.
        let provider = AwsLcProvider;
        let early = extract(&provider, HashAlgorithm::Sha256, &[], &[0u8; 32]);
        assert_eq!(
            early.as_bytes(),
            unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
        );
        let empty_hash = provider.hash_once(HashAlgorithm::Sha256, &[]);
        let derived = derive_secret(
            &provider,
            HashAlgorithm::Sha256,
            early.as_bytes(),
            b"derived",
            empty_hash.as_ref(),
        );
        assert_eq!(
            derived.as_bytes(),
            unhex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")
        );
    }

    #[test]
    fn expand_label_gives_the_same_bytes_one_shot_and_keyed() {
        // Up to HashLen bytes take the one-shot path; more take the keyed one.
        let provider = AwsLcProvider;
        for len in [12, 32, 33, 100] {
            let mut one_call = vec![0u8; len];
            let mut keyed = vec![0u8; len];
            expand_label(
                &provider,
                HashAlgorithm::Sha256,
                &[9; 32],
                b"key",
                b"ctx",
                &mut one_call,
            )
            .unwrap();
            let key = provider.hmac_key(HashAlgorithm::Sha256, &[9; 32]);
            expand_label_with_key(key.as_ref(), b"key", b"ctx", &mut keyed).unwrap();
            assert_eq!(one_call, keyed, "{len} bytes");
        }
    }

    #[test]
    fn debug_output_does_not_reveal_the_secret() {
        let s = Secret::new(&[0xab; 32]);
        assert_eq!(format!("{s:?}"), "Secret(32 bytes)");
    }

    #[test]
    fn a_secret_is_its_64_byte_buffer_and_a_length_byte() {
        // An established connection keeps two (the traffic secrets, for KeyUpdate), boxed
        // in its last handshake state: a `usize` length would add 7 bytes and padding.
        assert_eq!(std::mem::size_of::<Secret>(), MAX_SECRET_LEN + 1);
        let s = Secret::new(&[7u8; 80]);
        assert_eq!(s.len(), MAX_SECRET_LEN);
        assert_eq!(s.as_bytes(), &[7u8; MAX_SECRET_LEN][..]);
    }
}
