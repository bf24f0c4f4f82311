//! Stand-ins for types that other parts of the workspace are still writing (the wire
//! registries, `padlock_pki::Error`, `padlock_pki::UnixTime`). Each is replaced by a
//! re-export of the real thing as soon as it lands; the names at the crate root stay.
#![allow(missing_docs, non_camel_case_types)]

use std::fmt;

/// Placeholder for `padlock_pki::UnixTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnixTime(pub u64);

impl UnixTime {
    pub fn now() -> Self {
        Self(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

/// Placeholder for `padlock_pki::Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiError(pub String);

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! placeholder_enum {
    ($name:ident: $repr:ty { $($var:ident = $val:expr),* $(,)? }) => {
        /// Placeholder for the wire registry of the same name.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($var,)* Unknown($repr) }
        impl $name {
            pub fn to_u(self) -> $repr { match self { $(Self::$var => $val,)* Self::Unknown(v) => v } }
        }
    };
}

placeholder_enum!(CipherSuite: u16 {
    TLS13_AES_128_GCM_SHA256 = 0x1301,
    TLS13_AES_256_GCM_SHA384 = 0x1302,
    TLS13_CHACHA20_POLY1305_SHA256 = 0x1303,
});
placeholder_enum!(NamedGroup: u16 { X25519 = 0x001d, secp256r1 = 0x0017, secp384r1 = 0x0018 });
placeholder_enum!(SignatureScheme: u16 {
    ECDSA_NISTP256_SHA256 = 0x0403,
    ECDSA_NISTP384_SHA384 = 0x0503,
    RSA_PSS_SHA256 = 0x0804,
    RSA_PSS_SHA384 = 0x0805,
    RSA_PSS_SHA512 = 0x0806,
    ED25519 = 0x0807,
});
placeholder_enum!(ProtocolVersion: u16 { TLSv1_2 = 0x0303, TLSv1_3 = 0x0304 });
placeholder_enum!(AlertDescription: u8 {
    CloseNotify = 0, UnexpectedMessage = 10, BadRecordMac = 20, RecordOverflow = 22,
    HandshakeFailure = 40, BadCertificate = 42, UnsupportedCertificate = 43,
    CertificateRevoked = 44, CertificateExpired = 45, CertificateUnknown = 46,
    IllegalParameter = 47, UnknownCa = 48, DecodeError = 50, DecryptError = 51,
    ProtocolVersion = 70, InsufficientSecurity = 71, InternalError = 80,
    MissingExtension = 109, UnsupportedExtension = 110, UnrecognisedName = 112,
    CertificateRequired = 116, NoApplicationProtocol = 120,
});

/// Placeholder for `wire::DecodeError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode {}", self.0)
    }
}

/// Placeholder for `padlock_pki::RootStore`.
#[derive(Clone, Debug, Default)]
pub struct RootStore {
    pub roots: Vec<Vec<u8>>,
}

impl RootStore {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), PkiError> {
        self.roots.push(der.to_vec());
        Ok(())
    }
    pub fn len(&self) -> usize {
        self.roots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}
