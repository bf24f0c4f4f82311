//! The TLS 1.2 handshake steps both sides share (RFC 5246 §7.3, §7.4.9, §8.1): the
//! transcript, the session's secrets and keys, the ChangeCipherSpec + Finished pair, and
//! what the connection is told once the ServerHello settles the parameters.

use std::ops::Range;

use padlock_crypto::{Digest, Provider};
use padlock_pki::{PublicKeyAlgorithm, SubjectPublicKeyInfo};

use crate::certificate_chain::CertificateChain;
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerMisbehaved};
use crate::output::{trace, Output};
use crate::record::RecordKeys;
use crate::suites::Tls12Suite;
use crate::tls12::prf::{MasterSecret, MasterSecretSeed, Sender, VERIFY_DATA_LEN};
use crate::trace::{Direction, KeyPhase, TraceEvent};
use crate::transcript::Transcript;
use crate::verify::{FinishedVerified, SignatureVerified};
use crate::wire::codec::{write_opaque, write_prefixed, LengthPrefix};
use crate::wire::enums::{HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::handshake::tls12::NAMED_CURVE;
use crate::wire::handshake::{encode_handshake, CertificateVerify, Finished, ServerEcdhParams};

/// The handshake messages so far: their running hash (for the Extended Master Secret and
/// Finished), and — while a CertificateVerify may still have to be made or checked —
/// the messages themselves, which a TLS 1.2 CertificateVerify signs whole (RFC 5246
/// §7.4.8).
pub(crate) struct Transcript12 {
    hash: Transcript,
    /// Hash(handshake_messages) as last computed, until the next message: without a
    /// CertificateVerify between them, the session hash (RFC 7627 §3) and the client's
    /// Finished (RFC 5246 §7.4.9) are over the same messages, and it is computed once.
    current: Option<Digest>,
    messages: Option<Vec<u8>>,
}

impl Transcript12 {
    /// A transcript hashing with the suite's PRF hash; `keep_messages` while a
    /// CertificateVerify may need them.
    pub(crate) fn new(provider: &dyn Provider, suite: Tls12Suite, keep_messages: bool) -> Self {
        Self {
            hash: Transcript::hashing(provider, suite.hash),
            current: None,
            messages: keep_messages.then(Vec::new),
        }
    }

    /// Adds one encoded handshake message.
    pub(crate) fn add(&mut self, message: &[u8]) {
        self.current = None;
        self.hash.add(message);
        if let Some(messages) = &mut self.messages {
            messages.extend_from_slice(message);
        }
    }

    /// Hash(handshake_messages) so far.
    pub(crate) fn hash(&mut self, provider: &dyn Provider) -> Digest {
        match self.current {
            Some(hash) => hash,
            None => *self.current.insert(self.hash.current_hash(provider)),
        }
    }

    /// Hash(handshake_messages) when no message will follow: the hash is finished where
    /// it is rather than copied first.
    pub(crate) fn finish(self, provider: &dyn Provider) -> Digest {
        match self.current {
            Some(hash) => hash,
            None => self.hash.finish(provider),
        }
    }

    /// The messages so far, for a CertificateVerify (empty if they were not kept).
    pub(crate) fn messages(&self) -> &[u8] {
        self.messages.as_deref().unwrap_or_default()
    }

    /// No CertificateVerify will need the messages: stop keeping them.
    pub(crate) fn forget_messages(&mut self) {
        self.messages = None;
    }
}

/// The peer's certificate chain, accepted by the verifier (and, where a signature must
/// follow, waiting for it), with where its leaf's public key sits: the leaf is parsed
/// once, here, not again for each check of its key.
pub(crate) struct PeerChain {
    pub(crate) chain: CertificateChain,
    pub(crate) verified: crate::verify::CertVerified,
    key: LeafKey,
}

impl PeerChain {
    /// `chain` as the verifier accepted it; its leaf's key is found (a leaf that does not
    /// parse is the certificate error the parse names).
    pub(crate) fn new(
        chain: CertificateChain,
        verified: crate::verify::CertVerified,
    ) -> Result<Self, Error> {
        let leaf = chain.first().unwrap_or_default();
        let key = LeafKey::find(leaf)?;
        Ok(Self {
            chain,
            verified,
            key,
        })
    }

    /// The end-entity certificate (DER).
    pub(crate) fn leaf(&self) -> &[u8] {
        self.chain.first().unwrap_or_default()
    }

    /// The end-entity certificate's key algorithm.
    pub(crate) fn key_algorithm(&self) -> PublicKeyAlgorithm {
        self.key.algorithm
    }

    /// The end-entity certificate's SubjectPublicKeyInfo, as parsed in [`Self::new`].
    pub(crate) fn spki(&self) -> SubjectPublicKeyInfo<'_> {
        let leaf = self.leaf();
        SubjectPublicKeyInfo {
            algorithm: self.key.algorithm,
            key: leaf.get(self.key.key.clone()).unwrap_or_default(),
            der: leaf.get(self.key.der.clone()).unwrap_or_default(),
        }
    }
}

