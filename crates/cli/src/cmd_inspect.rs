//! `padlock inspect`: describe what a PEM or DER file holds, readably: certificates and
//! chains, CRLs, certificate requests (CSRs) and private keys. A private key is described
//! (its type and the SHA-256 of its public key, which matches the certificate's), never
//! printed.

use std::path::PathBuf;

use anyhow::Context;
use padlock_crypto::{AwsLcProvider, HashAlgorithm, KeyKind, PrivateKeyFormat, Provider};
use padlock_pki::crl::Crl;
use padlock_pki::{pem, Certificate, UnixTime};

use crate::common::hex;

/// Arguments of `padlock inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A PEM file (certificates, CRLs, certificate requests, private keys), or one DER
    /// certificate, CRL, request or PKCS#8 key.
    pub file: PathBuf,
}

/// One object of the file, by kind.
enum Object {
    Certificate(Vec<u8>),
    Crl(Vec<u8>),
    Request(Vec<u8>),
    Key(Vec<u8>, PrivateKeyFormat, &'static str),
    Other(String),
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let data =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let objects = objects(&data).with_context(|| format!("parsing {}", args.file.display()))?;
    if objects.is_empty() {
        anyhow::bail!("{} holds nothing padlock can describe", args.file.display());
    }
    let now = UnixTime::now();
    let n = objects.len();
    for (i, object) in objects.iter().enumerate() {
        let what = format!("{} {} of {}", kind(object), i + 1, args.file.display());
        if n > 1 {
            println!("{} {} of {n}", kind(object), i + 1);
        }
        let text = match object {
            Object::Certificate(der) => {
                let cert = Certificate::from_der(der).with_context(|| what.clone())?;
                describe(&cert, now)
            }
            Object::Crl(der) => describe_crl(der, now).with_context(|| what.clone())?,
            Object::Request(der) => describe_request(der).with_context(|| what.clone())?,
            Object::Key(der, format, label) => {
                describe_key(der, *format, label).with_context(|| what.clone())?
            }
            Object::Other(label) => format!("  (a {label} block, which padlock does not read)\n"),
        };
        print!("{text}");
        if i + 1 < n {
            println!();
        }
    }
    Ok(0)
}

fn kind(object: &Object) -> &'static str {
    match object {
        Object::Certificate(_) => "Certificate",
        Object::Crl(_) => "CRL",
        Object::Request(_) => "Certificate request",
        Object::Key(..) => "Private key",
        Object::Other(_) => "Block",
    }
}

/// The objects of a PEM file, or the one DER object (told apart by trying each kind).
fn objects(data: &[u8]) -> anyhow::Result<Vec<Object>> {
    if data.first() == Some(&0x30) {
        let der = data.to_vec();
        let provider = AwsLcProvider;
        return Ok(vec![if Certificate::from_der(&der).is_ok() {
            Object::Certificate(der)
        } else if Crl::from_der(&der).is_ok() {
            Object::Crl(der)
        } else if padlock_pki::ca::describe_request(&provider, &der).is_ok() {
            Object::Request(der)
        } else if provider
            .load_signing_key(&der, PrivateKeyFormat::Pkcs8)
            .is_ok()
        {
            Object::Key(der, PrivateKeyFormat::Pkcs8, "PRIVATE KEY")
        } else {
            anyhow::bail!("it is DER, but no certificate, CRL, certificate request or PKCS#8 key")
        }]);
    }
    Ok(pem::parse_all(data)?
        .into_iter()
        .map(|block| match block.label.as_str() {
            "CERTIFICATE" | "TRUSTED CERTIFICATE" => Object::Certificate(block.der),
            "X509 CRL" => Object::Crl(block.der),
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Object::Request(block.der),
            "PRIVATE KEY" => Object::Key(block.der, PrivateKeyFormat::Pkcs8, "PRIVATE KEY"),
            "EC PRIVATE KEY" => Object::Key(block.der, PrivateKeyFormat::Sec1, "EC PRIVATE KEY"),
            "RSA PRIVATE KEY" => Object::Key(block.der, PrivateKeyFormat::Pkcs1, "RSA PRIVATE KEY"),
            other => Object::Other(other.to_string()),
        })
        .collect())
}

