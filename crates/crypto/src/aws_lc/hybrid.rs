//! ML-KEM (FIPS 203) key agreement, alone and as the hybrid groups of
//! draft-ietf-tls-ecdhe-mlkem: an ML-KEM exchange and an (EC)DH exchange run side by side,
//! their shares and secrets concatenated.
//!
//! The draft orders the parts differently per group (draft-ietf-tls-ecdhe-mlkem §3.1):
//! X25519MLKEM768 puts ML-KEM first — in the client's share (encapsulation key ‖ X25519
//! share), the server's share (ciphertext ‖ X25519 share) and the secret (ML-KEM secret ‖
//! X25519 secret) — while SecP256r1MLKEM768 puts the curve first in all three. [`Layout`]
//! holds that order in one place; nothing else here knows it.
//!
//! Every length is checked before any part reaches aws-lc, and no branch depends on a
//! secret: the parts are only split at fixed offsets and concatenated.

use aws_lc_rs::kem;

use crate::{CryptoError, KeyExchange, KeyExchangeAlgorithm, KeyShareResponse, SharedSecret};

/// How a KEM-based group is built from its parts (draft-ietf-tls-ecdhe-mlkem §3.1).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// The ML-KEM parameter set.
    kem: &'static kem::Algorithm,
    /// Its encapsulation key and ciphertext lengths (FIPS 203 §8, Table 3).
    kem_lens: KemLens,
    /// The classical half, if any; `None` for pure ML-KEM.
    ecdh: Option<Classical>,
}

/// An ML-KEM parameter set's encapsulation key and ciphertext lengths.
#[derive(Clone, Copy, Debug)]
struct KemLens {
    encapsulation_key: usize,
    ciphertext: usize,
}

/// ML-KEM-768 (FIPS 203 §8, Table 3).
const ML_KEM_768_LENS: KemLens = KemLens {
    encapsulation_key: 1184,
    ciphertext: 1088,
};

/// ML-KEM-1024 (FIPS 203 §8, Table 3).
const ML_KEM_1024_LENS: KemLens = KemLens {
    encapsulation_key: 1568,
    ciphertext: 1568,
};

/// The classical half of a hybrid and where it sits.
#[derive(Clone, Copy, Debug)]
struct Classical {
    group: KeyExchangeAlgorithm,
    /// Length of its share on the wire (RFC 8446 §4.2.8.2), the same both ways.
    share_len: usize,
    /// Whether the classical part comes before the ML-KEM part (in shares and secret).
    first: bool,
}

impl Layout {
    /// The layout of `group`; `None` for a group that has no ML-KEM part.
    pub(crate) fn of(group: KeyExchangeAlgorithm) -> Option<Self> {
        let classical = |group, share_len, first| {
            Some(Classical {
                group,
                share_len,
                first,
            })
        };
        Some(match group {
            // §3.1.1–§3.1.3: ML-KEM-768 first, then X25519.
            KeyExchangeAlgorithm::X25519MlKem768 => Self {
                kem: &kem::ML_KEM_768,
                kem_lens: ML_KEM_768_LENS,
                ecdh: classical(KeyExchangeAlgorithm::X25519, 32, false),
            },
            // §3.1.1–§3.1.3: the secp256r1 part first, then ML-KEM-768.
            KeyExchangeAlgorithm::P256MlKem768 => Self {
                kem: &kem::ML_KEM_768,
                kem_lens: ML_KEM_768_LENS,
                ecdh: classical(KeyExchangeAlgorithm::P256, 65, true),
            },
            KeyExchangeAlgorithm::MlKem1024 => Self {
                kem: &kem::ML_KEM_1024,
                kem_lens: ML_KEM_1024_LENS,
                ecdh: None,
            },
            _ => return None,
        })
    }

    /// The encapsulation key inside a FIPS 203 decapsulation key (§7.1: `dk` is
    /// `dk_PKE ‖ ek ‖ H(ek) ‖ z`, and `dk_PKE` is 32 bytes shorter than `ek`).
    #[cfg(feature = "insecure-fixed-keys")]
    pub(crate) fn encapsulation_key_in(self, decapsulation_key: &[u8]) -> Option<&[u8]> {
        let start = self.kem_lens.encapsulation_key - 32;
        decapsulation_key.get(start..start + self.kem_lens.encapsulation_key)
    }