/// Where a parsed leaf certificate's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and its key
/// bits lie within the certificate's DER.
struct LeafKey {
    algorithm: PublicKeyAlgorithm,
    key: Range<usize>,
    der: Range<usize>,
}

impl LeafKey {
    fn find(leaf: &[u8]) -> Result<Self, Error> {
        let spki = padlock_pki::Certificate::public_key_info_from_der(leaf)?;
        let (Some(key), Some(der)) = (range_within(leaf, spki.key), range_within(leaf, spki.der))
        else {
            return Err(Error::Internal(
                "the certificate's key lies outside its DER",
            ));
        };
        Ok(Self {
            algorithm: spki.algorithm,
            key,
            der,
        })
    }
}

/// The position of `part`, a subslice of `whole`, within it.
fn range_within(whole: &[u8], part: &[u8]) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some(start..end)
}

/// ClientHello.random and ServerHello.random.
#[derive(Clone, Copy)]
pub(crate) struct Randoms {
    pub(crate) client: [u8; 32],
    pub(crate) server: [u8; 32],
}

/// The session's master secret and the record keys of both directions.
pub(crate) struct SessionKeys {
    master: MasterSecret,
    /// What the client's records are protected with.
    pub(crate) client: RecordKeys,
    /// What the server's records are protected with.
    pub(crate) server: RecordKeys,
}

impl SessionKeys {
    /// The master secret from the pre-master secret (RFC 5246 §8.1), bound to the session
    /// hash when both sides do the Extended Master Secret (RFC 7627 §4: `transcript`
    /// through the ClientKeyExchange), then the key block (§6.3). The master secret goes to
    /// the key log as `CLIENT_RANDOM` (NSS format).
    pub(crate) fn derive(
        suite: Tls12Suite,
        pre_master_secret: &[u8],
        extended: bool,
        transcript: &mut Transcript12,
        randoms: &Randoms,
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        let provider = out.provider();
        let provider = provider.as_ref();
        let session_hash;
        let seed = if extended {
            session_hash = transcript.hash(provider);
            MasterSecretSeed::Extended {
                session_hash: session_hash.as_ref(),
            }
        } else {
            MasterSecretSeed::Classic {
                client_random: &randoms.client,
                server_random: &randoms.server,
            }
        };
        let master = MasterSecret::new(provider, suite.hash, pre_master_secret, seed);
        out.extended_master_secret(extended);
        Self::from_master(suite, master, randoms, out)
    }

    /// A resumed session's keys (RFC 5246 §7.3): its master secret, a key block from the
    /// new randoms. Logged as `CLIENT_RANDOM` under the new client random.
    pub(crate) fn resume(
        suite: Tls12Suite,
        master_secret: &[u8],
        randoms: &Randoms,
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        let provider = out.provider();
        let master = MasterSecret::resumed(provider.as_ref(), suite.hash, master_secret);
        // Only sessions made with the Extended Master Secret are kept (RFC 7627 §5.3).
        out.extended_master_secret(true);
        Self::from_master(suite, master, randoms, out)
    }

    fn from_master(
        suite: Tls12Suite,
        master: MasterSecret,
        randoms: &Randoms,
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        let provider = out.provider();
        let provider = provider.as_ref();
        out.log_secret("CLIENT_RANDOM", master.as_bytes());
        let keys = master
            .key_block(provider, suite.aead, &randoms.client, &randoms.server)
            .map_err(|_| Error::Internal("could not make the TLS 1.2 record keys"))?;
        Ok(Self {
            master,
            client: keys.client,
            server: keys.server,
        })
    }

    /// The master secret, to keep the session for resumption.
    pub(crate) fn master_secret(&self) -> &[u8] {
        self.master.as_bytes()
    }

    /// The verify_data `sender`'s Finished carries over the transcript so far (RFC 5246
    /// §7.4.9).
    pub(crate) fn verify_data(
        &self,
        sender: Sender,
        transcript: &mut Transcript12,
        provider: &dyn Provider,
    ) -> [u8; VERIFY_DATA_LEN] {
        let hash = transcript.hash(provider);
        self.master.verify_data(provider, sender, hash.as_ref())
    }

    /// Checks the peer's Finished (RFC 5246 §7.4.9) in constant time.
    pub(crate) fn check_finished(
        &self,
        sender: Sender,
        transcript: &mut Transcript12,
        finished: &Finished,
        provider: &dyn Provider,
    ) -> Result<FinishedVerified, Error> {
        let expected = self.verify_data(sender, transcript, provider);
        crate::verify::verify_finished(&expected, finished.verify_data)
    }