/// A CRL: issuer, dates, and each revoked serial with its date and reason. The signature
/// is not checked here (it needs the issuer: `padlock verify --crl` checks it).
fn describe_crl(der: &[u8], now: UnixTime) -> anyhow::Result<String> {
    let crl = Crl::from_der(der)?;
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<18}{v}\n"));
    line("Issuer:", crl.issuer.to_string());
    let at = |t: i64| UnixTime(u64::try_from(t).unwrap_or(0));
    line("This update:", at(crl.this_update).to_string());
    match crl.next_update {
        Some(next) => {
            let status = if (now.0 as i64) > next {
                "STALE: past its next update"
            } else {
                "current"
            };
            line("Next update:", format!("{} ({status})", at(next)));
        }
        None => line("Next update:", "(none given)".into()),
    }
    line("Revoked:", format!("{} certificate(s)", crl.revoked.len()));
    for entry in &crl.revoked {
        let reason = entry
            .reason
            .map_or(String::new(), |r| format!(", reason {}", reason_name(r)));
        line(
            "",
            format!(
                "serial {} on {}{reason}",
                hex(entry.serial, ":"),
                at(entry.when)
            ),
        );
    }
    line(
        "Signature:",
        "not checked here (`padlock verify --crl` checks it against its issuer)".into(),
    );
    Ok(out)
}

/// RFC 5280 §5.3.1 CRLReason names.
fn reason_name(code: u64) -> String {
    match code {
        0 => "unspecified".into(),
        1 => "keyCompromise".into(),
        2 => "cACompromise".into(),
        3 => "affiliationChanged".into(),
        4 => "superseded".into(),
        5 => "cessationOfOperation".into(),
        6 => "certificateHold".into(),
        8 => "removeFromCRL".into(),
        9 => "privilegeWithdrawn".into(),
        10 => "aACompromise".into(),
        other => format!("{other}"),
    }
}

/// A PKCS#10 request: subject, the names a certificate would carry, the key, and whether
/// its self-signature verifies.
fn describe_request(der: &[u8]) -> anyhow::Result<String> {
    let summary = padlock_pki::ca::describe_request(&AwsLcProvider, der)?;
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<18}{v}\n"));
    line("Subject:", summary.subject);
    line("Names:", summary.names.join(", "));
    line("Key:", summary.key);
    line("Signature:", "valid (signed by the key it carries)".into());
    Ok(out)
}

/// A private key, described and never printed: its type and the SHA-256 of its public key
/// (the SubjectPublicKeyInfo DER), which `inspect` also shows for a certificate, so a key
/// and a certificate can be matched by eye.
fn describe_key(der: &[u8], format: PrivateKeyFormat, label: &str) -> anyhow::Result<String> {
    let provider = AwsLcProvider;
    let key = provider
        .load_signing_key(der, format)
        .map_err(|e| anyhow::anyhow!("the {label} does not load: {e}"))?;
    let kind = match key.kind() {
        KeyKind::EcdsaP256 => "ECDSA P-256".to_string(),
        KeyKind::EcdsaP384 => "ECDSA P-384".to_string(),
        KeyKind::Ed25519 => "Ed25519".to_string(),
        KeyKind::Rsa(bits) => format!("RSA {bits} bits"),
        #[allow(unreachable_patterns)]
        _ => "another kind".to_string(),
    };
    let spki = key.public_key_spki();
    let digest = provider.hash_once(HashAlgorithm::Sha256, &spki);
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<18}{v}\n"));
    line(
        "Private key:",
        format!("{kind} ({label}); the private part is not shown"),
    );
    line("Key SHA-256:", hex(digest.as_ref(), ":"));
    Ok(out)
}

