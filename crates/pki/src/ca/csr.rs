//! PKCS#10 certificate requests (RFC 2986 §4): read, and check the self-signature.
//!
//! ```text
//! CertificationRequest ::= SEQUENCE {
//!   certificationRequestInfo CertificationRequestInfo,
//!   signatureAlgorithm AlgorithmIdentifier,
//!   signature BIT STRING }
//! CertificationRequestInfo ::= SEQUENCE {
//!   version INTEGER { v1(0) }, subject Name, subjectPKInfo SubjectPublicKeyInfo,
//!   attributes [0] IMPLICIT SET OF Attribute }
//! ```

use padlock_crypto::{Provider, SignatureAlgorithm};

use super::cert::oid;
use super::der_writer::encode_oid;
use super::CaError;
use crate::der::{tag, Reader};
use crate::host_name::SubjectName;

/// The most names we take from one request.
const MAX_NAMES: usize = 100;

/// A request whose signature verified.
pub(super) struct Request<'a> {
    /// The SubjectPublicKeyInfo to certify, DER.
    pub spki: &'a [u8],
    /// Names from the extensionRequest's subjectAltName, or else the subject's commonName.
    pub names: Vec<SubjectName>,
    /// The subject Name, DER.
    pub subject: &'a [u8],
}

/// Parses `der` and verifies its signature with the key it carries.
pub(super) fn parse_and_verify<'a>(
    provider: &dyn Provider,
    der: &'a [u8],
) -> Result<Request<'a>, CaError> {
    let bad = |what: &str| CaError::Malformed(format!("the certificate request ({what})"));
    let mut outer = Reader::new(der, "CertificationRequest");
    let mut req = outer
        .nested(tag::SEQUENCE, "CertificationRequest")
        .map_err(|_| bad("outer SEQUENCE"))?;
    outer.finish().map_err(|_| bad("trailing data"))?;
    let info_tlv = req.read(tag::SEQUENCE).map_err(|_| bad("info"))?;
    let mut alg = req
        .nested(tag::SEQUENCE, "signatureAlgorithm")
        .map_err(|_| bad("signatureAlgorithm"))?;
    let sig_oid = alg.oid().map_err(|_| bad("signatureAlgorithm"))?;
    let signature = req.bit_string_octets().map_err(|_| bad("signature"))?;
    req.finish().map_err(|_| bad("trailing data"))?;

    let mut info = Reader::new(info_tlv.value, "CertificationRequestInfo");
    if info.small_uint().map_err(|_| bad("version"))? != 0 {
        return Err(bad("version is not v1"));
    }
    let subject = info.read(tag::SEQUENCE).map_err(|_| bad("subject"))?;
    let spki_tlv = info.read(tag::SEQUENCE).map_err(|_| bad("subjectPKInfo"))?;
    let attributes = info
        .optional(tag::context_constructed(0))
        .map_err(|_| bad("attributes"))?;
    info.finish().map_err(|_| bad("trailing data in info"))?;

    let (curve, key) = public_key(spki_tlv.value).ok_or_else(|| bad("subjectPKInfo"))?;
    let algorithm = signature_algorithm(sig_oid, curve)?;
    provider
        .verify_signature(algorithm, key, info_tlv.raw, signature)
        .map_err(|_| CaError::CsrSignature)?;

    let mut names = match attributes {
        Some(a) => requested_alt_names(a.value).ok_or_else(|| bad("extensionRequest"))?,
        None => Vec::new(),
    };
    if names.is_empty() {
        if let Some(cn) = common_name(subject.value) {
            names.push(SubjectName::parse(&cn).map_err(|_| CaError::BadName(cn.clone()))?);
        }
    }
    Ok(Request {
        spki: spki_tlv.raw,
        names,
        subject: subject.raw,
    })
}

/// The kind of key in a SubjectPublicKeyInfo, as what the signature algorithm must match.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyType {
    P256,
    P384,
    Rsa,
    Ed25519,
}

/// (key type, subjectPublicKey bits) of a SubjectPublicKeyInfo's contents.
fn public_key(spki: &[u8]) -> Option<(KeyType, &[u8])> {
    let mut r = Reader::new(spki, "SubjectPublicKeyInfo");
    let mut alg = r.nested(tag::SEQUENCE, "AlgorithmIdentifier").ok()?;
    let key = r.bit_string_octets().ok()?;
    r.finish().ok()?;
    let id = alg.oid().ok()?;
    let kind = if id == encode_oid(oid::EC_PUBLIC_KEY).as_slice() {
        let curve = alg.oid().ok()?;
        if curve == encode_oid(oid::P256).as_slice() {
            KeyType::P256
        } else if curve == encode_oid(oid::P384).as_slice() {
            KeyType::P384
        } else {
            return None;
        }
    } else if id == encode_oid(oid::RSA_ENCRYPTION).as_slice() {
        KeyType::Rsa
    } else if id == encode_oid(oid::ED25519).as_slice() {
        KeyType::Ed25519
    } else {
        return None;
    };
    Some((kind, key))
}

