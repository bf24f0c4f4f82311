//! What each step of a connection protects against, in one plain sentence: the lesson the
//! HTTPS explainers draw beside each arrow, attached to the steps of a real connection
//! (`padlock get -vv`, `padlock connect -vv`, `--trace-html`).

use super::Flow;

/// How the session's secret was agreed, which changes what some steps protect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyAgreement {
    /// An ephemeral (EC)DH or ML-KEM exchange: forward secrecy.
    #[default]
    Ephemeral,
    /// TLS 1.2 RSA key transport: the pre-master secret encrypted to the server's key.
    RsaTransport,
}

/// The sentence for the step titled `title` (a message name such as `ClientHello`, or one of
/// the recorder's own steps), going `flow`; `None` for steps with nothing to teach.
pub fn protects_against(title: &str, flow: Flow, agreement: KeyAgreement) -> Option<&'static str> {
    let rsa = agreement == KeyAgreement::RsaTransport;
    Some(match title {
        "ClientHello" => {
            "Its random goes into every key, so a recorded handshake cannot be replayed as a \
             new session; Finished later confirms nobody struck the stronger options from its \
             lists."
        }
        "ServerHello" => {
            "The server's random goes into every key too; a server that speaks TLS 1.3 marks \
             it when it settles for TLS 1.2, so the client notices an attacker forcing the \
             older version."
        }
        "HelloRetryRequest" => {
            "It stays in the transcript that Finished covers, so an attacker cannot fake it to \
             steer the client to a weaker group unnoticed."
        }
        "EncryptedExtensions" => {
            "From here on the handshake is encrypted: an eavesdropper does not even see which \
             certificate the server sends."
        }
        "Certificate" if flow == Flow::ToServer => {
            "The client's certificate names who is connecting, under a signature of a CA the \
             server trusts."
        }
        "Certificate" => {
            "The certificate binds the server's public key to its name under a CA's \
             signature: an impostor cannot get one for a name he does not control."
        }
        "certificate chain check" => {
            "The chain to a trusted root, the dates and the name are what stop an impostor \
             with a certificate for another name, an expired one, or one from an unknown CA."
        }
        "CertificateVerify" if flow == Flow::ToServer => {
            "The client proves it holds its certificate's private key, so a stolen \
             certificate alone does not get anyone in."
        }
        "CertificateVerify" => {
            "The server proves it holds the certificate's private key by signing the \
             handshake so far, which is where a man in the middle who swapped the key fails."
        }
        "ServerKeyExchange" => {
            "The server signs its ephemeral key together with both randoms, with its \
             certificate's key: a man in the middle cannot put in his own key, nor replay an \
             old signed one."
        }
        "ClientKeyExchange" if rsa => {
            "Only the holder of the server's private key can decrypt the pre-master secret — \
             but whoever obtains that key later can decrypt every recorded session: no \
             forward secrecy."
        }
        "ClientKeyExchange" => {
            "The secret both sides compute from the two ephemeral keys never crosses the wire, \
             and the keys are thrown away afterwards: stealing the server's key later does not \
             decrypt this recording (forward secrecy)."
        }
        "master secret derived" => {
            "Both randoms go into the keys, so each connection's keys are new even if a \
             pre-master secret were ever reused."
        }
        "ChangeCipherSpec" => {
            "From the next record on, this side encrypts and authenticates with the new keys: \
             nothing after it can be read or changed unnoticed."
        }
        "Finished" if rsa && flow == Flow::ToClient => {
            "A MAC over all handshake messages: both sides saw the same messages, so nothing \
             was altered or removed — and only a server that could decrypt the pre-master \
             secret can compute it, which is how RSA key exchange proves the server's key."
        }
        "Finished" => {
            "A MAC over all handshake messages: both sides saw the same messages, so nothing \
             was altered or removed."
        }
        "HTTP request" | "HTTP response" => {
            "Each record is encrypted and authenticated with its sequence number: a replayed, \
             reordered or dropped record fails to decrypt."
        }
        "alert: close_notify" => {
            "It marks the real end of the data, so an attacker who cuts the connection cannot \
             pass a truncated response off as complete."
        }
        _ => return None,
    })
}

/// The sentence for the record counts at the end of a trace.
pub const RECORDS: &str = "Each record's sequence number is part of its encryption: a \
     replayed, reordered or dropped record fails to decrypt.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_explainers_sentences_are_on_the_steps_they_teach() {
        let e = KeyAgreement::Ephemeral;
        let cv = protects_against("CertificateVerify", Flow::ToClient, e).unwrap();
        assert!(cv.contains("man in the middle"), "{cv}");
        let fin = protects_against("Finished", Flow::ToServer, e).unwrap();
        assert!(fin.contains("nothing was altered or removed"), "{fin}");
        let data = protects_against("HTTP response", Flow::ToClient, e).unwrap();
        assert!(data.contains("replayed"), "{data}");
        assert!(protects_against("handshake complete", Flow::Client, e).is_none());
    }

    #[test]
    fn rsa_key_exchange_says_what_it_costs() {
        let rsa = KeyAgreement::RsaTransport;
        let kx = protects_against("ClientKeyExchange", Flow::ToServer, rsa).unwrap();
        assert!(kx.contains("no forward secrecy"), "{kx}");
        let ecdhe = protects_against("ClientKeyExchange", Flow::ToServer, KeyAgreement::Ephemeral);
        assert!(ecdhe.unwrap().contains("(forward secrecy)"));
        let fin = protects_against("Finished", Flow::ToClient, rsa).unwrap();
        assert!(fin.contains("decrypt the pre-master secret"), "{fin}");
    }
}
