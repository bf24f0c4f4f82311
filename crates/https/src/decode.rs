//! Content codings for `padlock get --compressed` (RFC 9110 §8.4.1): gzip, deflate (the zlib
//! format, RFC 9110 §8.4.1.2) and br (RFC 7932), decoded as the body arrives. The decoding
//! itself is flate2's and brotli-decompressor's.

use std::io::Write;

/// The Accept-Encoding `--compressed` sends.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// Decodes one content coding, chunk by chunk.
pub enum Decoder {
    /// gzip (RFC 1952).
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    /// deflate: zlib-wrapped (RFC 1950).
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
    /// Brotli (RFC 7932).
    Brotli(Box<brotli_decompressor::DecompressorWriter<Vec<u8>>>),
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decoder::Gzip(_) => "Decoder(gzip)",
            Decoder::Deflate(_) => "Decoder(deflate)",
            Decoder::Brotli(_) => "Decoder(br)",
        })
    }
}

impl Decoder {
    /// The decoder for a Content-Encoding value; `Ok(None)` for `identity` or none, `Err`
    /// (naming it) for a coding we do not decode or a chain of codings.
    pub fn for_encoding(content_encoding: Option<&str>) -> Result<Option<Decoder>, String> {
        let Some(coding) = content_encoding.map(str::trim) else {
            return Ok(None);
        };
        Ok(Some(match coding.to_ascii_lowercase().as_str() {
            "" | "identity" => return Ok(None),
            "gzip" | "x-gzip" => Decoder::Gzip(flate2::write::MultiGzDecoder::new(Vec::new())),
            "deflate" => Decoder::Deflate(flate2::write::ZlibDecoder::new(Vec::new())),
            "br" => Decoder::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(
                Vec::new(),
                4096,
            ))),
            _ => return Err(coding.to_string()),
        }))
    }

    /// Feeds `chunk`; returns what it decoded to so far.
    pub fn push(&mut self, chunk: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => {
                d.write_all(chunk)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Decoder::Deflate(d) => {
                d.write_all(chunk)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Decoder::Brotli(d) => {
                d.write_all(chunk)?;
                Ok(std::mem::take(d.get_mut()))
            }
        }
    }

    /// Ends the stream; returns the rest. A stream cut short is an error.
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => d.finish(),
            Decoder::Deflate(d) => d.finish(),
            Decoder::Brotli(d) => d.into_inner().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the brotli stream is incomplete",
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(mut d: Decoder, encoded: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in encoded.chunks(7) {
            out.extend(d.push(piece).unwrap());
        }
        out.extend(d.finish().unwrap());
        out
    }

    #[test]
    fn decodes_gzip_and_deflate_fed_in_pieces() {
        let text = b"hello hello hello padlock ".repeat(50);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let d = Decoder::for_encoding(Some("gzip")).unwrap().unwrap();
        assert_eq!(decode_in_pieces(d, &gz), text);

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        let z = z.finish().unwrap();
        let d = Decoder::for_encoding(Some("Deflate")).unwrap().unwrap();
        assert_eq!(decode_in_pieces(d, &z), text);
    }

    #[test]
    fn decodes_brotli() {
        // "hello" compressed by `brotli -c` (RFC 7932), quality 11.
        let br = [0x0b, 0x02, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x03];
        let d = Decoder::for_encoding(Some("br")).unwrap().unwrap();
        assert_eq!(decode_in_pieces(d, &br), b"hello");
    }

    #[test]
    fn a_truncated_gzip_stream_is_an_error() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"some text to compress").unwrap();
        let gz = gz.finish().unwrap();
        let mut d = Decoder::for_encoding(Some("gzip")).unwrap().unwrap();
        let _ = d.push(&gz[..gz.len() - 6]).unwrap();
        assert!(d.finish().is_err());
    }

    #[test]
    fn names_a_coding_it_cannot_decode() {
        assert!(Decoder::for_encoding(None).unwrap().is_none());
        assert!(Decoder::for_encoding(Some("identity")).unwrap().is_none());
        assert_eq!(Decoder::for_encoding(Some("zstd")).unwrap_err(), "zstd");
    }
}
