//! `padlock verify`: validate a certificate chain with padlock's own X.509 code and print the
//! path found, or the reason it failed. Exit 0 valid, 1 invalid, 2 usage or I/O error.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use padlock_crypto::AwsLcProvider;
use padlock_pki::{
    pem, verify_chain, Certificate, Purpose, RootStore, SubjectName, UnixTime, VerifyOptions,
};

/// Arguments of `padlock verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// PEM (or DER) file: the end-entity certificate first, then any intermediates.
    pub chain: PathBuf,
    /// Trust anchors (PEM or DER). Default: the system store (SSL_CERT_FILE, SSL_CERT_DIR,
    /// /etc/ssl/certs/ca-certificates.crt).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// More untrusted intermediates (PEM).
    #[arg(long)]
    pub untrusted: Vec<PathBuf>,
    /// The host name the certificate must be for.
    #[arg(long, conflicts_with = "ip")]
    pub host: Option<String>,
    /// The IP address the certificate must be for.
    #[arg(long)]
    pub ip: Option<IpAddr>,
    /// Validate at this time (RFC 3339, e.g. 2026-01-01T00:00:00Z) instead of now.
    #[arg(long)]
    pub at: Option<String>,
    /// What the certificate is for.
    #[arg(long, value_enum, default_value = "server")]
    pub purpose: PurposeArg,
    /// CRL files (PEM or DER) to check revocation against.
    #[arg(long)]
    pub crl: Vec<PathBuf>,
}

/// `--purpose`.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum PurposeArg {
    /// A TLS server certificate.
    Server,
    /// A TLS client certificate.
    Client,
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let chain = read_ders(&args.chain, "CERTIFICATE")?;
    let Some((leaf, rest)) = chain.split_first() else {
        bail!("{} holds no certificate", args.chain.display());
    };
    let mut intermediates: Vec<Vec<u8>> = rest.to_vec();
    for p in &args.untrusted {
        intermediates.extend(read_ders(p, "CERTIFICATE")?);
    }
    let roots = match &args.ca {
        Some(p) => {
            let mut r = RootStore::new();
            for der in read_ders(p, "CERTIFICATE")? {
                r.add_der(&der)
                    .with_context(|| format!("trust anchor in {}", p.display()))?;
            }
            r
        }
        None => RootStore::system().context("loading the system trust store")?,
    };
    let mut crls = Vec::new();
    for p in &args.crl {
        crls.extend(read_ders(p, "X509 CRL")?);
    }
    let time = match &args.at {
        Some(t) => UnixTime::parse_rfc3339(t)
            .with_context(|| format!("--at {t:?} is not an RFC 3339 time"))?,
        None => UnixTime::now(),
    };
    let name = match (&args.host, args.ip) {
        (Some(h), _) => Some(SubjectName::parse(h).with_context(|| format!("--host {h:?}"))?),
        (None, Some(ip)) => Some(SubjectName::Ip(ip)),
        (None, None) => None,
    };
    let mut options = VerifyOptions::new(time);
    options.purpose = match args.purpose {
        PurposeArg::Server => Purpose::ServerAuth,
        PurposeArg::Client => Purpose::ClientAuth,
    };
    options.name = name.as_ref();
    options.crls = &crls;
    let refs: Vec<&[u8]> = intermediates.iter().map(Vec::as_slice).collect();
    match verify_chain(&AwsLcProvider, &roots, leaf, &refs, &options) {
        Ok(path) => {
            let what = match &name {
                Some(n) => format!(" for {n}"),
                None => String::new(),
            };
            println!("OK: valid{what} at {time}");
            let last = path.chain.len().saturating_sub(1);
            for (i, der) in path.chain.iter().enumerate() {
                let role = if i == 0 {
                    "end entity  "
                } else if i == last {
                    "trust anchor"
                } else {
                    "intermediate"
                };
                match Certificate::from_der(der) {
                    Ok(c) => println!("  {i}: {role}  {}", c.subject()),
                    Err(_) => println!("  {i}: {role}  (unparsable)"),
                }
            }
            Ok(0)
        }
        Err(e) => {
            println!("INVALID: {e}");
            Ok(1)
        }
    }
}

/// Reads a PEM file's blocks with `label`, or a whole DER file.
pub(crate) fn read_ders(path: &Path, label: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if data.first() == Some(&0x30) {
        return Ok(vec![data]);
    }
    let blocks = pem::parse_all(&data).with_context(|| format!("parsing {}", path.display()))?;
    Ok(blocks
        .into_iter()
        .filter(|b| {
            b.label == label || (label == "CERTIFICATE" && b.label == "TRUSTED CERTIFICATE")
        })
        .map(|b| b.der)
        .collect())
}
