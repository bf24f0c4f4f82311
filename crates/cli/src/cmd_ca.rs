//! `padlock ca`: the local certificate authority (init, issue, sign, revoke, crl).

use std::path::PathBuf;

use anyhow::Context;
use padlock_crypto::{AwsLcProvider, KeyKind};
use padlock_pki::ca::{
    CaPaths, Constraints, InitOptions, IssueOptions, LocalCa, Permitted, RevocationReason,
    SubjectName, MAX_LEAF_DAYS,
};

use crate::trust;

/// Arguments of `padlock ca`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The padlock home directory (the CA lives in its `ca/` folder). Default:
    /// $PADLOCK_HOME, else ~/.local/share/padlock.
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: CaCommand,
}

#[derive(clap::Subcommand, Debug)]
enum CaCommand {
    /// Create a root and an intermediate CA.
    ///
    /// The root is name-constrained to localhost, test, internal, local, home.arpa (and
    /// their subdomains), 127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16 and fc00::/7 unless
    /// told otherwise, so a stolen key can't impersonate public sites. A CA made before
    /// `.local` and `home.arpa` were defaults keeps its constraints: re-create it (and run
    /// `padlock ca install` again) to get them.
    Init {
        /// Use RSA-3072 keys instead of ECDSA P-256.
        #[arg(long)]
        rsa: bool,
        /// No name constraints: the CA can vouch for any name, including public sites.
        #[arg(long, conflicts_with = "permit")]
        unconstrained: bool,
        /// Permit exactly these domains (with their subdomains) and networks (CIDR or a
        /// single address) instead of the defaults.
        #[arg(long, value_name = "NAME", num_args = 1..)]
        permit: Vec<String>,
    },
    /// Issue a certificate and key for DNS names and IP addresses.
    Issue {
        /// DNS names and IP addresses; the first one names the files.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
        /// A client certificate (clientAuth) instead of a server one.
        #[arg(long)]
        client: bool,
        /// Days of validity.
        #[arg(long, default_value_t = 90, value_name = "N")]
        days: u32,
        /// Where to write NAME.chain.pem and NAME.key.pem (default: the current directory).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
    /// Sign a PKCS#10 certificate request (PEM); prints the chain, or writes it with --out.
    Sign {
        /// The request file.
        csr: PathBuf,
        /// A client certificate (clientAuth) instead of a server one.
        #[arg(long)]
        client: bool,
        /// Days of validity.
        #[arg(long, default_value_t = 90, value_name = "N")]
        days: u32,
        /// Write the chain to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Record a certificate this CA issued as revoked (then run `padlock ca crl`).
    Revoke {
        /// The certificate or chain file (PEM); its first certificate is revoked.
        cert: PathBuf,
        /// Why: unspecified, key-compromise, affiliation-changed, superseded,
        /// cessation-of-operation, privilege-withdrawn.
        #[arg(long, default_value = "unspecified")]
        reason: String,
    },
    /// Write a fresh CRL signed by the intermediate (to the CA folder, or --out).
    Crl {
        /// Also write the CRL to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Trust the local root: in the system store, the NSS databases of Chromium and Firefox,
    /// and Java's cacerts.
    ///
    /// Idempotent; says what it changed. Only the system store (and a JDK's cacerts) needs
    /// root. Where padlock looks can be changed with PADLOCK_TRUST_STORES (system,nss,java),
    /// PADLOCK_TRUST_SYSROOT (prefix of the system store's paths), HOME (the NSS databases)
    /// and PADLOCK_TRUST_JAVA_CACERTS.
    Install {
        /// Only these stores (repeatable; default: all, or PADLOCK_TRUST_STORES).
        #[arg(long = "store", value_enum, value_name = "STORE")]
        stores: Vec<trust::StoreKind>,
    },
    /// Remove the local root from every store `install` puts it in.
    Uninstall {
        /// Only these stores (repeatable; default: all, or PADLOCK_TRUST_STORES).
        #[arg(long = "store", value_enum, value_name = "STORE")]
        stores: Vec<trust::StoreKind>,
    },
    /// Say where the local root is trusted (also: `ca list`).
    #[command(alias = "list")]
    Status {
        /// Only these stores (repeatable; default: all, or PADLOCK_TRUST_STORES).
        #[arg(long = "store", value_enum, value_name = "STORE")]
        stores: Vec<trust::StoreKind>,
    },
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let provider = AwsLcProvider;
    let home = args.home.unwrap_or_else(CaPaths::default_home);
    match args.command {
        CaCommand::Init {
            rsa,
            unconstrained,
            permit,
        } => {
            let constraints = if unconstrained {
                Constraints::Unconstrained
            } else if !permit.is_empty() {
                let list = permit
                    .iter()
                    .map(|p| Permitted::parse(p))
                    .collect::<Result<Vec<_>, _>>()?;
                Constraints::Permit(list)
            } else {
                Constraints::Local
            };
            let key = if rsa {
                KeyKind::Rsa(3072)
            } else {
                KeyKind::EcdsaP256
            };
            let ca = LocalCa::init(&provider, &home, InitOptions { key, constraints })?;
            println!("Created a local CA in {}", ca.paths().dir.display());
            match ca.constraints() {
                Some(list) => {
                    let names: Vec<String> = list.iter().map(ToString::to_string).collect();
                    println!("  It may only issue for: {}", names.join(", "));
                }
                None => println!(
                    "  It is UNCONSTRAINED: anyone with its key can impersonate any site to \
                     machines that trust it. Keep {} safe.",
                    ca.paths().root_key().display()
                ),
            }
            println!(
                "  Trust this root certificate: {}",
                ca.root_pem_path().display()
            );
            Ok(0)
        }
        CaCommand::Issue {
            names,
            client,
            days,
            out,
        } => {
            check_days(days)?;
            let ca = LocalCa::open(&provider, &home)?;
            let parsed = names
                .iter()
                .map(|n| parse_name(n))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let issued = ca.issue(&parsed, IssueOptions { client, days })?;
            let base = file_base(&names[0]);
            let written = issued.write_to(&out, &base)?;
            println!(
                "Issued a {} certificate for {} (serial {}, valid until {})",
                if client { "client" } else { "server" },
                names.join(", "),
                issued.serial,
                issued.not_after
            );
            for path in written {
                println!("  wrote {}", path.display());
            }
            Ok(0)
        }
        CaCommand::Sign {
            csr,
            client,
            days,
            out,
        } => {
            check_days(days)?;
            let ca = LocalCa::open(&provider, &home)?;
            let text = std::fs::read(&csr).with_context(|| format!("reading {}", csr.display()))?;
            let issued = ca.sign_csr(&text, IssueOptions { client, days })?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &issued.chain_pem)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "Signed {} (serial {}), chain written to {}",
                        csr.display(),
                        issued.serial,
                        path.display()
                    );
                }
                None => print!("{}", issued.chain_pem),
            }
            Ok(0)
        }
        CaCommand::Revoke { cert, reason } => {
            let reason = RevocationReason::parse(&reason).with_context(|| {
                let all: Vec<&str> = RevocationReason::ALL.iter().map(|r| r.name()).collect();
                format!("unknown reason {reason:?}; use one of {}", all.join(", "))
            })?;
            let ca = LocalCa::open(&provider, &home)?;
            let text =
                std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
            let serial = ca.revoke(&text, reason)?;
            println!("Revoked serial {serial} ({reason}); run `padlock ca crl` to publish it");
            Ok(0)
        }
        CaCommand::Install { stores } => change_trust(&home, &stores, trust::Action::Install),
        CaCommand::Uninstall { stores } => change_trust(&home, &stores, trust::Action::Uninstall),
        CaCommand::Status { stores } => {
            let root = trust::Root::of_home(&home)?;
            println!("padlock: local root {}", root.pem_path.display());
            let mut trusted = false;
            for kind in trust::StoreKind::chosen(&stores)? {
                for presence in trust::status(kind, &root) {
                    match presence {
                        trust::Presence::Trusted(place) => {
                            trusted = true;
                            println!("  trusted:     {place}");
                        }
                        trust::Presence::Absent(place) => println!("  not trusted: {place}"),
                        trust::Presence::Unknown(why) => println!("  unknown:     {why}"),
                    }
                }
            }
            if !trusted {
                println!("  (run `padlock ca install` to trust it)");
            }
            Ok(0)
        }
        CaCommand::Crl { out } => {
            let ca = LocalCa::open(&provider, &home)?;
            let pem = ca.crl()?;
            println!("Wrote {}", ca.paths().crl().display());
            if let Some(path) = out {
                std::fs::write(&path, &pem)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("Wrote {}", path.display());
            }
            Ok(0)
        }
    }
}

