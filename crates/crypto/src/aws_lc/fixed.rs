//! **Test only**, behind the `insecure-fixed-keys` feature: a key exchange from a *given*
//! private key, so a published trace (RFC 8448) can be replayed byte for byte.
//!
//! Never enable the feature outside tests. TLS 1.3's forward secrecy rests on ephemeral keys
//! that are fresh and secret (RFC 8446 §4.2.8, §E.1); a key taken from a document is neither.
//! That is why this is not part of [`crate::Provider`] and not built by default.

use aws_lc_rs::{agreement, kem};

use crate::{CryptoError, KeyExchange, KeyExchangeAlgorithm, SharedSecret};

/// A key exchange whose private key is `private_key` (X25519: the 32 raw bytes of
/// RFC 7748 §5; P-256/P-384: the big-endian scalar, zero-padded to the field size) instead
/// of a freshly generated one. Its public share and its checks of the peer's share are
/// those of [`crate::Provider::start_key_exchange`] on [`crate::AwsLcProvider`].
///
/// A connection using it has no forward secrecy.
pub fn key_exchange_from_private_key(
    group: KeyExchangeAlgorithm,
    private_key: &[u8],
) -> Result<Box<dyn KeyExchange>, CryptoError> {
    let alg = super::agreement_algorithm(group)?;
    let private = agreement::PrivateKey::from_private_key(alg, private_key)
        .map_err(|_| CryptoError::BadPrivateKey)?;
    let public = private
        .compute_public_key()
        .map_err(|_| CryptoError::BadPrivateKey)?
        .as_ref()
        .to_vec();
    Ok(Box::new(FixedKeyExchange {
        group,
        private,
        public,
    }))
}

/// An ML-KEM or hybrid key exchange (draft-ietf-tls-ecdhe-mlkem) from a given FIPS 203
/// decapsulation key (`dk`, §7.1, whose encapsulation key it contains) and, for a hybrid, a
/// given classical private key (as in [`key_exchange_from_private_key`]). Decapsulation is
/// deterministic, so a fixed server share gives a known shared secret.
///
/// A connection using it has no forward secrecy.
pub fn kem_key_exchange_from_private_keys(
    group: KeyExchangeAlgorithm,
    decapsulation_key: &[u8],
    classical_private_key: &[u8],
) -> Result<Box<dyn KeyExchange>, CryptoError> {
    let layout = super::hybrid::Layout::of(group).ok_or(CryptoError::Unsupported)?;
    let encapsulation = layout
        .encapsulation_key_in(decapsulation_key)
        .ok_or(CryptoError::BadPrivateKey)?
        .to_vec();
    let decapsulation = kem::DecapsulationKey::new(layout.kem(), decapsulation_key)
        .map_err(|_| CryptoError::BadPrivateKey)?;
    super::hybrid::from_parts(group, layout, decapsulation, encapsulation, |g| {
        key_exchange_from_private_key(g, classical_private_key)
    })
}

/// A key exchange over a caller-supplied private key.
struct FixedKeyExchange {
    group: KeyExchangeAlgorithm,
    private: agreement::PrivateKey,
    public: Vec<u8>,
}

impl KeyExchange for FixedKeyExchange {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, CryptoError> {
        // The same peer-share rules as the ephemeral exchange (RFC 8446 §4.2.8.2).
        super::check_peer_share(self.group, peer_public_key)?;
        let peer = agreement::UnparsedPublicKey::new(self.private.algorithm(), peer_public_key);
        let secret = agreement::agree(&self.private, peer, CryptoError::BadPublicKey, |bytes| {
            Ok(SharedSecret::from_slice(bytes))
        })?;
        // RFC 7748 §6.1, RFC 8446 §7.4.2: an all-zero X25519 output is refused.
        if secret.as_ref().iter().all(|b| *b == 0) {
            return Err(CryptoError::BadPublicKey);
        }
        Ok(secret)
    }

    fn algorithm(&self) -> KeyExchangeAlgorithm {
        self.group
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AwsLcProvider, Provider};
    use padlock_test_support::unhex;

