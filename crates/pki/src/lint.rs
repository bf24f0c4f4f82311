//! Opt-in lints of the CA/Browser Forum Baseline Requirements subscriber profile: rules that
//! bind the issuing CA and that browsers do not all enforce, so they are not part of
//! [`verify_chain`](crate::verify_chain) (many private PKIs break them harmlessly).

use crate::cert::{id_ce, Certificate, EKU_ANY, EKU_SERVER_AUTH};
use crate::error::Error;

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3).
const EKU_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// id-kp-emailProtection (1.3.6.1.5.5.7.3.4).
const EKU_EMAIL_PROTECTION: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04];
/// id-kp-timeStamping (1.3.6.1.5.5.7.3.8).
const EKU_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
/// id-kp-OCSPSigning (1.3.6.1.5.5.7.3.9).
const EKU_OCSP_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09];
/// Precertificate Signing Certificate (1.3.6.1.4.1.11129.2.4.4, RFC 6962 §3.1).
const EKU_PRECERTIFICATE_SIGNING: &[u8] =
    &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x04];

/// Lints a TLS server (subscriber) certificate's extendedKeyUsage against the Baseline
/// Requirements: present and non-critical (§7.1.2.7.6), listing id-kp-serverAuth, and none
/// of the purposes §7.1.2.7.10 forbids beside it (anyExtendedKeyUsage, codeSigning,
/// emailProtection, timeStamping, OCSPSigning, CT precertificate signing). id-kp-clientAuth
/// may accompany serverAuth.
pub fn lint_subscriber_eku(end_entity: &Certificate<'_>) -> Result<(), Error> {
    let ext = end_entity.extensions();
    let Some(ekus) = &ext.extended_key_usage else {
        return Err(Error::EkuMissing {
            subject: end_entity.label(),
            purpose: "the Web PKI (a subscriber certificate must list its key usages)",
        });
    };
    if ext.critical(&id_ce(0x25)) == Some(true) {
        return Err(Error::Malformed {
            subject: end_entity.label(),
            reason: "extendedKeyUsage of a subscriber certificate must not be critical",
        });
    }
    if !ekus.contains(&EKU_SERVER_AUTH) {
        return Err(Error::EkuMissing {
            subject: end_entity.label(),
            purpose: "serverAuth",
        });
    }
    let forbidden = [
        EKU_ANY,
        EKU_CODE_SIGNING,
        EKU_EMAIL_PROTECTION,
        EKU_TIME_STAMPING,
        EKU_OCSP_SIGNING,
        EKU_PRECERTIFICATE_SIGNING,
    ];
    if ekus.iter().any(|e| forbidden.contains(e)) {
        return Err(Error::Malformed {
            subject: end_entity.label(),
            reason: "extendedKeyUsage lists a purpose a TLS server certificate must not have",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{issue, Spec};

    const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
    const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];

    fn lint(eku: Option<Vec<&'static [u64]>>, critical: bool) -> Result<(), Error> {
        let mut s = Spec::leaf("a.example", &["a.example"]);
        s.eku = None;
        if let Some(list) = eku {
            let mut w = crate::ca::der_writer::DerWriter::new();
            w.sequence(|w| {
                for o in &list {
                    w.oid(o);
                }
            });
            s.extra = vec![(&[2, 5, 29, 37], critical, w.finish())];
        }
        let l = issue(&s, None);
        lint_subscriber_eku(&Certificate::from_der(&l.der).unwrap())
    }

    #[test]
    fn accepts_server_auth_alone_or_with_client_auth() {
        lint(Some(vec![SERVER_AUTH]), false).unwrap();
        lint(Some(vec![SERVER_AUTH, CLIENT_AUTH]), false).unwrap();
    }

    #[test]
    fn requires_a_non_critical_eku_with_server_auth() {
        let e = lint(None, false).unwrap_err();
        assert!(e.to_string().contains("must list its key usages"), "{e}");
        let e = lint(Some(vec![SERVER_AUTH]), true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "certificate a.example is malformed: extendedKeyUsage of a subscriber certificate must not be critical"
        );
        let e = lint(Some(vec![CLIENT_AUTH]), false).unwrap_err();
        assert!(
            matches!(
                e,
                Error::EkuMissing {
                    purpose: "serverAuth",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn refuses_purposes_forbidden_beside_server_auth() {
        for other in [
            &[1, 3, 6, 1, 5, 5, 7, 3, 3][..],
            &[1, 3, 6, 1, 5, 5, 7, 3, 4],
            &[1, 3, 6, 1, 5, 5, 7, 3, 8],
            &[1, 3, 6, 1, 5, 5, 7, 3, 9],
            &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 4],
            &[2, 5, 29, 37, 0],
        ] {
            let e = lint(Some(vec![SERVER_AUTH, other]), false).unwrap_err();
            assert_eq!(
                e.to_string(),
                "certificate a.example is malformed: extendedKeyUsage lists a purpose a TLS server certificate must not have",
                "{other:?}"
            );
        }
    }
}