/// The readable description of one certificate.
fn describe(cert: &Certificate<'_>, now: UnixTime) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<18}{v}\n"));
    line("Subject:", cert.subject().to_string());
    line("Issuer:", cert.issuer().to_string());
    line("Version:", format!("v{}", cert.version()));
    line("Serial:", hex(cert.serial(), ":"));
    let (nb, na) = (cert.not_before(), cert.not_after());
    let status = if now < nb {
        format!("not yet valid, starts in {} days", (nb.0 - now.0) / 86_400)
    } else if now > na {
        format!("EXPIRED {} days ago", (now.0 - na.0) / 86_400)
    } else {
        format!("{} days left", (na.0 - now.0) / 86_400)
    };
    line("Valid:", format!("{nb} to {na} ({status})"));
    let sans: Vec<String> = cert.sans().map(|n| describe_name(n)).collect();
    if !sans.is_empty() {
        line("Names:", sans.join(", "));
    }
    line("Key:", cert.subject_public_key_info().algorithm.to_string());
    line("Signature:", cert.signature_algorithm().to_string());
    let ext = cert.extensions();
    match ext.basic_constraints {
        Some(bc) if bc.ca => line(
            "CA:",
            match bc.path_len {
                Some(n) => format!("yes, at most {n} intermediate(s) below"),
                None => "yes".to_string(),
            },
        ),
        _ => line("CA:", "no".to_string()),
    }
    if let Some(ku) = ext.key_usage {
        const NAMES: [&str; 9] = [
            "digitalSignature",
            "nonRepudiation",
            "keyEncipherment",
            "dataEncipherment",
            "keyAgreement",
            "keyCertSign",
            "cRLSign",
            "encipherOnly",
            "decipherOnly",
        ];
        let v: Vec<&str> = (0..9)
            .filter(|i| ku & (1 << i) != 0)
            .filter_map(|i| NAMES.get(i).copied())
            .collect();
        line("Key usage:", v.join(", "));
    }
    if let Some(ekus) = &ext.extended_key_usage {
        let v: Vec<String> = ekus.iter().map(|o| eku_name(o)).collect();
        line("Ext. key usage:", v.join(", "));
    }
    if let Some(nc) = &ext.name_constraints {
        if let Some(p) = &nc.permitted {
            let v: Vec<String> = p.iter().map(describe_name).collect();
            line("Permitted names:", v.join(", "));
        }
        if let Some(e) = &nc.excluded {
            let v: Vec<String> = e.iter().map(describe_name).collect();
            line("Excluded names:", v.join(", "));
        }
    }
    if let Some(ski) = ext.subject_key_id {
        line("Subject key id:", hex(ski, ":"));
    }
    if let Some(aki) = ext.authority_key_id {
        line("Authority key id:", hex(aki, ":"));
    }
    let exts: Vec<String> = ext
        .all
        .iter()
        .map(|(oid, crit)| {
            let name = ext_name(&padlock_pki::der::oid_to_string(oid));
            if *crit {
                format!("{name} (critical)")
            } else {
                name
            }
        })
        .collect();
    if !exts.is_empty() {
        line("Extensions:", exts.join(", "));
    }
    let fp = AwsLcProvider.hash_once(HashAlgorithm::Sha256, cert.der());
    line("SHA-256:", hex(fp.as_ref(), ":"));
    let spki = AwsLcProvider.hash_once(HashAlgorithm::Sha256, cert.subject_public_key_info().der);
    line("Key SHA-256:", hex(spki.as_ref(), ":"));
    out
}

fn describe_name(n: &padlock_pki::GeneralName<'_>) -> String {
    use padlock_pki::GeneralName as G;
    match n {
        G::Dns(_) => format!("DNS:{n}"),
        G::Ip(_) => format!("IP:{n}"),
        G::Email(_) => format!("email:{n}"),
        G::Uri(_) => format!("URI:{n}"),
        G::Directory(_) => format!("DirName:{n}"),
        _ => n.to_string(),
    }
}

fn eku_name(oid: &[u8]) -> String {
    match oid {
        [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, n] => match n {
            1 => "serverAuth".into(),
            2 => "clientAuth".into(),
            3 => "codeSigning".into(),
            4 => "emailProtection".into(),
            8 => "timeStamping".into(),
            9 => "OCSPSigning".into(),
            _ => padlock_pki::der::oid_to_string(oid),
        },
        [0x55, 0x1d, 0x25, 0x00] => "anyExtendedKeyUsage".into(),
        _ => padlock_pki::der::oid_to_string(oid),
    }
}

fn ext_name(oid: &str) -> String {
    match oid {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.37" => "extKeyUsage",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.4.1.11129.2.4.2" => "signedCertificateTimestamps",
        other => return other.to_string(),
    }
    .to_string()
}