    #[test]
    fn x25519_from_a_given_private_key_matches_rfc_7748_section_6_1() {
        let alice = key_exchange_from_private_key(
            KeyExchangeAlgorithm::X25519,
            &unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
        )
        .unwrap();
        assert_eq!(
            alice.public_key(),
            unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        let bob_public = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let k = alice.complete(&bob_public).unwrap();
        assert_eq!(
            k.as_ref(),
            unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        );
    }

    /// A FIPS 203 ML-KEM-768 decapsulation key, a ciphertext to it and the secret it
    /// decapsulates to (made once with aws-lc's ML-KEM-768, recorded here).
    fn ml_kem_768_vector() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let text = include_str!("testdata/ml-kem-768-kat.txt");
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| unhex(v.trim()))
                .unwrap()
        };
        (field("dk "), field("ct "), field("ss "))
    }

    const RFC7748_ALICE: &str = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const RFC7748_BOB_PUBLIC: &str =
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const RFC7748_SHARED: &str = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    #[test]
    fn x25519_mlkem768_secret_is_the_ml_kem_secret_then_the_x25519_secret() {
        // draft-ietf-tls-ecdhe-mlkem §3.1: client share ek ‖ X25519, server share ct ‖
        // X25519, secret ML-KEM ‖ X25519; the X25519 half is RFC 7748 §6.1's.
        let (dk, ct, ss) = ml_kem_768_vector();
        let client = kem_key_exchange_from_private_keys(
            KeyExchangeAlgorithm::X25519MlKem768,
            &dk,
            &unhex(RFC7748_ALICE),
        )
        .unwrap();
        assert_eq!(client.public_key().len(), 1216);
        assert_eq!(&client.public_key()[..1184], &dk[1152..1152 + 1184]);
        assert_eq!(
            &client.public_key()[1184..],
            unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        let server_share = [&ct[..], &unhex(RFC7748_BOB_PUBLIC)].concat();
        let secret = client.complete(&server_share).unwrap();
        assert_eq!(secret.as_ref(), [&ss[..], &unhex(RFC7748_SHARED)].concat());
    }

    #[test]
    fn secp256r1_mlkem768_secret_is_the_ecdh_secret_then_the_ml_kem_secret() {
        let (dk, ct, ss) = ml_kem_768_vector();
        let mut scalar = [0u8; 32];
        scalar[31] = 7;
        let client =
            kem_key_exchange_from_private_keys(KeyExchangeAlgorithm::P256MlKem768, &dk, &scalar)
                .unwrap();
        let p256 = key_exchange_from_private_key(KeyExchangeAlgorithm::P256, &scalar).unwrap();
        assert_eq!(client.public_key().len(), 1249);
        assert_eq!(&client.public_key()[..65], p256.public_key());
        assert_eq!(&client.public_key()[65..], &dk[1152..1152 + 1184]);
        // The server's P-256 share: the generator times 5.
        let mut five = [0u8; 32];
        five[31] = 5;
        let server_p256 = key_exchange_from_private_key(KeyExchangeAlgorithm::P256, &five)
            .unwrap()
            .public_key()
            .to_vec();
        let ecdh = p256.complete(&server_p256).unwrap();
        let secret = client
            .complete(&[&server_p256[..], &ct[..]].concat())
            .unwrap();
        assert_eq!(secret.as_ref(), [ecdh.as_ref(), &ss[..]].concat());
    }

    #[test]
    fn fixed_p256_key_agrees_with_an_ephemeral_one() {
        let mut scalar = [0u8; 32];
        scalar[31] = 7;
        let fixed = key_exchange_from_private_key(KeyExchangeAlgorithm::P256, &scalar).unwrap();
        let ephemeral = AwsLcProvider
            .start_key_exchange(KeyExchangeAlgorithm::P256)
            .unwrap();
        let (fixed_public, ephemeral_public) =
            (fixed.public_key().to_vec(), ephemeral.public_key().to_vec());
        let a = fixed.complete(&ephemeral_public).unwrap();
        let b = ephemeral.complete(&fixed_public).unwrap();
        assert_eq!(a.as_ref(), b.as_ref());
    }

    #[test]
    fn refuses_a_private_key_of_the_wrong_length_and_a_bad_peer_share() {
        assert_eq!(
            key_exchange_from_private_key(KeyExchangeAlgorithm::X25519, &[1; 31]).err(),
            Some(CryptoError::BadPrivateKey)
        );
        let fixed = key_exchange_from_private_key(KeyExchangeAlgorithm::X25519, &[1; 32]).unwrap();
        // An all-zero share is a low-order point: the output would be all zeros.
        assert_eq!(
            fixed.complete(&[0; 32]).err(),
            Some(CryptoError::BadPublicKey)
        );
    }
}
