//! Test-only certificate factory: builds chains with any shape, including broken ones, on
//! the local CA's DER writer and the real crypto provider.

use padlock_crypto::{AwsLcProvider, KeyKind, Provider, SignatureAlgorithm, SigningKey};

use crate::ca::der_writer::DerWriter;
use crate::time::UnixTime;

pub(crate) const NOW: UnixTime = UnixTime(1_800_000_000);
pub(crate) const DAY: u64 = 86_400;

pub(crate) const ECDSA_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
pub(crate) const ECDSA_SHA384: &[u64] = &[1, 2, 840, 10045, 4, 3, 3];
pub(crate) const SHA1_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 5];

/// What a test certificate looks like.
#[derive(Clone)]
pub(crate) struct Spec {
    pub cn: String,
    /// The whole subject Name's DER, in place of `CN=<cn>`.
    pub subject: Option<Vec<u8>>,
    pub ca: Option<Option<u64>>,
    pub dns: Vec<String>,
    pub eku: Option<Vec<&'static [u64]>>,
    pub ku: Option<Vec<u8>>,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    pub permitted_dns: Vec<String>,
    pub extra: Vec<(&'static [u64], bool, Vec<u8>)>,
    pub tbs_alg: &'static [u64],
    pub outer_alg: &'static [u64],
    pub serial: u64,
    pub spki: Option<Vec<u8>>,
    /// Reuse this PKCS#8 key instead of generating one (for cross-signs).
    pub key: Option<Vec<u8>>,
    /// Mark subjectKeyIdentifier critical.
    pub ski_critical: bool,
    /// authorityKeyIdentifier: `None` leaves it out; otherwise whether it is critical and the
    /// DER appended after its keyIdentifier (an authorityCertIssuer, a serial).
    pub aki: Option<(bool, Vec<u8>)>,
}

impl Spec {
    pub fn leaf(cn: &str, dns: &[&str]) -> Self {
        Self {
            cn: cn.into(),
            subject: None,
            ca: None,
            dns: dns.iter().map(|s| s.to_string()).collect(),
            eku: Some(vec![&[1, 3, 6, 1, 5, 5, 7, 3, 1]]),
            ku: Some(vec![0]),
            not_before: UnixTime(NOW.0 - 10 * DAY),
            not_after: UnixTime(NOW.0 + 10 * DAY),
            permitted_dns: vec![],
            extra: vec![],
            tbs_alg: ECDSA_SHA256,
            outer_alg: ECDSA_SHA256,
            serial: 7,
            spki: None,
            key: None,
            ski_critical: false,
            aki: Some((false, vec![])),
        }
    }
    pub fn ca(cn: &str) -> Self {
        Self {
            ca: Some(None),
            dns: vec![],
            eku: None,
            ku: Some(vec![5, 6]),
            ..Self::leaf(cn, &[])
        }
    }
}

/// An issued certificate and its key.
pub(crate) struct Issued {
    pub der: Vec<u8>,
    pub key: Box<dyn SigningKey>,
    pub name: Vec<u8>,
    pub ski: Vec<u8>,
    pub pkcs8: Vec<u8>,
}

pub(crate) fn name(cn: &str) -> Vec<u8> {
    let mut w = DerWriter::new();
    w.sequence(|w| {
        w.set(|w| {
            w.sequence(|w| {
                w.oid(&[2, 5, 4, 3]);
                w.utf8_string(cn);
            })
        })
    });
    w.finish()
}

fn ext(w: &mut DerWriter, id: &[u64], critical: bool, value: &[u8]) {
    w.sequence(|w| {
        w.oid(id);
        if critical {
            w.boolean(true);
        }
        w.octet_string(value);
    });
}

fn der(f: impl FnOnce(&mut DerWriter)) -> Vec<u8> {
    let mut w = DerWriter::new();
    f(&mut w);
    w.finish()
}

/// Issues `spec`, signed by `issuer` (or self-signed).
pub(crate) fn issue(spec: &Spec, issuer: Option<&Issued>) -> Issued {
    let p = AwsLcProvider;
    let (key, pkcs8) = match &spec.key {
        Some(k) => (
            p.load_signing_key(k, padlock_crypto::PrivateKeyFormat::Pkcs8)
                .unwrap(),
            k.clone(),
        ),
        None => p.generate_signing_key(KeyKind::EcdsaP256).unwrap(),
    };
    let spki = spec.spki.clone().unwrap_or_else(|| key.public_key_spki());
    let subject = spec.subject.clone().unwrap_or_else(|| name(&spec.cn));
    let ski = p
        .hash_once(padlock_crypto::HashAlgorithm::Sha256, &spki)
        .as_ref()[..20]
        .to_vec();
    let (issuer_name, issuer_ski) = match issuer {
        Some(i) => (i.name.clone(), i.ski.clone()),
        None => (subject.clone(), ski.clone()),
    };
    let tbs = der(|w| {
        w.sequence(|w| {
            w.explicit(0, |w| w.integer(2));
            w.integer(spec.serial);
            w.sequence(|w| w.oid(spec.tbs_alg));
            w.raw(&issuer_name);
            w.sequence(|w| {
                w.time(spec.not_before);
                w.time(spec.not_after);
            });
            w.raw(&subject);
            w.raw(&spki);
            w.explicit(3, |w| {
                w.sequence(|w| {
                    if let Some(pl) = spec.ca {
                        let v = der(|w| {
                            w.sequence(|w| {
                                w.boolean(true);
                                if let Some(n) = pl {
                                    w.integer(n);
                                }
                            })
                        });
                        ext(w, &[2, 5, 29, 19], true, &v);
                    }
                    if let Some(ku) = &spec.ku {
                        ext(w, &[2, 5, 29, 15], true, &der(|w| w.named_bits(ku)));
                    }
                    if let Some(eku) = &spec.eku {
                        let v = der(|w| {
                            w.sequence(|w| {
                                for o in eku {
                                    w.oid(o);
                                }
                            })
                        });
                        ext(w, &[2, 5, 29, 37], false, &v);
                    }
                    if !spec.dns.is_empty() {
                        let v = der(|w| {
                            w.sequence(|w| {
                                for d in &spec.dns {
                                    w.implicit_primitive(2, d.as_bytes());
                                }
                            })
                        });
                        ext(w, &[2, 5, 29, 17], false, &v);
                    }
                    if !spec.permitted_dns.is_empty() {
                        let v = der(|w| {
                            w.sequence(|w| {
                                w.constructed(0xa0, |w| {
                                    for d in &spec.permitted_dns {
                                        w.sequence(|w| w.implicit_primitive(2, d.as_bytes()));
                                    }
                                })
                            })
                        });
                        ext(w, &[2, 5, 29, 30], true, &v);
                    }
                    let ski_value = der(|w| w.octet_string(&ski));
                    ext(w, &[2, 5, 29, 14], spec.ski_critical, &ski_value);
                    if let Some((critical, more)) = &spec.aki {
                        let aki = der(|w| {
                            w.sequence(|w| {
                                w.implicit_primitive(0, &issuer_ski);
                                w.raw(more);
                            })
                        });
                        ext(w, &[2, 5, 29, 35], *critical, &aki);
                    }
                    for (id, crit, v) in &spec.extra {
                        ext(w, id, *crit, v);
                    }
                })
            });
        })
    });
    let signer: &dyn SigningKey = match issuer {
        Some(i) => i.key.as_ref(),
        None => key.as_ref(),
    };
    let sig = signer
        .sign(SignatureAlgorithm::EcdsaP256Sha256, &tbs)
        .unwrap();
    let cert = der(|w| {
        w.sequence(|w| {
            w.raw(&tbs);
            w.sequence(|w| w.oid(spec.outer_alg));
            w.bit_string(&sig);
        })
    });
    Issued {
        der: cert,
        key,
        name: subject,
        ski,
        pkcs8,
    }
}

/// A CRL from `issuer` listing `serial` as revoked at `when` for keyCompromise.
pub(crate) fn crl(issuer: &Issued, serial: u64, when: UnixTime, next: UnixTime) -> Vec<u8> {
    crl_listing(issuer, &[serial], when, next)
}

/// A CRL from `issuer` listing each of `serials` (repeats kept) as revoked at `when`.
pub(crate) fn crl_listing(
    issuer: &Issued,
    serials: &[u64],
    when: UnixTime,
    next: UnixTime,
) -> Vec<u8> {
    crl_with(issuer, serials, when, next, &[])
}

/// [`crl_listing`] with `extra` CRL extensions (OID, critical, value) after the CRL number.
pub(crate) fn crl_with(
    issuer: &Issued,
    serials: &[u64],
    when: UnixTime,
    next: UnixTime,
    extra: &[(&[u64], bool, Vec<u8>)],
) -> Vec<u8> {
    let tbs = der(|w| {
        w.sequence(|w| {
            w.integer(1);
            w.sequence(|w| w.oid(ECDSA_SHA256));
            w.raw(&issuer.name);
            w.time(UnixTime(NOW.0 - DAY));
            w.time(next);
            w.sequence(|w| {
                for &serial in serials {
                    w.sequence(|w| {
                        w.integer(serial);
                        w.time(when);
                        w.sequence(|w| {
                            let v = der(|w| w.enumerated(1));
                            ext(w, &[2, 5, 29, 21], false, &v);
                        });
                    })
                }
            });
            w.explicit(0, |w| {
                w.sequence(|w| {
                    ext(w, &[2, 5, 29, 20], false, &der(|w| w.integer(1)));
                    for (id, crit, v) in extra {
                        ext(w, id, *crit, v);
                    }
                })
            });
        })
    });
    let sig = issuer
        .key
        .sign(SignatureAlgorithm::EcdsaP256Sha256, &tbs)
        .unwrap();
    der(|w| {
        w.sequence(|w| {
            w.raw(&tbs);
            w.sequence(|w| w.oid(ECDSA_SHA256));
            w.bit_string(&sig);
        })
    })
}
