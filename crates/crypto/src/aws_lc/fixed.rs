//! **Test only**, behind the `insecure-fixed-keys` feature: a key exchange from a *given*
//! private key, so a published trace (RFC 8448) can be replayed byte for byte.
//!
//! Never enable the feature outside tests. TLS 1.3's forward secrecy rests on ephemeral keys
//! that are fresh and secret (RFC 8446 §4.2.8, §E.1); a key taken from a document is neither.
//! That is why this is not part of [`crate::Provider`] and not built by default.

use aws_lc_rs::agreement;

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
    let alg = super::agreement_algorithm(group);
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
            Ok(SharedSecret::new(bytes.to_vec()))
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

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

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
