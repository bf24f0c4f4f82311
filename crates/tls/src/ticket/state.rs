//! What a server seals into a ticket (RFC 8446 §4.6.1, RFC 5077 §4): everything it needs
//! to resume the session and to decide whether it may, encoded by the engine's codec.
//!
//! The first byte says which kind of session follows — a TLS 1.3 one ([`SessionState`]) or
//! a TLS 1.2 one ([`Tls12SessionState`]) — and each decoder refuses the other's, so a TLS 1.2
//! ticket never opens as a TLS 1.3 PSK, nor the other way round.

use crate::certificate_chain::CertificateChain;
use crate::hkdf::{Secret, MAX_SECRET_LEN};
use crate::wire::codec::{write_opaque, LengthPrefix, Reader};
use crate::wire::{CipherSuite, ProtocolVersion};

/// The kind (and format version) leading an encoded TLS 1.3 state.
const FORMAT: u8 = 1;
/// The kind (and format version) leading an encoded TLS 1.2 state.
const FORMAT_TLS12: u8 = 2;

/// Which protocol version an encoded state is for, from its first byte; `None` for
/// anything padlock did not write.
pub(crate) fn version_of(bytes: &[u8]) -> Option<ProtocolVersion> {
    match *bytes.first()? {
        FORMAT => Some(ProtocolVersion::TLSv1_3),
        FORMAT_TLS12 => Some(ProtocolVersion::TLSv1_2),
        _ => None,
    }
}

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
    pub(crate) client_certificates: CertificateChain,
}

impl SessionState {
    /// The state as bytes (the tests' form of [`Self::encode_into`]).
    #[cfg(test)]
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// The state as bytes, for the ticketer to seal, into `out` (emptied first), which a
    /// server sending several tickets reuses for each.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        out.clear();
        out.reserve_exact(encoded_len(
            self.secret.as_bytes(),
            self.server_name.as_deref(),
            self.alpn.as_deref(),
            &self.client_certificates,
        ));
        out.push(FORMAT);
        out.extend_from_slice(&self.version.to_wire().to_be_bytes());
        out.extend_from_slice(&self.suite.to_wire().to_be_bytes());
        write_opaque(out, LengthPrefix::U8, self.secret.as_bytes());
        out.extend_from_slice(&self.ticket_age_add.to_be_bytes());
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        write_optional(out, self.server_name.as_ref().map(String::as_bytes));
        write_optional(out, self.alpn.as_deref());
        out.extend_from_slice(&self.max_early_data_size.to_be_bytes());
        out.extend_from_slice(&self.register_id);
        super::write_chain(out, &self.client_certificates);
    }

    /// Reads what [`Self::encode_into`] wrote; `None` for anything else.
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

/// A resumable TLS 1.2 session, as the server remembers it (sealed into a RFC 5077 ticket,
/// or kept in the session-id cache). Only sessions with the Extended Master Secret are
/// ever made (RFC 7627 §5.3): the encoding has no room for another.
#[derive(Clone)]
pub(crate) struct Tls12SessionState {
    pub(crate) suite: CipherSuite,
    /// The master secret (RFC 5246 §8.1), made with the Extended Master Secret (RFC 7627).
    pub(crate) master_secret: Secret,
    /// When the session was made (seconds since the epoch).
    pub(crate) issued_at: u64,
    /// How long it may be resumed (seconds).
    pub(crate) lifetime: u32,
    pub(crate) server_name: Option<String>,
    pub(crate) alpn: Option<Vec<u8>>,
    /// How the client authenticated: its certificate chain (empty: no certificate).
    pub(crate) client_certificates: CertificateChain,
}

/// The extended_master_secret mark of an encoded TLS 1.2 state; a state without it does
/// not decode.
const WITH_EXTENDED_MASTER_SECRET: u8 = 1;