    /// The ML-KEM parameter set.
    #[cfg(feature = "insecure-fixed-keys")]
    pub(crate) fn kem(self) -> &'static kem::Algorithm {
        self.kem
    }

    /// Length of the initiator's (client's) share.
    pub(crate) fn initiator_share_len(self) -> usize {
        self.kem_lens.encapsulation_key + self.classical_len()
    }

    /// Length of the responder's (server's) share.
    pub(crate) fn responder_share_len(self) -> usize {
        self.kem_lens.ciphertext + self.classical_len()
    }

    fn classical_len(self) -> usize {
        self.ecdh.map_or(0, |c| c.share_len)
    }

    /// Splits a share of `total` bytes into its (ML-KEM, classical) parts; `None` if its
    /// length is not exactly `total`.
    fn split(self, share: &[u8], total: usize) -> Option<(&[u8], &[u8])> {
        if share.len() != total {
            return None;
        }
        let classical_len = self.classical_len();
        Some(match self.ecdh {
            Some(c) if c.first => {
                let (classical, kem) = share.split_at(classical_len);
                (kem, classical)
            }
            _ => share.split_at(total - classical_len),
        })
    }

    /// Concatenates an ML-KEM part and a classical part in this group's order.
    fn join(self, kem: &[u8], classical: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(kem.len() + classical.len());
        match self.ecdh {
            Some(c) if c.first => {
                out.extend_from_slice(classical);
                out.extend_from_slice(kem);
            }
            _ => {
                out.extend_from_slice(kem);
                out.extend_from_slice(classical);
            }
        }
        out
    }
}

/// The initiator's side: a fresh ML-KEM decapsulation key and, for a hybrid, a fresh
/// classical key, with the share that carries both public halves.
pub(crate) fn start(
    group: KeyExchangeAlgorithm,
    layout: Layout,
    start_classical: impl Fn(KeyExchangeAlgorithm) -> Result<Box<dyn KeyExchange>, CryptoError>,
) -> Result<Box<dyn KeyExchange>, CryptoError> {
    let decapsulation =
        kem::DecapsulationKey::generate(layout.kem).map_err(|_| CryptoError::Random)?;
    let encapsulation = decapsulation
        .encapsulation_key()
        .and_then(|k| k.key_bytes().map(|b| b.as_ref().to_vec()))
        .map_err(|_| CryptoError::Random)?;
    from_parts(group, layout, decapsulation, encapsulation, start_classical)
}

/// An initiator's exchange from its parts: the decapsulation key, the matching
/// encapsulation key's bytes and a way to start the classical half.
pub(crate) fn from_parts(
    group: KeyExchangeAlgorithm,
    layout: Layout,
    decapsulation: kem::DecapsulationKey,
    encapsulation: Vec<u8>,
    start_classical: impl Fn(KeyExchangeAlgorithm) -> Result<Box<dyn KeyExchange>, CryptoError>,
) -> Result<Box<dyn KeyExchange>, CryptoError> {
    let classical = layout.ecdh.map(|c| start_classical(c.group)).transpose()?;
    let public = layout.join(
        &encapsulation,
        classical.as_ref().map_or(&[][..], |c| c.public_key()),
    );
    Ok(Box::new(KemKeyExchange {
        group,
        layout,
        decapsulation,
        classical,
        public,
    }))
}

/// The responder's side in one step (draft-ietf-tls-ecdhe-mlkem §3.1.2): checks the
/// initiator's share, encapsulates to its ML-KEM key, answers its classical share with one
/// of ours, and returns our share and the combined secret.
///
/// A share of the wrong length, or an encapsulation key that fails FIPS 203 §7.2's input
/// check, is [`CryptoError::BadPublicKey`] (→ illegal_parameter); so is a classical share
/// the (EC)DH rules refuse.
pub(crate) fn respond(
    layout: Layout,
    peer_share: &[u8],
    start_classical: impl Fn(KeyExchangeAlgorithm) -> Result<Box<dyn KeyExchange>, CryptoError>,
) -> Result<KeyShareResponse, CryptoError> {
    let (peer_kem, peer_classical) = layout
        .split(peer_share, layout.initiator_share_len())
        .ok_or(CryptoError::BadPublicKey)?;
    // FIPS 203 §7.2: the encapsulation key's input check (its coefficients reduced mod q)
    // is done by aws-lc when the key is parsed or used; either failure is the peer's.
    let encapsulation =
        kem::EncapsulationKey::new(layout.kem, peer_kem).map_err(|_| CryptoError::BadPublicKey)?;
    let (ciphertext, kem_secret) = encapsulation
        .encapsulate()
        .map_err(|_| CryptoError::BadPublicKey)?;
    let classical = layout
        .ecdh
        .map(|c| KeyShareResponse::agree(start_classical(c.group)?, peer_classical))
        .transpose()?;
    let (our_classical, classical_secret) = classical
        .as_ref()
        .map_or((&[][..], &[][..]), |c| (&c.share[..], c.secret.as_ref()));
    Ok(KeyShareResponse {
        share: layout.join(ciphertext.as_ref(), our_classical).into(),
        secret: SharedSecret::new(layout.join(kem_secret.as_ref(), classical_secret)),
    })
}

