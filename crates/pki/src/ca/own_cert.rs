//! The few fields the CA reads back from certificates — its own files, and the ones handed
//! to `revoke` — taken from the crate's [`Certificate`](crate::cert::Certificate) parser.

use std::net::IpAddr;

use super::Permitted;
use crate::cert::Certificate;
use crate::general_name::GeneralName;
use crate::time::UnixTime;

/// Fields of a certificate, borrowing its DER.
pub(super) struct OwnCert<'a> {
    /// The serial number's INTEGER contents.
    pub serial: &'a [u8],
    /// The issuer Name, DER.
    pub issuer: &'a [u8],
    /// The end of validity.
    pub not_after: UnixTime,
    /// The subject Name, DER.
    pub subject: &'a [u8],
    /// The SubjectPublicKeyInfo, DER.
    pub spki: &'a [u8],
    /// The dNSName and iPAddress permitted subtrees, if nameConstraints is present.
    pub permitted: Option<Vec<Permitted>>,
}

impl<'a> OwnCert<'a> {
    /// Reads `der`; `None` if it is not a well-formed certificate.
    pub fn parse(der: &'a [u8]) -> Option<Self> {
        let cert = Certificate::from_der(der).ok()?;
        let permitted = cert.extensions().name_constraints.as_ref().map(|nc| {
            nc.permitted
                .iter()
                .flatten()
                .filter_map(permitted_subtree)
                .collect()
        });
        Some(Self {
            serial: cert.serial(),
            issuer: cert.issuer().der,
            not_after: cert.not_after(),
            subject: cert.subject().der,
            spki: cert.subject_public_key_info().der,
            permitted,
        })
    }
}

/// A dNSName or iPAddress (address and mask) subtree base as a [`Permitted`].
fn permitted_subtree(base: &GeneralName<'_>) -> Option<Permitted> {
    match base {
        GeneralName::Dns(d) => Some(Permitted::Dns(String::from_utf8(d.to_vec()).ok()?)),
        GeneralName::Ip(v) => {
            let (addr, mask) = v.split_at(v.len() / 2);
            let ip: IpAddr = match addr.len() {
                4 => <[u8; 4]>::try_from(addr).ok()?.into(),
                16 => <[u8; 16]>::try_from(addr).ok()?.into(),
                _ => return None,
            };
            let prefix: u32 = mask.iter().map(|b| b.count_ones()).sum();
            Some(Permitted::Ip(ip, u8::try_from(prefix).ok()?))
        }
        _ => None,
    }
}