    /// [`Self::check_finished`] for the handshake's last message, after which `transcript`
    /// is not needed: its hash is finished, not copied.
    pub(crate) fn check_last_finished(
        &self,
        sender: Sender,
        transcript: Transcript12,
        finished: &Finished,
        provider: &dyn Provider,
    ) -> Result<FinishedVerified, Error> {
        let hash = transcript.finish(provider);
        let expected = self.master.verify_data(provider, sender, hash.as_ref());
        crate::verify::verify_finished(&expected, finished.verify_data)
    }
}

impl SessionKeys {
    /// The handshake is done: keep only what the RFC 5705 exporter needs.
    pub(crate) fn into_exporter(self, randoms: Randoms) -> Exporter12 {
        let mut master = self.master;
        master.drop_key();
        Exporter12 { master, randoms }
    }
}

/// The keying material exporter of a TLS 1.2 session (RFC 5705 §4): the master secret
/// and both randoms.
pub(crate) struct Exporter12 {
    master: MasterSecret,
    randoms: Randoms,
}

impl Exporter12 {
    /// PRF(master_secret, label, client_random + server_random [+ context_length +
    /// context]) into `out` (RFC 5705 §4); `None` and `Some(&[])` differ, as §4 says.
    pub(crate) fn export(
        &self,
        provider: &dyn Provider,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), crate::tls12::prf::ContextTooLong> {
        self.master.export(
            provider,
            label,
            &self.randoms.client,
            &self.randoms.server,
            context,
            out,
        )
    }
}

/// What a ServerKeyExchange signs (RFC 8422 §5.4): ClientHello.random +
/// ServerHello.random + ServerECDHParams.
pub(crate) fn signed_params(randoms: &Randoms, params: &ServerEcdhParams) -> SignedParams {
    // ServerECDHParams: curve type named_curve and the group (3 bytes), then the point
    // behind its one-byte length; decoding and our groups keep it within 255 bytes.
    let point = params.public.get(..255).unwrap_or(params.public);
    let [group_hi, group_lo] = params.named_group.to_wire().to_be_bytes();
    let header = [NAMED_CURVE, group_hi, group_lo, point.len() as u8];
    let mut signed = SignedParams {
        buf: [0; SignedParams::MAX],
        len: 0,
    };
    for part in [&randoms.client[..], &randoms.server[..], &header, point] {
        if let Some(slot) = signed.buf.get_mut(signed.len..signed.len + part.len()) {
            slot.copy_from_slice(part);
            signed.len += part.len();
        }
    }
    signed
}

/// What a ServerKeyExchange signs ([`signed_params`]), on the stack: the two randoms (64
/// bytes) and `ServerECDHParams` (at most 4 + 255).
pub(crate) struct SignedParams {
    buf: [u8; SignedParams::MAX],
    len: usize,
}

impl SignedParams {
    const MAX: usize = 64 + 4 + 255;
}

