//! Hand-built RSAES-PKCS1-v1_5 encryption blocks (RFC 8017 §7.2.1: `00 02 PS 00 M`) — well
//! formed, or malformed the ways Bleichenbacher-style attacks use — and their encryption
//! without padding by `openssl pkeyutl`, since the provider only encrypts with padding. For
//! the tests and benchmark of TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1).

use std::path::Path;

use crate::certs::openssl;

/// A block of `first`, `second`, `padding` bytes of 0x5a, a zero separator if
/// `separator`, then `message`. `00 02`, at least 8 padding bytes and the separator make a
/// valid one.
pub fn block(first: u8, second: u8, padding: usize, separator: bool, message: &[u8]) -> Vec<u8> {
    let mut b = vec![first, second];
    b.extend(std::iter::repeat_n(0x5a, padding));
    if separator {
        b.push(0);
    }
    b.extend_from_slice(message);
    b
}

/// `block` (as long as the modulus) raised to the public exponent of the RSA key in
/// `spki_der` (a SubjectPublicKeyInfo), by `openssl pkeyutl` with no padding, in `dir`.
/// Panics with openssl's complaint if it fails.
pub fn encrypt_unpadded(dir: &Path, spki_der: &[u8], block: &[u8]) -> Vec<u8> {
    let write = |name: &str, data: &[u8]| {
        std::fs::write(dir.join(name), data)
            .unwrap_or_else(|e| panic!("cannot write {name} in {}: {e}", dir.display()))
    };
    write("rsa-pub.der", spki_der);
    write("rsa-block", block);
    openssl(
        dir,
        &[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-keyform",
            "DER",
            "-inkey",
            "rsa-pub.der",
            "-pkeyopt",
            "rsa_padding_mode:none",
            "-in",
            "rsa-block",
            "-out",
            "rsa-ct",
        ],
    );
    std::fs::read(dir.join("rsa-ct")).expect("openssl wrote the ciphertext")
}
