//! TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1), the `legacy_rsa_key_exchange` opt-in:
//! the client encrypts a fresh pre-master secret to the RSA key of the server's
//! certificate, and the server decrypts it. No forward secrecy: whoever later obtains the
//! server's private key can decrypt every recorded session.
//!
//! The client and server states call these steps where their key exchange is RSA; the
//! ECDHE steps sit beside them in `client/tls12` and `server/tls12`.
//!
//! The server's side must not be an oracle (Bleichenbacher 1998, ROBOT 2017, Marvin 2023):
//! whatever the ciphertext, [`decrypt_pre_master_secret`] returns a 48-byte secret —
//! the real one, or a random substitute the provider chose in constant time
//! ([`padlock_crypto::SigningKey::decrypt_pre_master_secret`]) — and the handshake goes on
//! the same way; a bad ciphertext shows only as the client's Finished failing to decrypt
//! (bad_record_mac), exactly as a good ciphertext under a different secret would. The only
//! early error is a ClientKeyExchange whose framing is broken (its length prefix does not
//! match its body), which says nothing about the plaintext.

use padlock_crypto::{Provider, SharedSecret, PRE_MASTER_SECRET_LEN};
use padlock_pki::{Certificate, KU_KEY_ENCIPHERMENT};

use crate::config::CertifiedKey;
use crate::error::{Error, PeerMisbehaved};
use crate::wire::codec::Codec;
use crate::wire::enums::ProtocolVersion;
use crate::wire::handshake::EncryptedPreMasterSecret;

/// The client's step (RFC 5246 §7.4.7.1): a fresh pre_master_secret — the version our
/// ClientHello offered (`client_version`), then 46 random bytes — encrypted with
/// RSAES-PKCS1-v1_5 to the key of the server's certificate `leaf`. Returns the
/// ClientKeyExchange body (the `EncryptedPreMasterSecret`, length-prefixed) and the secret.
///
/// The certificate must allow key encipherment (RFC 5246 §7.4.2; RFC 5280 §4.2.1.3): a
/// keyUsage without keyEncipherment refuses the exchange.
pub(crate) fn encrypt_pre_master_secret(
    provider: &dyn Provider,
    leaf: &[u8],
    client_version: ProtocolVersion,
) -> Result<(Vec<u8>, SharedSecret), Error> {
    let cert = Certificate::from_der(leaf)?;
    if !allows_key_encipherment(&cert) {
        return Err(PeerMisbehaved::WrongCertificateKeyForSuite.into());
    }
    let mut secret = vec![0u8; PRE_MASTER_SECRET_LEN];
    provider
        .fill_random(&mut secret)
        .map_err(|_| Error::Internal("the random number generator failed"))?;
    secret[..2].copy_from_slice(&client_version.to_wire().to_be_bytes());
    let secret = SharedSecret::new(secret);
    let mut plain = [0u8; PRE_MASTER_SECRET_LEN];
    plain.copy_from_slice(secret.as_ref());
    let encrypted =
        provider.rsa_encrypt_pre_master_secret(cert.subject_public_key_info().der, &plain);
    plain.fill(0);
    // Not an RSA key of 2048 to 8192 bits: the certificate cannot do this suite.
    let ciphertext = encrypted.map_err(|_| PeerMisbehaved::WrongCertificateKeyForSuite)?;
    let ciphertext = EncryptedPreMasterSecret {
        ciphertext: &ciphertext,
    };
    Ok((ciphertext.to_vec(), secret))
}

/// The server's step (RFC 5246 §7.4.7.1): the pre-master secret from the client's
/// ClientKeyExchange `body`, or — for any malformed, misencrypted or wrongly versioned
/// ciphertext — a random one, indistinguishably (see the module notes). `client_version`
/// is ClientHello.client_version, which the secret must begin with.
pub(crate) fn decrypt_pre_master_secret(
    cert: &CertifiedKey,
    body: &[u8],
    client_version: ProtocolVersion,
) -> Result<SharedSecret, Error> {
    // Framing only: the length prefix against the body's length (public, not secret).
    let encrypted = EncryptedPreMasterSecret::decode(body)?;
    cert.key
        .decrypt_pre_master_secret(encrypted.ciphertext, client_version.to_wire().to_be_bytes())
        // Only a key that cannot decrypt at all, or a failed random generator: neither
        // depends on the ciphertext.
        .map_err(|_| Error::Internal("the certificate's key cannot do RSA key transport"))
}

/// Whether the server may offer RSA key transport with `cert`: its leaf parses and allows
/// key encipherment (RFC 5246 §7.4.2). Checked once per handshake, only with the opt-in.
pub(crate) fn certificate_allows_key_transport(cert: &CertifiedKey) -> bool {
    cert.chain
        .first()
        .and_then(|leaf| Certificate::from_der(leaf).ok())
        .is_some_and(|leaf| allows_key_encipherment(&leaf))
}

/// RFC 5280 §4.2.1.3: without a keyUsage extension any use is allowed; with one,
/// keyEncipherment must be among its bits.
fn allows_key_encipherment(cert: &Certificate<'_>) -> bool {
    cert.extensions()
        .key_usage
        .is_none_or(|bits| bits & KU_KEY_ENCIPHERMENT != 0)
}