impl std::ops::Deref for SignedParams {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// Checks the peer's TLS 1.2 signature — a ServerKeyExchange's or a client's
/// CertificateVerify — with the key of its leaf certificate, over `message`, with a scheme
/// we `offered`; `bad` is the violation a signature that does not verify is. Emits the
/// signature-check trace event.
pub(crate) fn check_peer_signature(
    out: &dyn Output,
    peer: &PeerChain,
    offered: &[SignatureScheme],
    signed: &CertificateVerify,
    message: &[u8],
    bad: PeerMisbehaved,
) -> Result<SignatureVerified, Error> {
    let provider = out.provider();
    let result = crate::verify::verify_tls12_signature(
        provider.as_ref(),
        &peer.spki(),
        offered,
        signed.algorithm,
        message,
        signed.signature,
        bad,
    );
    trace(out, || TraceEvent::SignatureCheck {
        scheme: signed.algorithm,
        ok: result.is_ok(),
    });
    result
}

/// Our ChangeCipherSpec, then our Finished under the new `keys` (RFC 5246 §7.1, §7.4.9),
/// over `transcript`, which the Finished joins: the peer's Finished follows.
pub(crate) fn send_change_cipher_spec_and_finished(
    keys: &SessionKeys,
    sender: Sender,
    transcript: &mut Transcript12,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let hash = transcript.hash(out.provider().as_ref());
    let verify_data = send_finished_over(keys, sender, &hash, Some(transcript), out)?;
    // The peer's Finished follows: ours is the handshake's first (RFC 5929 §3.1).
    out.tls_unique(&verify_data);
    Ok(())
}

/// [`send_change_cipher_spec_and_finished`] when our Finished ends the handshake: the
/// transcript's hash is finished in place, not copied first.
pub(crate) fn send_last_change_cipher_spec_and_finished(
    keys: &SessionKeys,
    sender: Sender,
    transcript: Transcript12,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let hash = transcript.finish(out.provider().as_ref());
    send_finished_over(keys, sender, &hash, None, out).map(|_| ())
}

/// ChangeCipherSpec, our write keys, then Finished over Hash(handshake_messages) `hash`;
/// the Finished joins `transcript` if one is given. Returns its verify_data.
fn send_finished_over(
    keys: &SessionKeys,
    sender: Sender,
    hash: &Digest,
    transcript: Option<&mut Transcript12>,
    out: &mut dyn Output,
) -> Result<[u8; VERIFY_DATA_LEN], Error> {
    out.send_change_cipher_spec()?;
    trace(out, || TraceEvent::Message {
        direction: Direction::Sent,
        name: "ChangeCipherSpec",
        len: 1,
        summary: String::new(),
    });
    let write_keys = match sender {
        Sender::Client => keys.client.clone(),
        Sender::Server => keys.server.clone(),
    };
    out.install_write_keys(write_keys, KeyPhase::Tls12)?;
    let provider = out.provider();
    let verify_data = keys
        .master
        .verify_data(provider.as_ref(), sender, hash.as_ref());
    let finished = crate::state::queue_finished(out, verify_data.as_ref());
    if let Some(transcript) = transcript {
        transcript.add(finished);
    }
    let len = finished.len();
    crate::handshake_trace::trace_sent(out, "Finished", len, String::new);
    Ok(verify_data)
}

/// Appends a TLS 1.2 Certificate message (RFC 5246 §7.4.2, §7.4.6) to `out`, written
/// straight from the chain after reserving its size: the same bytes as encoding a
/// [`crate::wire::handshake::Certificate12`], without cloning the chain into one.
pub(crate) fn encode_certificate(out: &mut Vec<u8>, chain: &[Vec<u8>]) {
    // Handshake header (4), certificate_list<0..2^24-1> (3), ASN.1Cert<1..2^24-1> (3 + len).
    out.reserve(4 + 3 + chain.iter().map(|der| 3 + der.len()).sum::<usize>());
    encode_handshake(HandshakeType::Certificate, out, |out| {
        write_prefixed(out, LengthPrefix::U24, |out| {
            for der in chain {
                write_opaque(out, LengthPrefix::U24, der);
            }
        });
    });
}

/// The peer's ChangeCipherSpec: its records are protected with `keys` from the next one
/// on (RFC 5246 §7.1).
pub(crate) fn receive_change_cipher_spec(
    keys: &SessionKeys,
    peer: Sender,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let read_keys = match peer {
        Sender::Client => keys.client.clone(),
        Sender::Server => keys.server.clone(),
    };
    out.install_read_keys(read_keys, KeyPhase::Tls12)
}

/// A TLS 1.2 handshake settled on `suite` (and `group`, for ECDHE), full or resumed: tell
/// the connection and the trace.
pub(crate) fn report_negotiated(
    suite: Tls12Suite,
    group: Option<NamedGroup>,
    kind: HandshakeKind,
    out: &mut dyn Output,
) {
    out.protocol_version(ProtocolVersion::TLSv1_2);
    out.handshake_kind(kind);
    out.negotiated(suite.common(), group);
    // RSA key transport has no group; the tls12-rsa narration reports its key exchange.
    if let Some(group) = group {
        trace(out, || TraceEvent::Negotiated {
            version: ProtocolVersion::TLSv1_2,
            suite: suite.suite,
            group,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::Codec;
    use crate::wire::handshake::{Asn1Cert, Certificate12, HandshakePayload};

    #[test]
    fn a_certificate_message_is_written_as_its_struct_encodes() {
        let chain = vec![vec![0x30; 300], vec![0x31; 70_000]];
        let expected = crate::state::encode(&HandshakePayload::Certificate12(Certificate12 {
            certificate_list: chain.iter().map(|der| Asn1Cert(der)).collect(),
        }));
        let mut written = Vec::new();
        encode_certificate(&mut written, &chain);
        assert_eq!(written, expected);
        assert_eq!(written.capacity(), written.len());
    }

    #[test]
    fn signed_params_are_the_randoms_then_the_encoded_params() {
        let randoms = Randoms {
            client: [1; 32],
            server: [2; 32],
        };
        for len in [1, 32, 65, 255] {
            let params = ServerEcdhParams {
                named_group: NamedGroup::secp256r1,
                public: &vec![4; len],
            };
            let mut expected = [[1; 32], [2; 32]].concat();
            params.encode(&mut expected);
            assert_eq!(*signed_params(&randoms, &params), expected[..]);
        }
    }
}
