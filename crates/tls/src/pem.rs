//! Loading certificates and keys from PEM (RFC 7468).
//!
//! A small strict reader: `-----BEGIN label-----`, base64 lines, `-----END label-----`.
//! Text outside the blocks is ignored, as RFC 7468 §2 allows.

use std::sync::Arc;

use padlock_crypto::{PrivateKeyFormat, Provider};

use crate::{CertifiedKey, Error};

/// One PEM block.
pub(crate) struct Block {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
}

pub(crate) fn certified_key_from_pem(
    provider: &dyn Provider,
    chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<CertifiedKey, Error> {
    let chain: Vec<Vec<u8>> = parse_all(chain_pem)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.der)
        .collect();
    if chain.is_empty() {
        return Err(Error::Config("the certificate file holds no CERTIFICATE block"));
    }
    let key_block = parse_all(key_pem)?
        .into_iter()
        .find(|b| b.label.ends_with("PRIVATE KEY"))
        .ok_or(Error::Config("the key file holds no PRIVATE KEY block"))?;
    let format = match key_block.label.as_str() {
        "PRIVATE KEY" => PrivateKeyFormat::Pkcs8,
        "EC PRIVATE KEY" => PrivateKeyFormat::Sec1,
        "RSA PRIVATE KEY" => PrivateKeyFormat::Pkcs1,
        _ => return Err(Error::Config("the private key is encrypted or of an unknown kind")),
    };
    let key = provider
        .load_signing_key(&key_block.der, format)
        .map_err(|_| Error::Config("the private key could not be loaded"))?;
    Ok(CertifiedKey { chain, key: Arc::from(key) })
}

/// Every PEM block in `text`, in order.
pub(crate) fn parse_all(text: &[u8]) -> Result<Vec<Block>, Error> {
    let text = std::str::from_utf8(text).map_err(|_| Error::Config("PEM file is not text"))?;
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            current = Some((label.to_owned(), String::new()));
        } else if let Some(label) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
            let (begin, body) = current.take().ok_or(Error::Config("PEM END without BEGIN"))?;
            if begin != label {
                return Err(Error::Config("PEM BEGIN and END labels differ"));
            }
            let der = base64_decode(&body).ok_or(Error::Config("PEM block is not valid base64"))?;
            blocks.push(Block { label: begin, der });
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    if current.is_some() {
        return Err(Error::Config("PEM block without END line"));
    }
    Ok(blocks)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_pem_block() {
        let blocks = parse_all(b"junk\n-----BEGIN X-----\naGVs\nbG8=\n-----END X-----\n").unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "X");
        assert_eq!(blocks[0].der, b"hello");
    }

    #[test]
    fn rejects_mismatched_labels() {
        assert!(parse_all(b"-----BEGIN X-----\n-----END Y-----\n").is_err());
    }
}
