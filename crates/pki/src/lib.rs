//! padlock-pki: X.509 for padlock — strict DER, certificates, CRLs, path validation (RFC 5280
//! §6), server identity (RFC 6125), trust anchors, and a local certificate authority.
//!
//! The crate is pure logic: it takes the time and the crypto [`Provider`] from its caller.
//!
//! ```no_run
//! # fn main() -> Result<(), padlock_pki::Error> {
//! use padlock_pki::{verify_chain, RootStore, SubjectName, UnixTime, VerifyOptions};
//! let roots = RootStore::system()?;
//! # let (leaf, intermediate): (Vec<u8>, Vec<u8>) = (vec![], vec![]);
//! let name = SubjectName::parse("example.com")?;
//! let mut options = VerifyOptions::new(UnixTime::now());
//! options.name = Some(&name);
//! let provider = padlock_crypto::AwsLcProvider;
//! match verify_chain(&provider, &roots, &leaf, &[&intermediate], &options) {
//!     Ok(path) => println!("valid, {} certificates to the anchor", path.chain.len()),
//!     Err(e) => println!("{e}"), // "certificate for example.com expired on ..."
//! }
//! # Ok(()) }
//! ```
//!
//! How a chain is judged ([`verify_chain`]):
//! 1. the end-entity certificate is parsed strictly ([`der`]) and checked on its own:
//!    validity, EKU, keyUsage, profile rules, and the name asked for (RFC 6125, SAN only;
//!    a wildcard never directly above a public suffix of the Public Suffix List's ICANN
//!    section; a common name never respelling a SAN, CA/B Forum BR §7.1.4.3);
//! 2. a path is built depth-first towards a trust anchor, anchors first, through the
//!    intermediates in any order; each candidate issuer must be a valid CA whose key verifies
//!    the child's signature ([`MAX_SIGNATURE_CHECKS`] bounds the work);
//! 3. once an anchor is reached, the whole path is checked: pathLenConstraint, name
//!    constraints (RFC 5280 §4.2.1.10), and revocation against any CRLs supplied ([`crl`]);
//! 4. if no path succeeds, the most specific failure met is returned ([`Error::rank`]).
//!
//! [`Provider`]: padlock_crypto::Provider
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ca;
mod cert;
mod common_name;
pub mod crl;
pub mod der;
mod distinguished_name;
mod error;
mod general_name;
mod host_name;
mod idna;
mod inline_list;
mod lint;
mod name_constraints;
pub mod pem;
pub mod printable;
mod public_suffix;
mod roots;
mod signature;
mod spki;
mod string_prep;
#[cfg(test)]
mod testutil;
mod time;
mod verify;

pub use cert::{
    BasicConstraints, Certificate, Extensions, EKU_ANY, EKU_CLIENT_AUTH, EKU_SERVER_AUTH,
    INLINE_EXTENSIONS, KU_CRL_SIGN, KU_DIGITAL_SIGNATURE, KU_KEY_AGREEMENT, KU_KEY_CERT_SIGN,
    KU_KEY_ENCIPHERMENT,
};
pub use distinguished_name::Name;
pub use error::{DecodeError, Error};
pub use general_name::GeneralName;
pub use host_name::SubjectName;
pub use inline_list::InlineList;
pub use lint::lint_subscriber_eku;
pub use name_constraints::NameConstraints;
pub use roots::RootStore;
pub use signature::{verify_signature, SignatureAlgorithmId};
pub use spki::{Curve, PublicKeyAlgorithm, SubjectPublicKeyInfo};
pub use time::UnixTime;
pub use verify::{
    check_chain, verify_chain, Purpose, VerifiedPath, VerifyOptions, MAX_NAME_CONSTRAINT_CHECKS,
    MAX_SIGNATURE_CHECKS,
};
