//! Loading certificates and keys from PEM (RFC 7468).
//!
//! PEM parsing itself is `padlock_pki::pem`'s; this picks the blocks a server needs.

use std::sync::Arc;

use padlock_crypto::{PrivateKeyFormat, Provider};

use crate::{CertifiedKey, Error};

pub(crate) fn certified_key_from_pem(
    provider: &dyn Provider,
    chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<CertifiedKey, Error> {
    let chain: Vec<Vec<u8>> = padlock_pki::pem::parse_all(chain_pem)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.der)
        .collect();
    if chain.is_empty() {
        return Err(Error::Config(
            "the certificate file holds no CERTIFICATE block",
        ));
    }
    let key_block = padlock_pki::pem::parse_all(key_pem)?
        .into_iter()
        .find(|b| b.label.ends_with("PRIVATE KEY"))
        .ok_or(Error::Config("the key file holds no PRIVATE KEY block"))?;
    let format = match key_block.label.as_str() {
        "PRIVATE KEY" => PrivateKeyFormat::Pkcs8,
        "EC PRIVATE KEY" => PrivateKeyFormat::Sec1,
        "RSA PRIVATE KEY" => PrivateKeyFormat::Pkcs1,
        _ => {
            return Err(Error::Config(
                "the private key is encrypted or of an unknown kind",
            ))
        }
    };
    let key = provider
        .load_signing_key(&key_block.der, format)
        .map_err(|_| Error::Config("the private key could not be loaded"))?;
    check_key_matches_leaf(&chain[0], key.public_key_spki().as_slice())?;
    Ok(CertifiedKey {
        chain,
        key: Arc::from(key),
        signature_schemes: None,
    })
}

/// Refuses a key that is not the leaf's: every handshake would otherwise fail later with
/// `decrypt_error` at the client (RFC 8446 §4.4.3), with nothing to say why.
fn check_key_matches_leaf(leaf_der: &[u8], key_spki: &[u8]) -> Result<(), Error> {
    let leaf = padlock_pki::Certificate::from_der(leaf_der)?;
    let leaf_key = leaf.subject_public_key_info();
    // Compared by algorithm and key bits, so a differently encoded but equal key matches.
    let ours = padlock_pki::SubjectPublicKeyInfo::from_der(key_spki)?;
    if ours.algorithm == leaf_key.algorithm && ours.key == leaf_key.key {
        Ok(())
    } else {
        Err(Error::Config(
            "the private key does not match the certificate's public key",
        ))
    }
}