/// `ca install` / `ca uninstall`: one line per store and database; exit 1 if any failed.
fn change_trust(
    home: &std::path::Path,
    stores: &[trust::StoreKind],
    action: trust::Action,
) -> anyhow::Result<i32> {
    let root = trust::Root::of_home(home)?;
    let mut failed = false;
    for kind in trust::StoreKind::chosen(stores)? {
        for report in trust::apply(kind, &root, action, home) {
            failed |= matches!(report, trust::Report::Failed(_));
            println!("padlock: {report}");
        }
    }
    Ok(i32::from(failed))
}

fn check_days(days: u32) -> anyhow::Result<()> {
    if days == 0 || days > MAX_LEAF_DAYS {
        anyhow::bail!("--days must be between 1 and {MAX_LEAF_DAYS}");
    }
    Ok(())
}

/// A DNS name, IP address, or wildcard `*.name`.
pub(crate) fn parse_name(s: &str) -> anyhow::Result<SubjectName> {
    if let Some(rest) = s.strip_prefix("*.") {
        return match SubjectName::parse(rest) {
            Ok(SubjectName::Dns(d)) => Ok(SubjectName::Dns(format!("*.{d}"))),
            _ => anyhow::bail!("{s:?} is not a usable wildcard name"),
        };
    }
    SubjectName::parse(s).map_err(|_| anyhow::anyhow!("{s:?} is not a DNS name or IP address"))
}

/// A file name for a certificate name: `*` becomes `_wildcard`, `:` (IPv6) becomes `_`.
fn file_base(name: &str) -> String {
    name.replace('*', "_wildcard")
        .replace([':', '/', '\\'], "_")
}