/// The provider's algorithm for a signatureAlgorithm OID and a key type.
fn signature_algorithm(id: &[u8], key: KeyType) -> Result<SignatureAlgorithm, CaError> {
    use SignatureAlgorithm as S;
    let table: [(&[u64], KeyType, S); 8] = [
        (oid::ECDSA_SHA256, KeyType::P256, S::EcdsaP256Sha256),
        (oid::ECDSA_SHA384, KeyType::P256, S::EcdsaP256Sha384),
        (oid::ECDSA_SHA256, KeyType::P384, S::EcdsaP384Sha256),
        (oid::ECDSA_SHA384, KeyType::P384, S::EcdsaP384Sha384),
        (oid::RSA_SHA256, KeyType::Rsa, S::RsaPkcs1Sha256),
        (oid::RSA_SHA384, KeyType::Rsa, S::RsaPkcs1Sha384),
        (oid::RSA_SHA512, KeyType::Rsa, S::RsaPkcs1Sha512),
        (oid::ED25519, KeyType::Ed25519, S::Ed25519),
    ];
    table
        .iter()
        .find(|(o, k, _)| *k == key && encode_oid(o).as_slice() == id)
        .map(|(_, _, s)| *s)
        .ok_or_else(|| {
            CaError::CsrUnsupported(format!(
                "signature algorithm {}",
                crate::der::oid_to_string(id)
            ))
        })
}

/// The names in a subjectAltName extension inside the extensionRequest attribute
/// (RFC 2985 §5.4.2), if there is one.
fn requested_alt_names(attributes: &[u8]) -> Option<Vec<SubjectName>> {
    let mut names = Vec::new();
    let ext_req = encode_oid(oid::EXTENSION_REQUEST);
    let san = encode_oid(oid::SUBJECT_ALT_NAME);
    let mut attrs = Reader::new(attributes, "attributes");
    while !attrs.is_empty() {
        let mut attr = attrs.nested(tag::SEQUENCE, "Attribute").ok()?;
        let id = attr.oid().ok()?;
        let mut values = attr.nested(tag::SET, "Attribute.values").ok()?;
        if id != ext_req.as_slice() {
            continue;
        }
        let mut exts = values.nested(tag::SEQUENCE, "Extensions").ok()?;
        while !exts.is_empty() {
            let mut ext = exts.nested(tag::SEQUENCE, "Extension").ok()?;
            let ext_id = ext.oid().ok()?;
            if ext.peek_tag() == Some(tag::BOOLEAN) {
                ext.boolean().ok()?;
            }
            let value = ext.value(tag::OCTET_STRING).ok()?;
            if ext_id != san.as_slice() {
                continue;
            }
            let mut outer = Reader::new(value, "SubjectAltName");
            let mut general = outer.nested(tag::SEQUENCE, "SubjectAltName").ok()?;
            while !general.is_empty() {
                let name = general.read_any().ok()?;
                let parsed = if name.tag == tag::context_primitive(2) {
                    SubjectName::parse(std::str::from_utf8(name.value).ok()?).ok()?
                } else if name.tag == tag::context_primitive(7) {
                    match name.value.len() {
                        4 => SubjectName::Ip(<[u8; 4]>::try_from(name.value).ok()?.into()),
                        16 => SubjectName::Ip(<[u8; 16]>::try_from(name.value).ok()?.into()),
                        _ => return None,
                    }
                } else {
                    // Other GeneralName forms (email, URI, ...) are not certified.
                    continue;
                };
                if names.len() >= MAX_NAMES {
                    return None;
                }
                names.push(parsed);
            }
        }
    }
    Some(names)
}

/// The first commonName in a Name's contents, if it is a UTF8String, PrintableString or
/// IA5String.
fn common_name(name: &[u8]) -> Option<String> {
    let cn = encode_oid(oid::COMMON_NAME);
    let mut rdns = Reader::new(name, "Name");
    while !rdns.is_empty() {
        let mut set = rdns.nested(tag::SET, "RelativeDistinguishedName").ok()?;
        while !set.is_empty() {
            let mut atv = set.nested(tag::SEQUENCE, "AttributeTypeAndValue").ok()?;
            let id = atv.oid().ok()?;
            let value = atv.read_any().ok()?;
            let text_tag = matches!(
                value.tag,
                tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING
            );
            if id == cn.as_slice() && text_tag {
                return String::from_utf8(value.value.to_vec()).ok();
            }
        }
    }
    None
}
