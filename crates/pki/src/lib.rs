//! padlock-pki: X.509 for padlock — strict DER, certificates, CRLs, path validation (RFC 5280
//! §6), server identity (RFC 6125), trust anchors, and a local certificate authority.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ca;