/// An initiator's ML-KEM (and classical) keys, waiting for the responder's share.
struct KemKeyExchange {
    group: KeyExchangeAlgorithm,
    layout: Layout,
    decapsulation: kem::DecapsulationKey,
    classical: Option<Box<dyn KeyExchange>>,
    public: Vec<u8>,
}

impl KeyExchange for KemKeyExchange {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// draft-ietf-tls-ecdhe-mlkem §3.1.2: a responder share of the wrong length is
    /// [`CryptoError::BadPublicKey`] (→ illegal_parameter), as is a classical part the
    /// (EC)DH rules refuse; a decapsulation that fails for any other reason is
    /// [`CryptoError::Unsupported`] (→ internal_error).
    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        let (ciphertext, peer_classical) = self
            .layout
            .split(peer_share, self.layout.responder_share_len())
            .ok_or(CryptoError::BadPublicKey)?;
        let classical_secret = self
            .classical
            .map(|c| c.complete(peer_classical))
            .transpose()?;
        let kem_secret = self
            .decapsulation
            .decapsulate(kem::Ciphertext::from(ciphertext))
            .map_err(|_| CryptoError::Unsupported)?;
        let classical_secret = classical_secret.as_ref().map_or(&[][..], |s| s.as_ref());
        Ok(SharedSecret::new(
            self.layout.join(kem_secret.as_ref(), classical_secret),
        ))
    }

    fn algorithm(&self) -> KeyExchangeAlgorithm {
        self.group
    }

    fn classical_share(&self) -> Option<(KeyExchangeAlgorithm, &[u8])> {
        self.classical
            .as_ref()
            .map(|c| (c.algorithm(), c.public_key()))
    }

    fn complete_classical(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        match self.classical {
            Some(classical) => classical.complete(peer_share),
            None => Err(CryptoError::Unsupported),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AwsLcProvider, Provider};

    const HYBRIDS: [KeyExchangeAlgorithm; 3] = [
        KeyExchangeAlgorithm::X25519MlKem768,
        KeyExchangeAlgorithm::P256MlKem768,
        KeyExchangeAlgorithm::MlKem1024,
    ];

    /// A client share, the server's answer and both sides' secrets.
    fn exchange(group: KeyExchangeAlgorithm) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let client = AwsLcProvider.start_key_exchange(group).unwrap();
        let client_share = client.public_key().to_vec();
        let answer = AwsLcProvider
            .respond_to_key_share(group, &client_share)
            .unwrap();
        let client_secret = client.complete(&answer.share).unwrap();
        (
            client_share,
            answer.share.to_vec(),
            client_secret.as_ref().to_vec(),
            answer.secret.as_ref().to_vec(),
        )
    }

    #[test]
    fn both_sides_agree_with_the_draft_sizes() {
        // draft-ietf-tls-ecdhe-mlkem §3.1.1–§3.1.3; pure ML-KEM-1024 from FIPS 203.
        for (group, client_len, server_len, secret_len) in [
            (KeyExchangeAlgorithm::X25519MlKem768, 1216, 1120, 64),
            (KeyExchangeAlgorithm::P256MlKem768, 1249, 1153, 64),
            (KeyExchangeAlgorithm::MlKem1024, 1568, 1568, 32),
        ] {
            let (client_share, server_share, a, b) = exchange(group);
            assert_eq!(client_share.len(), client_len, "{group:?}");
            assert_eq!(server_share.len(), server_len, "{group:?}");
            assert_eq!(a.len(), secret_len, "{group:?}");
            assert_eq!(a, b, "{group:?}");
        }
    }

    #[test]
    fn secp256r1_mlkem768_puts_the_curve_point_first_and_x25519_mlkem768_last() {
        let (client_share, server_share, _, _) = exchange(KeyExchangeAlgorithm::P256MlKem768);
        assert_eq!(client_share[0], 0x04);
        assert_eq!(server_share[0], 0x04);
        // The X25519 part of X25519MLKEM768 is the last 32 bytes: replacing it with a
        // low-order point makes the exchange fail on the classical half.
        let client = AwsLcProvider
            .start_key_exchange(KeyExchangeAlgorithm::X25519MlKem768)
            .unwrap();
        let mut share = client.public_key().to_vec();
        share[1184..].fill(0);
        assert_eq!(
            AwsLcProvider
                .respond_to_key_share(KeyExchangeAlgorithm::X25519MlKem768, &share)
                .err(),
            Some(CryptoError::BadPublicKey)
        );
    }

    #[test]
    fn the_classical_half_completes_alone_against_a_classical_answer() {
        let client = AwsLcProvider
            .start_key_exchange(KeyExchangeAlgorithm::X25519MlKem768)
            .unwrap();
        let (group, share) = client.classical_share().unwrap();
        assert_eq!(group, KeyExchangeAlgorithm::X25519);
        assert_eq!(share, &client.public_key()[1184..]);
        let answer = AwsLcProvider
            .respond_to_key_share(KeyExchangeAlgorithm::X25519, share)
            .unwrap();
        let secret = client.complete_classical(&answer.share).unwrap();
        assert_eq!(secret.as_ref(), answer.secret.as_ref());
        // A low-order answer is refused as before.
        let client = AwsLcProvider
            .start_key_exchange(KeyExchangeAlgorithm::X25519MlKem768)
            .unwrap();
        assert_eq!(
            client.complete_classical(&[0; 32]).err(),
            Some(CryptoError::BadPublicKey)
        );
    }

    #[test]
    fn rejects_a_client_share_of_the_wrong_length() {
        for group in HYBRIDS {
            let client = AwsLcProvider.start_key_exchange(group).unwrap();
            let share = client.public_key();
            for bad in [
                &share[..share.len() - 1],
                &[share, &[0][..]].concat()[..],
                &[1; 32],
            ] {
                assert_eq!(
                    AwsLcProvider.respond_to_key_share(group, bad).err(),
                    Some(CryptoError::BadPublicKey),
                    "{group:?} {}",
                    bad.len()
                );
            }
        }
    }

    #[test]
    fn rejects_an_encapsulation_key_that_fails_the_fips_203_modulus_check() {
        let client = AwsLcProvider
            .start_key_exchange(KeyExchangeAlgorithm::X25519MlKem768)
            .unwrap();
        let mut share = client.public_key().to_vec();
        // FIPS 203 §7.2: the first 12-bit coefficient becomes 4095, not reduced mod q = 3329.
        share[0] = 0xff;
        share[1] |= 0x0f;
        assert_eq!(
            AwsLcProvider
                .respond_to_key_share(KeyExchangeAlgorithm::X25519MlKem768, &share)
                .err(),
            Some(CryptoError::BadPublicKey)
        );
    }

    #[test]
    fn rejects_a_server_share_of_the_wrong_length_including_a_classical_sized_one() {
        for group in HYBRIDS {
            let (_, server_share, _, _) = exchange(group);
            for bad_len in [32, 65, server_share.len() - 1, server_share.len() + 1] {
                let client = AwsLcProvider.start_key_exchange(group).unwrap();
                let mut bad = server_share.clone();
                bad.resize(bad_len, 4);
                assert_eq!(
                    client.complete(&bad).err(),
                    Some(CryptoError::BadPublicKey),
                    "{group:?} {bad_len}"
                );
            }
        }
    }

    #[test]
    fn validates_the_classical_half_of_the_server_share_as_before() {
        let client = AwsLcProvider
            .start_key_exchange(KeyExchangeAlgorithm::P256MlKem768)
            .unwrap();
        let answer = AwsLcProvider
            .respond_to_key_share(KeyExchangeAlgorithm::P256MlKem768, client.public_key())
            .unwrap();
        let mut compressed = answer.share.to_vec();
        compressed[0] = 0x02;
        assert_eq!(
            client.complete(&compressed).err(),
            Some(CryptoError::BadPublicKey)
        );
    }
}
