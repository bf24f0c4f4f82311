//! The server parameters and authentication messages: EncryptedExtensions (RFC 8446
//! §4.3.1), CertificateRequest (§4.3.2), Certificate (§4.4.2), CertificateVerify (§4.4.3)
//! and Finished (§4.4.4).

use crate::certificate_chain::CertificateChain;
use crate::wire::codec::{write_opaque, Codec, DecodeError, LengthPrefix, Reader};
use crate::wire::enums::SignatureScheme;
use crate::wire::extensions::{
    CertificateEntryExtensions, CertificateRequestExtensions, EncryptedExtensionsExtensions,
};
use crate::wire::list::List;

/// EncryptedExtensions (RFC 8446 §4.3.1): `Extension extensions<0..2^16-1>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptedExtensions<'a> {
    /// The extensions.
    pub extensions: EncryptedExtensionsExtensions<'a>,
}

/// CertificateRequest (RFC 8446 §4.3.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateRequest<'a> {
    /// `opaque certificate_request_context<0..2^8-1>`: empty during the handshake
    /// (§4.3.2); echoed in the client's Certificate.
    pub certificate_request_context: &'a [u8],
    /// `Extension extensions<2..2^16-1>`; signature_algorithms is required (§4.3.2).
    pub extensions: CertificateRequestExtensions<'a>,
}

/// Certificate (RFC 8446 §4.4.2), TLS 1.3 form with per-entry extensions. Decoded, the
/// entries are read in place from the message: a receiver that keeps the chain copies it
/// once ([`Certificate::to_chain`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate<'a> {
    /// `opaque certificate_request_context<0..2^8-1>`: empty from a server; the
    /// CertificateRequest's value from a client (§4.4.2).
    pub certificate_request_context: &'a [u8],
    /// `CertificateEntry certificate_list<0..2^24-1>`: end-entity first (§4.4.2). Empty
    /// when a client has no certificate to send.
    pub certificate_list: List<'a, CertificateEntry<'a>>,
}

/// CertificateEntry (RFC 8446 §4.4.2), X.509 form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateEntry<'a> {
    /// `opaque cert_data<1..2^24-1>`: one DER certificate.
    pub cert_data: &'a [u8],
    /// `Extension extensions<0..2^16-1>` for this certificate.
    pub extensions: CertificateEntryExtensions<'a>,
}

/// CertificateVerify (RFC 8446 §4.4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateVerify<'a> {
    /// The scheme the signature was made with.
    pub algorithm: SignatureScheme,
    /// `opaque signature<0..2^16-1>`.
    pub signature: &'a [u8],
}

/// Finished (RFC 8446 §4.4.4): `opaque verify_data[Hash.length]`.
///
/// The length depends on the negotiated hash, which the codec does not know: decoding
/// keeps the whole body, and the state machine compares it (in constant time, length
/// included) with the expected value; a wrong length fails that comparison
/// (`decrypt_error`, §4.4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished<'a> {
    /// The HMAC over the transcript.
    pub verify_data: &'a [u8],
}

impl<'a> Codec<'a> for EncryptedExtensions<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.extensions.encode(out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            extensions: EncryptedExtensionsExtensions::read(r)?,
        })
    }
}

impl<'a> Codec<'a> for CertificateRequest<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U8, self.certificate_request_context);
        self.extensions.encode(out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            certificate_request_context: r.opaque(
                LengthPrefix::U8,
                0,
                0xff,
                "CertificateRequest.certificate_request_context",
            )?,
            extensions: CertificateRequestExtensions::read(r)?,
        })
    }
}

impl<'a> Certificate<'a> {
    /// The DER certificates, end-entity first, borrowed from the message.
    pub fn certificates(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + Clone + '_ {
        self.certificate_list.iter().map(|e| e.cert_data)
    }

    /// The DER certificates, end-entity first, copied out of the message (in one
    /// allocation) for a receiver that keeps them.
    pub fn to_chain(&self) -> CertificateChain {
        CertificateChain::new(self.certificates())
    }
}

impl<'a> Codec<'a> for Certificate<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U8, self.certificate_request_context);
        self.certificate_list.encode(out, LengthPrefix::U24);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            certificate_request_context: r.opaque(
                LengthPrefix::U8,
                0,
                0xff,
                "Certificate.certificate_request_context",
            )?,
            certificate_list: List::read_structures(
                r,
                LengthPrefix::U24,
                0,
                0xff_ffff,
                "Certificate.certificate_list",
            )?,
        })
    }
}

impl<'a> Codec<'a> for CertificateEntry<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opaque(out, LengthPrefix::U24, self.cert_data);
        self.extensions.encode(out);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            cert_data: r.opaque(
                LengthPrefix::U24,
                1,
                0xff_ffff,
                "CertificateEntry.cert_data",
            )?,
            extensions: CertificateEntryExtensions::read(r)?,
        })
    }
}

impl<'a> Codec<'a> for CertificateVerify<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.algorithm.encode(out);
        write_opaque(out, LengthPrefix::U16, self.signature);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            algorithm: SignatureScheme::from_wire(r.u16("CertificateVerify.algorithm")?),
            signature: r.opaque(LengthPrefix::U16, 0, 0xffff, "CertificateVerify.signature")?,
        })
    }
}

impl<'a> Codec<'a> for Finished<'a> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.verify_data);
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            verify_data: r.rest(),
        })
    }
}