impl Tls12SessionState {
    /// The state as bytes, for the ticketer (or the session-id cache).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(encoded_len(
            self.master_secret.as_bytes(),
            self.server_name.as_deref(),
            self.alpn.as_deref(),
            &self.client_certificates,
        ));
        out.extend_from_slice(&[FORMAT_TLS12, WITH_EXTENDED_MASTER_SECRET]);
        out.extend_from_slice(&self.suite.to_wire().to_be_bytes());
        write_opaque(&mut out, LengthPrefix::U8, self.master_secret.as_bytes());
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        write_optional(&mut out, self.server_name.as_ref().map(String::as_bytes));
        write_optional(&mut out, self.alpn.as_deref());
        super::write_chain(&mut out, &self.client_certificates);
        out
    }

    /// Reads what [`Self::encode`] wrote; anything else is refused, saying why: a TLS 1.3
    /// state, a session without the Extended Master Secret (RFC 7627 §5.3), or bytes that
    /// are not a state.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, &'static str> {
        match version_of(bytes) {
            Some(ProtocolVersion::TLSv1_2) => {}
            Some(_) => return Err("the ticket is for TLS 1.3"),
            None => return Err("the ticket's session state is malformed"),
        }
        if bytes.get(1) != Some(&WITH_EXTENDED_MASTER_SECRET) {
            return Err("the session was made without the Extended Master Secret");
        }
        Self::read(&bytes[2..]).ok_or("the ticket's session state is malformed")
    }

    fn read(bytes: &[u8]) -> Option<Self> {
        const W: &str = "Tls12SessionState";
        let mut r = Reader::new(bytes);
        let suite = CipherSuite::from_wire(r.u16(W).ok()?);
        let master_secret = Secret::new(
            r.opaque(LengthPrefix::U8, MASTER_SECRET_LEN, MASTER_SECRET_LEN, W)
                .ok()?,
        );
        let issued_at = u64::from_be_bytes(r.array::<8>(W).ok()?);
        let lifetime = r.u32(W).ok()?;
        let server_name = match read_optional(&mut r)? {
            Some(name) => Some(String::from_utf8(name).ok()?),
            None => None,
        };
        let alpn = read_optional(&mut r)?;
        let client_certificates = super::read_chain(&mut r)?;
        r.expect_empty(W).ok()?;
        Some(Self {
            suite,
            master_secret,
            issued_at,
            lifetime,
            server_name,
            alpn,
            client_certificates,
        })
    }
}

/// Length of a TLS 1.2 master secret (RFC 5246 §8.1).
const MASTER_SECRET_LEN: usize = 48;

/// An optional string as a presence byte, then (if present) a u8-prefixed value.
/// Room for an encoded state of either version, so encoding grows its vector once: the
/// fixed-width fields (49 bytes for TLS 1.3, fewer for TLS 1.2), then the variable ones
/// with their length prefixes.
fn encoded_len(
    secret: &[u8],
    server_name: Option<&str>,
    alpn: Option<&[u8]>,
    chain: &CertificateChain,
) -> usize {
    const FIXED: usize = 49;
    FIXED
        + secret.len()
        + server_name.map_or(0, str::len)
        + alpn.map_or(0, <[u8]>::len)
        + chain.iter().map(|cert| 3 + cert.len()).sum::<usize>()
}

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
            client_certificates: CertificateChain::new([&[1, 2][..], &[3]]),
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
        bare.client_certificates = CertificateChain::default();
        let again = SessionState::decode(&bare.encode()).unwrap();
        assert_eq!(again.encode(), bare.encode());
        assert!(again.alpn.is_none());
    }

    #[test]
    fn each_version_encodes_into_the_room_it_reserved() {
        let s = state();
        let room = encoded_len(
            s.secret.as_bytes(),
            s.server_name.as_deref(),
            s.alpn.as_deref(),
            &s.client_certificates,
        );
        assert_eq!(s.encode().len(), room, "TLS 1.3: every fixed field counted");
        let t = tls12_state();
        let room = encoded_len(
            t.master_secret.as_bytes(),
            t.server_name.as_deref(),
            t.alpn.as_deref(),
            &t.client_certificates,
        );
        assert!(t.encode().len() <= room);
    }

    fn tls12_state() -> Tls12SessionState {
        Tls12SessionState {
            suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            master_secret: Secret::new(&[7; 48]),
            issued_at: 1_800_000_000,
            lifetime: 7200,
            server_name: Some("a.test".into()),
            alpn: None,
            client_certificates: CertificateChain::new([&[1][..]]),
        }
    }

    #[test]
    fn a_tls12_state_round_trips_and_is_never_a_tls13_one() {
        let s = tls12_state();
        let bytes = s.encode();
        let again = Tls12SessionState::decode(&bytes).ok().unwrap();
        assert_eq!(again.encode(), bytes);
        assert_eq!(version_of(&bytes), Some(ProtocolVersion::TLSv1_2));
        assert!(SessionState::decode(&bytes).is_none());
        let tls13 = state().encode();
        assert_eq!(version_of(&tls13), Some(ProtocolVersion::TLSv1_3));
        assert_eq!(
            Tls12SessionState::decode(&tls13).err(),
            Some("the ticket is for TLS 1.3")
        );
        for len in 0..bytes.len() {
            assert!(Tls12SessionState::decode(&bytes[..len]).is_err(), "{len}");
        }
    }

    #[test]
    fn a_tls12_state_without_the_extended_master_secret_does_not_decode() {
        let mut bytes = tls12_state().encode();
        bytes[1] = 0;
        assert_eq!(
            Tls12SessionState::decode(&bytes).err(),
            Some("the session was made without the Extended Master Secret")
        );
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
