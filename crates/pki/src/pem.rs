//! PEM, the textual encoding of RFC 7468: `-----BEGIN LABEL-----`, base64, `-----END LABEL-----`.

use crate::error::{DecodeError, Error};

/// One PEM block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The label, e.g. `CERTIFICATE`.
    pub label: String,
    /// The decoded contents.
    pub der: Vec<u8>,
}

/// The most blocks one input may hold (a system bundle has a few hundred).
const MAX_BLOCKS: usize = 10_000;

/// Parses every PEM block in `text`, in order. Text between blocks is ignored, as RFC 7468
/// §2 allows ("explanatory text"). Lax whitespace in the base64 (RFC 7468 §3, `laxbase64`).
pub fn parse_all(text: &[u8]) -> Result<Vec<Block>, Error> {
    let err = |reason| {
        Error::Decode(DecodeError {
            context: "PEM",
            reason,
        })
    };
    let text = std::str::from_utf8(text).map_err(|_| err("not UTF-8 text"))?;
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let mut body = String::new();
        let mut ended = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if let Some(end) = line
                .strip_prefix("-----END ")
                .and_then(|l| l.strip_suffix("-----"))
            {
                if end != label {
                    return Err(err("END label does not match BEGIN"));
                }
                ended = true;
                break;
            }
            // RFC 1421-style headers ("Proc-Type: ...") are not part of RFC 7468's strict
            // form; skip them rather than fail.
            if line.contains(':') {
                continue;
            }
            body.push_str(line);
        }
        if !ended {
            return Err(err("missing END line"));
        }
        let der = base64_decode(&body).ok_or_else(|| err("bad base64"))?;
        if blocks.len() >= MAX_BLOCKS {
            return Err(err("too many blocks"));
        }
        blocks.push(Block {
            label: label.to_string(),
            der,
        });
    }
    Ok(blocks)
}

/// Encodes one PEM block, with 64-character lines (RFC 7468 §2).
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64_encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    let mut padding = 0;
    for c in s.bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            // At most two padding characters (RFC 4648 §4): stop counting at the third.
            if padding == 2 {
                return None;
            }
            padding += 1;
            continue;
        }
        if padding > 0 {
            return None;
        }
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_block() {
        for len in 0..70 {
            let data: Vec<u8> = (0..len as u8).collect();
            let text = encode("CERTIFICATE", &data);
            let blocks = parse_all(text.as_bytes()).unwrap();
            assert_eq!(blocks.len(), 1);
            assert_eq!(blocks[0].label, "CERTIFICATE");
            assert_eq!(blocks[0].der, data);
        }
    }

    #[test]
    fn parses_several_blocks_with_text_between() {
        let text = format!(
            "subject=foo\n{}junk\n{}",
            encode("CERTIFICATE", b"one"),
            encode("X509 CRL", b"two")
        );
        let blocks = parse_all(text.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].label, "X509 CRL");
        assert_eq!(blocks[1].der, b"two");
    }

    #[test]
    fn rejects_mismatched_labels_and_bad_base64() {
        assert!(parse_all(b"-----BEGIN A-----\nAAAA\n-----END B-----\n").is_err());
        assert!(parse_all(b"-----BEGIN A-----\nA!AA\n-----END A-----\n").is_err());
        assert!(parse_all(b"-----BEGIN A-----\nAAAA\n").is_err());
    }

    #[test]
    fn padding_is_at_most_two_characters_however_many_follow() {
        assert_eq!(base64_decode("QQ=="), Some(b"A".to_vec()));
        assert_eq!(base64_decode("QQ==="), None);
        assert_eq!(base64_decode(&format!("QQ{}", "=".repeat(100_000))), None);
    }
}
