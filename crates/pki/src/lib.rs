//! padlock-pki: X.509 for padlock — strict DER, certificates, CRLs, path validation (RFC 5280
//! §6), server identity (RFC 6125), trust anchors, and a local certificate authority.
//!
//! The crate is pure logic: it takes the time and the crypto [`Provider`] from its caller.
//!
//! [`Provider`]: padlock_crypto::Provider
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ca;
mod cert;
pub mod crl;
pub mod der;
mod error;
mod name;
pub mod pem;
mod roots;
mod signature;
mod spki;
#[cfg(test)]
mod testutil;
mod time;
mod verify;

pub use cert::{
    BasicConstraints, Certificate, Extensions, EKU_ANY, EKU_CLIENT_AUTH, EKU_SERVER_AUTH,
    KU_CRL_SIGN, KU_DIGITAL_SIGNATURE, KU_KEY_AGREEMENT, KU_KEY_CERT_SIGN, KU_KEY_ENCIPHERMENT,
};
pub use error::{DecodeError, Error};
pub use name::{GeneralName, Name, NameConstraints, SubjectName};
pub use roots::RootStore;
pub use signature::{verify_signature, SignatureAlgorithmId};
pub use spki::{Curve, PublicKeyAlgorithm, SubjectPublicKeyInfo};
pub use time::UnixTime;
pub use verify::{
    lint_subscriber_eku, verify_chain, Purpose, VerifiedPath, VerifyOptions, MAX_SIGNATURE_CHECKS,
};
