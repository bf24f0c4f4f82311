//! What a server seals into a ticket (RFC 8446 §4.6.1): everything it needs to resume the
//! session and to decide whether it may, encoded by the engine's codec.

use crate::hkdf::{Secret, MAX_SECRET_LEN};
use crate::wire::codec::{write_opaque, LengthPrefix, Reader};
use crate::wire::{CipherSuite, ProtocolVersion};

/// The format version leading every encoded state.
const FORMAT: u8 = 1;

/// A resumable session, as the server remembers it.
#[derive(Clone)]
pub(crate) struct SessionState {
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: CipherSuite,
    /// The PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
    /// Hash.length) (RFC 8446 §4.6.1).
    pub(crate) secret: Secret,
    pub(crate) ticket_age_add: u32,
    /// When the ticket was issued (seconds since the epoch).
    pub(crate) issued_at: u64,
    /// The lifetime announced (seconds).
    pub(crate) lifetime: u32,
    pub(crate) server_name: Option<String>,
    pub(crate) alpn: Option<Vec<u8>>,
    /// The ticket's early_data limit (0: no 0-RTT).
    pub(crate) max_early_data_size: u32,
    /// The strike register of the server that issued it: only that one accepts its 0-RTT.
    pub(crate) register_id: [u8; 16],
    /// How the client authenticated: its certificate chain (empty: no certificate).
    pub(crate) client_certificates: Vec<Vec<u8>>,
}

impl SessionState {
    /// The state as bytes, for the ticketer to seal.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![FORMAT];
        out.extend_from_slice(&self.version.to_wire().to_be_bytes());
        out.extend_from_slice(&self.suite.to_wire().to_be_bytes());
        write_opaque(&mut out, LengthPrefix::U8, self.secret.as_bytes());
        out.extend_from_slice(&self.ticket_age_add.to_be_bytes());
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        write_optional(&mut out, self.server_name.as_ref().map(String::as_bytes));
        write_optional(&mut out, self.alpn.as_deref());
        out.extend_from_slice(&self.max_early_data_size.to_be_bytes());
        out.extend_from_slice(&self.register_id);
        super::write_chain(&mut out, &self.client_certificates);
        out
    }

    /// Reads what [`Self::encode`] wrote; `None` for anything else.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        const W: &str = "SessionState";
        let mut r = Reader::new(bytes);
        if r.u8(W).ok()? != FORMAT {
            return None;
        }
        let version = ProtocolVersion::from_wire(r.u16(W).ok()?);
        let suite = CipherSuite::from_wire(r.u16(W).ok()?);
        let secret = Secret::new(r.opaque(LengthPrefix::U8, 32, MAX_SECRET_LEN, W).ok()?);
        let ticket_age_add = r.u32(W).ok()?;
        let issued_at = u64::from_be_bytes(r.array::<8>(W).ok()?);
        let lifetime = r.u32(W).ok()?;
        let server_name = match read_optional(&mut r)? {
            Some(name) => Some(String::from_utf8(name).ok()?),
            None => None,
        };
        let alpn = read_optional(&mut r)?;
        let max_early_data_size = r.u32(W).ok()?;
        let register_id = r.array::<16>(W).ok()?;
        let client_certificates = super::read_chain(&mut r)?;
        r.expect_empty(W).ok()?;
        Some(Self {
            version,
            suite,
            secret,
            ticket_age_add,
            issued_at,
            lifetime,
            server_name,
            alpn,
            max_early_data_size,
            register_id,
            client_certificates,
        })
    }
}

/// An optional string as a presence byte, then (if present) a u8-prefixed value.
fn write_optional(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        Some(v) => {
            out.push(1);
            write_opaque(out, LengthPrefix::U8, v);
        }
        None => out.push(0),
    }
}

/// `Some(None)` for an absent value, `None` for a malformed one.
fn read_optional(r: &mut Reader<'_>) -> Option<Option<Vec<u8>>> {
    const W: &str = "SessionState";
    match r.u8(W).ok()? {
        0 => Some(None),
        1 => Some(Some(r.opaque(LengthPrefix::U8, 0, 255, W).ok()?.to_vec())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SessionState {
        SessionState {
            version: ProtocolVersion::TLSv1_3,
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            secret: Secret::new(&[9; 48]),
            ticket_age_add: 77,
            issued_at: 1_800_000_000,
            lifetime: 3600,
            server_name: Some("a.test".into()),
            alpn: Some(b"h2".to_vec()),
            max_early_data_size: 1000,
            register_id: [3; 16],
            client_certificates: vec![vec![1, 2], vec![3]],
        }
    }

    #[test]
    fn a_session_state_round_trips() {
        let s = state();
        let again = SessionState::decode(&s.encode()).unwrap();
        assert_eq!(again.encode(), s.encode());
        assert_eq!(again.server_name.as_deref(), Some("a.test"));
        let mut bare = state();
        bare.server_name = None;
        bare.alpn = None;
        bare.client_certificates.clear();
        let again = SessionState::decode(&bare.encode()).unwrap();
        assert_eq!(again.encode(), bare.encode());
        assert!(again.alpn.is_none());
    }

    #[test]
    fn a_cut_or_padded_state_does_not_decode() {
        let bytes = state().encode();
        for len in 0..bytes.len() {
            assert!(SessionState::decode(&bytes[..len]).is_none(), "{len}");
        }
        let mut longer = bytes;
        longer.push(0);
        assert!(SessionState::decode(&longer).is_none());
    }
}
