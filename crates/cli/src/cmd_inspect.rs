//! `padlock inspect`: print a certificate or chain readably.

use std::path::PathBuf;

use anyhow::Context;
use padlock_crypto::{AwsLcProvider, HashAlgorithm, Provider};
use padlock_pki::{Certificate, UnixTime};

/// Arguments of `padlock inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A PEM file with one or more certificates, or a DER certificate.
    pub file: PathBuf,
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let ders = crate::cmd_verify::read_ders(&args.file, "CERTIFICATE")?;
    if ders.is_empty() {
        anyhow::bail!("{} holds no certificate", args.file.display());
    }
    let now = UnixTime::now();
    let n = ders.len();
    for (i, der) in ders.iter().enumerate() {
        if n > 1 {
            println!("Certificate {} of {n}", i + 1);
        }
        let cert = Certificate::from_der(der)
            .with_context(|| format!("certificate {} of {}", i + 1, args.file.display()))?;
        print!("{}", describe(&cert, now));
        if i + 1 < n {
            println!();
        }
    }
    Ok(0)
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

fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(sep)
}
