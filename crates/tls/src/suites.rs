//! What each negotiable identifier means to the provider.

use padlock_crypto::{AeadAlgorithm, CryptoError, HashAlgorithm, KeyExchangeAlgorithm};

use crate::error::{Error, PeerMisbehaved};

use crate::wire::enums::{CipherSuite, NamedGroup};

/// A TLS 1.3 cipher suite: its AEAD and hash (RFC 8446 §B.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Suite {
    pub(crate) suite: CipherSuite,
    pub(crate) aead: AeadAlgorithm,
    pub(crate) hash: HashAlgorithm,
}

/// The suites this engine implements; `None` for anything else.
pub(crate) fn suite(suite: CipherSuite) -> Option<Suite> {
    let (aead, hash) = match suite {
        CipherSuite::TLS_AES_128_GCM_SHA256 => (AeadAlgorithm::Aes128Gcm, HashAlgorithm::Sha256),
        CipherSuite::TLS_AES_256_GCM_SHA384 => (AeadAlgorithm::Aes256Gcm, HashAlgorithm::Sha384),
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => {
            (AeadAlgorithm::ChaCha20Poly1305, HashAlgorithm::Sha256)
        }
        _ => return None,
    };
    Some(Suite { suite, aead, hash })
}

/// The provider's key exchange for a named group (RFC 8446 §4.2.7); `None` if unsupported.
pub(crate) fn group(group: NamedGroup) -> Option<KeyExchangeAlgorithm> {
    Some(match group {
        NamedGroup::x25519 => KeyExchangeAlgorithm::X25519,
        NamedGroup::secp256r1 => KeyExchangeAlgorithm::P256,
        NamedGroup::secp384r1 => KeyExchangeAlgorithm::P384,
        NamedGroup::X25519MLKEM768 => KeyExchangeAlgorithm::X25519MlKem768,
        NamedGroup::SecP256r1MLKEM768 => KeyExchangeAlgorithm::P256MlKem768,
        NamedGroup::MLKEM1024 => KeyExchangeAlgorithm::MlKem1024,
        _ => return None,
    })
}

/// What a failed key exchange with the peer's share means: the share was malformed or
/// invalid → illegal_parameter (RFC 8446 §4.2.8; draft-ietf-tls-ecdhe-mlkem §3.1.2, for a
/// KEM share of the wrong length or an encapsulation key failing FIPS 203's check); any
/// other failure (a decapsulation error, the random generator) → internal_error.
pub(crate) fn key_share_error(error: CryptoError) -> Error {
    match error {
        CryptoError::BadPublicKey => PeerMisbehaved::InvalidKeyShare.into(),
        _ => Error::Internal("the key exchange failed"),
    }
}
