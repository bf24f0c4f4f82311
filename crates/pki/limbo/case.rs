//! One x509-limbo test case through padlock's validator. Shared by the `limbo-harness` binary
//! and the `limbo` integration test (included with `#[path]`).

use padlock_crypto::Provider;
use padlock_pki::{pem, verify_chain, Purpose, RootStore, SubjectName, UnixTime, VerifyOptions};
use serde_json::Value;

/// What our validator says about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The chain validated.
    Success,
    /// It was refused, with our error message.
    Failure(String),
    /// We do not run this case, with the reason.
    Skipped(String),
}

fn pem_ders(v: &Value) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let items: Vec<&str> = match v {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => vec![],
    };
    for s in items {
        for b in pem::parse_all(s.as_bytes()).map_err(|e| e.to_string())? {
            out.push(b.der);
        }
    }
    Ok(out)
}

/// Runs one test case object.
pub fn run_case(provider: &dyn Provider, case: &Value) -> Outcome {
    match run_inner(provider, case) {
        Ok(o) => o,
        Err(e) => Outcome::Failure(e),
    }
}

fn run_inner(provider: &dyn Provider, case: &Value) -> Result<Outcome, String> {
    let features: Vec<&str> = case["features"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(sa) = case["signature_algorithms"].as_array() {
        if !sa.is_empty() {
            return Ok(Outcome::Skipped(
                "signature_algorithms restriction not supported".into(),
            ));
        }
    }
    // Features we deliberately do not follow: we validate as the Web PKI does.
    for (feature, why) in [
        (
            "rfc5280-incompatible-with-webpki",
            "RFC 5280 rule the Web PKI does not apply; we follow the Web PKI",
        ),
        (
            "pedantic-rfc5280",
            "pedantic RFC 5280 rule that real chains break (e.g. cve-2024-0567)",
        ),
        (
            "has-mldsa",
            "ML-DSA (RFC 9881) keys and signatures are not supported by padlock's provider",
        ),
    ] {
        if features.contains(&feature) {
            return Ok(Outcome::Skipped(why.into()));
        }
    }
    let pedantic_eku = features.contains(&"pedantic-webpki-eku");
    let mut roots = RootStore::new();
    for der in pem_ders(&case["trusted_certs"])? {
        roots
            .add_der(&der)
            .map_err(|e| format!("trust anchor: {e}"))?;
    }
    let inters = pem_ders(&case["untrusted_intermediates"])?;
    let inter_refs: Vec<&[u8]> = inters.iter().map(Vec::as_slice).collect();
    let leaf = pem_ders(&case["peer_certificate"])?;
    let leaf = leaf.first().ok_or("no peer certificate")?;
    let crls = pem_ders(&case["crls"])?;
    let time = match case["validation_time"].as_str() {
        Some(t) => UnixTime::parse_rfc3339(t).ok_or("bad validation_time")?,
        None => UnixTime::now(),
    };
    let purpose = match case["validation_kind"].as_str() {
        Some("CLIENT") => Purpose::ClientAuth,
        _ => Purpose::ServerAuth,
    };
    let ekus: Vec<&str> = case["extended_key_usage"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // padlock validates for TLS: any other purpose asked for (S/MIME's emailProtection,
    // codeSigning, ...) is one it does not implement.
    if let Some(other) = ekus
        .iter()
        .find(|e| !matches!(**e, "serverAuth" | "clientAuth"))
    {
        return Ok(Outcome::Skipped(format!(
            "extended key usage {other} is not a TLS purpose; padlock validates for TLS only"
        )));
    }
    let purpose = if ekus.contains(&"clientAuth") {
        Purpose::ClientAuth
    } else if ekus.contains(&"serverAuth") {
        Purpose::ServerAuth
    } else {
        purpose
    };
    let mut names = Vec::new();
    let mut emails = Vec::new();
    let peer_names: Vec<&Value> = std::iter::once(&case["expected_peer_name"])
        .chain(case["expected_peer_names"].as_array().into_iter().flatten())
        .filter(|v| v.is_object())
        .collect();
    for n in peer_names {
        let value = n["value"].as_str().unwrap_or_default();
        match n["kind"].as_str() {
            Some("DNS") | Some("IP") => match SubjectName::parse(value) {
                Ok(s) => names.push(s),
                Err(e) => return Ok(Outcome::Failure(format!("peer name: {e}"))),
            },
            Some("RFC822") => emails.push(value.to_string()),
            other => return Ok(Outcome::Skipped(format!("peer name kind {other:?}"))),
        }
    }
    let max_depth = case["max_chain_depth"].as_u64().map(|d| d as usize);
    let mut options = VerifyOptions::new(time);
    options.purpose = purpose;
    options.crls = &crls;
    options.max_depth = max_depth;
    if names.is_empty() {
        names.push(SubjectName::Dns(String::new()));
        options.name = None;
        let path = verify_chain(provider, &roots, leaf, &inter_refs, &options);
        return Ok(match path {
            Ok(_) => lint(leaf, pedantic_eku).unwrap_or_else(|| check_emails(leaf, &emails)),
            Err(e) => Outcome::Failure(e.to_string()),
        });
    }
    for name in &names {
        options.name = Some(name);
        if let Err(e) = verify_chain(provider, &roots, leaf, &inter_refs, &options) {
            return Ok(Outcome::Failure(e.to_string()));
        }
    }
    if let Some(o) = lint(leaf, pedantic_eku) {
        return Ok(o);
    }
    Ok(check_emails(leaf, &emails))
}

/// The opt-in CA/B Forum subscriber lint, for cases tagged `pedantic-webpki-eku`.
fn lint(leaf: &[u8], pedantic_eku: bool) -> Option<Outcome> {
    if !pedantic_eku {
        return None;
    }
    let cert = padlock_pki::Certificate::from_der(leaf).ok()?;
    padlock_pki::lint_subscriber_eku(&cert)
        .err()
        .map(|e| Outcome::Failure(e.to_string()))
}

/// RFC822 peer names: the leaf must carry each as an rfc822Name SAN.
fn check_emails(leaf: &[u8], emails: &[String]) -> Outcome {
    if emails.is_empty() {
        return Outcome::Success;
    }
    let Ok(cert) = padlock_pki::Certificate::from_der(leaf) else {
        return Outcome::Failure("leaf does not parse".into());
    };
    for e in emails {
        let found = cert.sans().any(|n| match n {
            padlock_pki::GeneralName::Email(p) => p.eq_ignore_ascii_case(e.as_bytes()),
            _ => false,
        });
        if !found {
            return Outcome::Failure(format!("certificate is not for {e}"));
        }
    }
    Outcome::Success
}
