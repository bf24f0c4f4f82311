//! The TLS 1.3 key schedule (RFC 8446 §7), as typestate.
//!
//! ```text
//!              0
//!              |
//!              v
//!    PSK ->  HKDF-Extract = Early Secret          EarlySecret::new
//!              |
//!              +-----> Derive-Secret(., "ext binder" | "res binder", "")  binder_key
//!              +-----> Derive-Secret(., "c e traffic", ClientHello)       client_early_traffic_secret
//!              +-----> Derive-Secret(., "e exp master", ClientHello)      early_exporter_master_secret
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//!    (EC)DHE -> HKDF-Extract = Handshake Secret    EarlySecret::into_handshake
//!              |
//!              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
//!              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//!    0 -> HKDF-Extract = Master Secret             HandshakeSecret::into_master
//!              |
//!              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
//! ```
//!
//! Each stage is its own type and can derive only the secrets the diagram hangs off it;
//! moving to the next stage consumes the previous one, so its secret is dropped (and
//! zeroed). HMAC's key setup costs two hash compressions, so each stage's secret is set
//! up as an HMAC key once for the Derive-Secrets that can be made together: the Early
//! Secret's binder key and next salt ([`EarlySecret::with_binder_key`]), the Handshake
//! Secret's two traffic secrets and next salt ([`EarlySecret::into_handshake_secrets`]),
//! the Master Secret's three secrets of the server's Finished
//! ([`MasterSecret::application_secrets`]). The salt of the next stage needs no
//! transcript, so it is derived when a stage is entered and the stage keeps no HMAC key
//! between messages (aws-lc's is over a kilobyte). Traffic secrets derive their keys and IVs (§7.3), their Finished key and
//! verify_data (§4.4.4) and their next generation (§7.2). Every function takes the
//! provider as `&dyn Provider`: the key schedule holds no reference to it.

use std::fmt;

use padlock_crypto::{AeadAlgorithm, Digest, HashAlgorithm, HmacKey, Provider, NONCE_LEN};

use super::constants;
use crate::hkdf;
pub use crate::hkdf::Secret;
use crate::record::RecordKeys;
use crate::Error;

/// The Early Secret (RFC 8446 §7.1): `HKDF-Extract(0, PSK)`, or of zeros without a PSK.
pub struct EarlySecret {
    hash: HashAlgorithm,
    secret: Secret,
    /// `Derive-Secret(Early Secret, "derived", "")`: the Handshake Secret's salt, derived
    /// when the stage is entered (without a PSK, a constant of the hash).
    next_salt: Secret,
}

/// Which kind of PSK a binder is for (RFC 8446 §7.1, §4.2.11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PskKind {
    /// A PSK provisioned outside TLS: label `"ext binder"`.
    External,
    /// A PSK from a NewSessionTicket: label `"res binder"`.
    Resumption,
}

impl PskKind {
    /// The binder key's Derive-Secret label (RFC 8446 §7.1).
    fn label(self) -> &'static [u8] {
        match self {
            Self::External => b"ext binder",
            Self::Resumption => b"res binder",
        }
    }
}

impl EarlySecret {
    /// The stage's secret itself, for checking test vectors. The protocol never sends or
    /// logs it.
    pub fn as_bytes(&self) -> &[u8] {
        self.secret.as_bytes()
    }

    /// Starts the key schedule for a suite with hash `hash`. Without a PSK the input is
    /// HashLen zero bytes (RFC 8446 §7.1).
    pub fn new(provider: &dyn Provider, hash: HashAlgorithm, psk: Option<&[u8]>) -> Self {
        if let (None, Some(c)) = (psk, constants::no_psk(hash)) {
            return Self {
                hash,
                secret: Secret::new(c.early_secret),
                next_salt: Secret::new(c.derived),
            };
        }
        let zeros = [0u8; hkdf::MAX_SECRET_LEN];
        let secret = hkdf::extract(
            provider,
            hash,
            &[],
            psk.unwrap_or(&zeros[..hash.output_len()]),
        );
        let next_salt = hkdf::with_hmac_key(provider, hash, secret.as_bytes(), |key| {
            derived_salt(provider, key)
        });
        Self {
            hash,
            secret,
            next_salt,
        }
    }

    /// [`Self::new`] from a PSK, with the binder key for it (RFC 8446 §7.1, §4.2.11.2):
    /// the Early Secret's two Derive-Secrets that need no ClientHello (the binder key and
    /// the next stage's salt) under one HMAC key setup.
    pub fn with_binder_key(
        provider: &dyn Provider,
        hash: HashAlgorithm,
        psk: &[u8],
        kind: PskKind,
    ) -> (Self, BinderKey) {
        let secret = hkdf::extract(provider, hash, &[], psk);
        let (next_salt, binder_key) =
            hkdf::with_hmac_key(provider, hash, secret.as_bytes(), |key| {
                let empty = empty_hash(provider, hash);
                let binder_key = TrafficSecret::derive_with_key(key, kind.label(), &empty);
                (derived_salt(provider, key), BinderKey(binder_key))
            });
        let early = Self {
            hash,
            secret,
            next_salt,
        };
        (early, binder_key)
    }

    /// The suite's hash function.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// The binder key for PSK binders (RFC 8446 §7.1, §4.2.11.2).
    pub fn binder_key(&self, provider: &dyn Provider, kind: PskKind) -> BinderKey {
        BinderKey(self.derive(provider, kind.label(), &empty_hash(provider, self.hash)))
    }

    /// `client_early_traffic_secret` for 0-RTT data; `client_hello_hash` is
    /// Transcript-Hash(ClientHello).
    pub fn client_early_traffic_secret(
        &self,
        provider: &dyn Provider,
        client_hello_hash: &[u8],
    ) -> TrafficSecret {
        self.derive(provider, b"c e traffic", client_hello_hash)
    }

    /// `early_exporter_master_secret`; `client_hello_hash` is Transcript-Hash(ClientHello).
    pub fn early_exporter_master_secret(
        &self,
        provider: &dyn Provider,
        client_hello_hash: &[u8],
    ) -> ExporterSecret {
        ExporterSecret(self.derive(provider, b"e exp master", client_hello_hash))
    }

    /// Mixes in the (EC)DHE shared secret: the next stage (RFC 8446 §7.1).
    pub fn into_handshake(self, provider: &dyn Provider, shared_secret: &[u8]) -> HandshakeSecret {
        let (hash, secret) = (self.hash, self.handshake_secret(provider, shared_secret));
        let next_salt = hkdf::with_hmac_key(provider, hash, secret.as_bytes(), |key| {
            derived_salt(provider, key)
        });
        HandshakeSecret {
            hash,
            secret,
            next_salt,
        }
    }

    /// [`Self::into_handshake`], then both handshake traffic secrets (client first) from
    /// `hello_hash`, Transcript-Hash(ClientHello...ServerHello): the Handshake Secret's
    /// three Derive-Secrets (RFC 8446 §7.1) under one HMAC key setup.
    pub fn into_handshake_secrets(
        self,
        provider: &dyn Provider,
        shared_secret: &[u8],
        hello_hash: &[u8],
    ) -> (HandshakeSecret, TrafficSecret, TrafficSecret) {
        let (hash, secret) = (self.hash, self.handshake_secret(provider, shared_secret));
        let (next_salt, client, server) =
            hkdf::with_hmac_key(provider, hash, secret.as_bytes(), |key| {
                (
                    derived_salt(provider, key),
                    TrafficSecret::derive_with_key(key, b"c hs traffic", hello_hash),
                    TrafficSecret::derive_with_key(key, b"s hs traffic", hello_hash),
                )
            });
        let handshake = HandshakeSecret {
            hash,
            secret,
            next_salt,
        };
        (handshake, client, server)
    }

    /// `HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE)`.
    fn handshake_secret(&self, provider: &dyn Provider, shared_secret: &[u8]) -> Secret {
        hkdf::extract(
            provider,
            self.hash,
            self.next_salt.as_bytes(),
            shared_secret,
        )
    }

    fn derive(
        &self,
        provider: &dyn Provider,
        label: &[u8],
        transcript_hash: &[u8],
    ) -> TrafficSecret {
        TrafficSecret::derive(provider, self.hash, &self.secret, label, transcript_hash)
    }
}

/// The Handshake Secret (RFC 8446 §7.1).
///
/// Held from the ServerHello to the server's Finished, so it keeps no HMAC key (aws-lc's
/// is over a kilobyte): the next stage's salt, which needs no transcript, is derived when
/// the stage is entered, under the key its traffic secrets are derived with.
pub struct HandshakeSecret {
    hash: HashAlgorithm,
    secret: Secret,
    /// `Derive-Secret(Handshake Secret, "derived", "")`: the Master Secret's salt.
    next_salt: Secret,
}

impl HandshakeSecret {
    /// The stage's secret itself, for checking test vectors. The protocol never sends or
    /// logs it.
    pub fn as_bytes(&self) -> &[u8] {
        self.secret.as_bytes()
    }

    /// The suite's hash function.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// `client_handshake_traffic_secret`; `hello_hash` is
    /// Transcript-Hash(ClientHello...ServerHello).
    pub fn client_handshake_traffic_secret(
        &self,
        provider: &dyn Provider,
        hello_hash: &[u8],
    ) -> TrafficSecret {
        TrafficSecret::derive(
            provider,
            self.hash,
            &self.secret,
            b"c hs traffic",
            hello_hash,
        )
    }

    /// `server_handshake_traffic_secret`; `hello_hash` is
    /// Transcript-Hash(ClientHello...ServerHello).
    pub fn server_handshake_traffic_secret(
        &self,
        provider: &dyn Provider,
        hello_hash: &[u8],
    ) -> TrafficSecret {
        TrafficSecret::derive(
            provider,
            self.hash,
            &self.secret,
            b"s hs traffic",
            hello_hash,
        )
    }

    /// Both handshake traffic secrets, client first: two Derive-Secrets from this one
    /// secret (RFC 8446 §7.1), so its HMAC key is set up once for both (the handshake
    /// itself takes them from [`EarlySecret::into_handshake_secrets`]).
    pub fn handshake_traffic_secrets(
        &self,
        provider: &dyn Provider,
        hello_hash: &[u8],
    ) -> (TrafficSecret, TrafficSecret) {
        hkdf::with_hmac_key(provider, self.hash, self.secret.as_bytes(), |key| {
            (
                TrafficSecret::derive_with_key(key, b"c hs traffic", hello_hash),
                TrafficSecret::derive_with_key(key, b"s hs traffic", hello_hash),
            )
        })
    }

    /// Mixes in HashLen zeros: the Master Secret (RFC 8446 §7.1).
    pub fn into_master(self, provider: &dyn Provider) -> MasterSecret {
        let zeros = [0u8; hkdf::MAX_SECRET_LEN];
        MasterSecret {
            hash: self.hash,
            secret: hkdf::extract(
                provider,
                self.hash,
                self.next_salt.as_bytes(),
                &zeros[..self.hash.output_len()],
            ),
        }
    }
}

/// The Master Secret (RFC 8446 §7.1).
///
/// A server holds it until the client's Finished (for the resumption master secret), so
/// it keeps no HMAC key: the three secrets derived from the server's Finished share one
/// ([`Self::application_secrets`]), the resumption master secret is one HKDF-Expand.
pub struct MasterSecret {
    hash: HashAlgorithm,
    secret: Secret,
}

impl MasterSecret {
    /// The stage's secret itself, for checking test vectors. The protocol never sends or
    /// logs it.
    pub fn as_bytes(&self) -> &[u8] {
        self.secret.as_bytes()
    }

    /// The suite's hash function.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// `client_application_traffic_secret_0`; `handshake_hash` is
    /// Transcript-Hash(ClientHello...server Finished).
    pub fn client_application_traffic_secret(
        &self,
        provider: &dyn Provider,
        handshake_hash: &[u8],
    ) -> TrafficSecret {
        TrafficSecret::derive(
            provider,
            self.hash,
            &self.secret,
            b"c ap traffic",
            handshake_hash,
        )
    }

    /// `server_application_traffic_secret_0`; `handshake_hash` is
    /// Transcript-Hash(ClientHello...server Finished).
    pub fn server_application_traffic_secret(
        &self,
        provider: &dyn Provider,
        handshake_hash: &[u8],
    ) -> TrafficSecret {
        TrafficSecret::derive(
            provider,
            self.hash,
            &self.secret,
            b"s ap traffic",
            handshake_hash,
        )
    }

    /// Both application traffic secrets (generation 0), client first: two Derive-Secrets
    /// from this one secret (RFC 8446 §7.1), under one HMAC key setup.
    pub fn application_traffic_secrets(
        &self,
        provider: &dyn Provider,
        handshake_hash: &[u8],
    ) -> (TrafficSecret, TrafficSecret) {
        hkdf::with_hmac_key(provider, self.hash, self.secret.as_bytes(), |key| {
            (
                TrafficSecret::derive_with_key(key, b"c ap traffic", handshake_hash),
                TrafficSecret::derive_with_key(key, b"s ap traffic", handshake_hash),
            )
        })
    }

    /// Everything both sides derive from the Master Secret once the server's Finished is
    /// known (RFC 8446 §7.1): the two application traffic secrets and the exporter master
    /// secret, three Derive-Secrets under one HMAC key setup. `handshake_hash` is
    /// Transcript-Hash(ClientHello...server Finished).
    pub fn application_secrets(
        &self,
        provider: &dyn Provider,
        handshake_hash: &[u8],
    ) -> ApplicationSecrets {
        hkdf::with_hmac_key(provider, self.hash, self.secret.as_bytes(), |key| {
            let derive = |label: &[u8]| TrafficSecret::derive_with_key(key, label, handshake_hash);
            ApplicationSecrets {
                client: derive(b"c ap traffic"),
                server: derive(b"s ap traffic"),
                exporter: ExporterSecret(derive(b"exp master")),
            }
        })
    }

    /// `exporter_master_secret`; `handshake_hash` is
    /// Transcript-Hash(ClientHello...server Finished).
    pub fn exporter_master_secret(
        &self,
        provider: &dyn Provider,
        handshake_hash: &[u8],
    ) -> ExporterSecret {
        ExporterSecret(TrafficSecret::derive(
            provider,
            self.hash,
            &self.secret,
            b"exp master",
            handshake_hash,
        ))
    }

    /// `resumption_master_secret`; `full_hash` is
    /// Transcript-Hash(ClientHello...client Finished).
    pub fn resumption_master_secret(
        &self,
        provider: &dyn Provider,
        full_hash: &[u8],
    ) -> ResumptionMasterSecret {
        ResumptionMasterSecret(TrafficSecret::derive(
            provider,
            self.hash,
            &self.secret,
            b"res master",
            full_hash,
        ))
    }
}

/// The secrets derived from the Master Secret with Transcript-Hash(ClientHello...server
/// Finished) (RFC 8446 §7.1), from [`MasterSecret::application_secrets`].
pub struct ApplicationSecrets {
    /// `client_application_traffic_secret_0`.
    pub client: TrafficSecret,
    /// `server_application_traffic_secret_0`.
    pub server: TrafficSecret,
    /// `exporter_master_secret`.
    pub exporter: ExporterSecret,
}

/// A traffic secret (handshake, application or early) of one direction, with its hash.
///
/// The secret bytes are available (for SSLKEYLOGFILE) through [`Self::as_bytes`].
#[derive(Clone)]
pub struct TrafficSecret {
    hash: HashAlgorithm,
    secret: Secret,
}

impl TrafficSecret {
    /// Wraps secret bytes obtained elsewhere (tests, key logs). `bytes.len()` should be
    /// the hash's output length.
    pub fn from_bytes(hash: HashAlgorithm, bytes: &[u8]) -> Self {
        Self {
            hash,
            secret: Secret::new(bytes),
        }
    }

    fn derive(
        provider: &dyn Provider,
        hash: HashAlgorithm,
        from: &Secret,
        label: &[u8],
        transcript_hash: &[u8],
    ) -> Self {
        Self {
            hash,
            secret: hkdf::derive_secret(provider, hash, from.as_bytes(), label, transcript_hash),
        }
    }

    /// [`Self::derive`] from a secret already set up as an HMAC key.
    fn derive_with_key(from: &dyn HmacKey, label: &[u8], transcript_hash: &[u8]) -> Self {
        Self {
            hash: from.algorithm(),
            secret: hkdf::derive_secret_with_key(from, label, transcript_hash),
        }
    }

    /// The secret bytes (Hash.length of them).
    pub fn as_bytes(&self) -> &[u8] {
        self.secret.as_bytes()
    }

    /// The suite's hash function.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// The record keys for `aead` (RFC 8446 §7.3):
    /// `key = HKDF-Expand-Label(Secret, "key", "", key_length)`,
    /// `iv = HKDF-Expand-Label(Secret, "iv", "", iv_length)`.
    /// Both expand this secret, so its HMAC key is set up once.
    pub fn record_keys(
        &self,
        provider: &dyn Provider,
        aead: AeadAlgorithm,
    ) -> Result<RecordKeys, Error> {
        let (key, iv) =
            hkdf::with_hmac_key(provider, self.hash, self.secret.as_bytes(), |secret| {
                (
                    hkdf::expand_label_secret_with_key(secret, b"key", &[], aead.key_len()),
                    hkdf::expand_label_secret_with_key(secret, b"iv", &[], NONCE_LEN),
                )
            });
        RecordKeys::new(aead, key.as_bytes(), iv.as_bytes())
            .map_err(|_| Error::Internal("the key schedule derived keys of the wrong length"))
    }

    /// A handshake traffic secret's two uses, made together: its record keys (RFC 8446
    /// §7.3, as [`Self::record_keys`]) and its finished_key (§4.4.4, as
    /// [`Self::finished_key`]) expand the same secret, so its HMAC key is set up once for
    /// the three expansions rather than once for the keys and again for the Finished. The
    /// states keep these; the secret itself is needed for nothing else.
    pub fn handshake_keys(
        &self,
        provider: &dyn Provider,
        aead: AeadAlgorithm,
    ) -> Result<(RecordKeys, FinishedKey), Error> {
        let len = self.hash.output_len();
        let (key, iv, finished) =
            hkdf::with_hmac_key(provider, self.hash, self.secret.as_bytes(), |secret| {
                (
                    hkdf::expand_label_secret_with_key(secret, b"key", &[], aead.key_len()),
                    hkdf::expand_label_secret_with_key(secret, b"iv", &[], NONCE_LEN),
                    hkdf::expand_label_secret_with_key(secret, b"finished", &[], len),
                )
            });
        let keys = RecordKeys::new(aead, key.as_bytes(), iv.as_bytes())
            .map_err(|_| Error::Internal("the key schedule derived keys of the wrong length"))?;
        Ok((
            keys,
            FinishedKey {
                hash: self.hash,
                key: finished,
            },
        ))
    }

    /// The next generation, for KeyUpdate (RFC 8446 §7.2):
    /// `HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)`.
    pub fn next_generation(&self, provider: &dyn Provider) -> TrafficSecret {
        TrafficSecret {
            hash: self.hash,
            secret: self.expand(provider, b"traffic upd", &[], self.hash.output_len()),
        }
    }

    /// `finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)`
    /// (RFC 8446 §4.4.4), with this secret as BaseKey.
    pub fn finished_key(&self, provider: &dyn Provider) -> Secret {
        self.expand(provider, b"finished", &[], self.hash.output_len())
    }

    /// Finished.verify_data = `HMAC(finished_key, Transcript-Hash(Handshake Context,
    /// Certificate*, CertificateVerify*))` (RFC 8446 §4.4.4). `transcript_hash` is that
    /// hash, taken just before the Finished message.
    pub fn finished_verify_data(&self, provider: &dyn Provider, transcript_hash: &[u8]) -> Digest {
        let key = self.finished_key(provider);
        provider.hmac(self.hash, key.as_bytes(), &[transcript_hash])
    }

    /// Checks a received Finished.verify_data in constant time (RFC 8446 §4.4.4). Returns
    /// whether it matches.
    pub fn verify_finished(
        &self,
        provider: &dyn Provider,
        transcript_hash: &[u8],
        received: &[u8],
    ) -> bool {
        let expected = self.finished_verify_data(provider, transcript_hash);
        constant_time_eq(expected.as_ref(), received)
    }

    fn expand(&self, provider: &dyn Provider, label: &[u8], context: &[u8], len: usize) -> Secret {
        hkdf::expand_label_secret(
            provider,
            self.hash,
            self.secret.as_bytes(),
            label,
            context,
            len,
        )
    }
}

impl fmt::Debug for TrafficSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrafficSecret({:?}, ..)", self.hash)
    }
}

/// A finished_key (RFC 8446 §4.4.4): `HKDF-Expand-Label(BaseKey, "finished", "",
/// Hash.length)`, with a handshake traffic secret as BaseKey
/// ([`TrafficSecret::handshake_keys`]). Zeroed when dropped.
pub struct FinishedKey {
    hash: HashAlgorithm,
    key: Secret,
}

impl FinishedKey {
    /// Finished.verify_data = `HMAC(finished_key, Transcript-Hash(Handshake Context,
    /// Certificate*, CertificateVerify*))` (RFC 8446 §4.4.4); `transcript_hash` is that
    /// hash, taken just before the Finished message.
    pub fn verify_data(&self, provider: &dyn Provider, transcript_hash: &[u8]) -> Digest {
        provider.hmac(self.hash, self.key.as_bytes(), &[transcript_hash])
    }
}

impl fmt::Debug for FinishedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FinishedKey({:?}, ..)", self.hash)
    }
}

/// A binder key (RFC 8446 §7.1): the BaseKey of the PSK binder HMAC (§4.2.11.2).
pub struct BinderKey(TrafficSecret);

impl BinderKey {
    /// The binder: computed like Finished.verify_data with the binder key as BaseKey, over
    /// Transcript-Hash of the ClientHello truncated before the binders list (§4.2.11.2).
    pub fn binder(&self, provider: &dyn Provider, truncated_hello_hash: &[u8]) -> Digest {
        self.0.finished_verify_data(provider, truncated_hello_hash)
    }

    /// Checks a received binder in constant time.
    pub fn verify_binder(
        &self,
        provider: &dyn Provider,
        truncated_hello_hash: &[u8],
        received: &[u8],
    ) -> bool {
        self.0
            .verify_finished(provider, truncated_hello_hash, received)
    }

    /// The binder key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// An exporter master secret (early or not), for keying material exporters (RFC 8446 §7.5).
pub struct ExporterSecret(TrafficSecret);

/// An exporter was asked for more output than HKDF-Expand-Label can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExporterOutputTooLong;

impl fmt::Display for ExporterOutputTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("exported keying material is limited to 255 hash lengths (and 65535 bytes)")
    }
}

impl std::error::Error for ExporterOutputTooLong {}

impl ExporterSecret {
    /// TLS-Exporter(label, context_value, key_length) =
    /// `HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value),
    /// key_length)` (RFC 8446 §7.5), into `out`. A missing context is the same as an empty
    /// one in TLS 1.3. Labels longer than 249 bytes cannot be encoded and are refused.
    pub fn export(
        &self,
        provider: &dyn Provider,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), ExporterOutputTooLong> {
        let hash = self.0.hash;
        if label.len() > 255 - 6 {
            return Err(ExporterOutputTooLong);
        }
        let derived = hkdf::derive_secret(
            provider,
            hash,
            self.0.as_bytes(),
            label,
            &empty_hash(provider, hash),
        );
        let context_hash = provider.hash_once(hash, context.unwrap_or(&[]));
        hkdf::expand_label(
            provider,
            hash,
            derived.as_bytes(),
            b"exporter",
            context_hash.as_ref(),
            out,
        )
        .map_err(|_| ExporterOutputTooLong)
    }

    /// The secret bytes (for SSLKEYLOGFILE's `EXPORTER_SECRET`).
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// `resumption_master_secret` (RFC 8446 §7.1), from which ticket PSKs are made.
///
/// A client keeps it for the life of the connection (tickets may come at any time), so it
/// holds no HMAC key: a ticket's PSK is one HKDF-Expand-Label ([`Self::ticket_psk`]); a
/// server issuing several at once sets the key up once ([`Self::with_ticket_psks`]).
pub struct ResumptionMasterSecret(TrafficSecret);

impl ResumptionMasterSecret {
    /// The PSK for a ticket (RFC 8446 §4.6.1):
    /// `HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)`.
    /// Nonces longer than 255 bytes cannot occur (the wire field is `opaque<0..255>`);
    /// such a nonce yields an all-zero PSK, which will simply fail to resume.
    pub fn ticket_psk(&self, provider: &dyn Provider, ticket_nonce: &[u8]) -> Secret {
        let hash = self.0.hash;
        hkdf::expand_label_secret(
            provider,
            hash,
            self.0.as_bytes(),
            b"resumption",
            ticket_nonce,
            hash.output_len(),
        )
    }

    /// Runs `f` with this secret set up once as an HMAC key, for the PSKs of several
    /// tickets issued together (RFC 8446 §4.6.1: one per nonce).
    pub fn with_ticket_psks<R>(
        &self,
        provider: &dyn Provider,
        f: impl FnOnce(&TicketPsks<'_>) -> R,
    ) -> R {
        hkdf::with_hmac_key(provider, self.0.hash, self.0.as_bytes(), |key| {
            f(&TicketPsks(key))
        })
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The resumption master secret set up as an HMAC key, from
/// [`ResumptionMasterSecret::with_ticket_psks`].
pub struct TicketPsks<'a>(&'a dyn HmacKey);

impl TicketPsks<'_> {
    /// [`ResumptionMasterSecret::ticket_psk`] under the key set up once.
    pub fn ticket_psk(&self, ticket_nonce: &[u8]) -> Secret {
        hkdf::expand_label_secret_with_key(
            self.0,
            b"resumption",
            ticket_nonce,
            self.0.algorithm().output_len(),
        )
    }
}

/// The synthetic `message_hash` handshake message that replaces ClientHello1 in the
/// transcript after a HelloRetryRequest (RFC 8446 §4.4.1):
///
/// ```text
/// Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
///     Hash(message_hash ||        /* Handshake type */
///          00 00 Hash.length  ||  /* Handshake message length (bytes) */
///          Hash(ClientHello1) ||  /* Hash of ClientHello1 */
///          HelloRetryRequest  || ... || Mn)
/// ```
///
/// `client_hello1_hash` is Hash(ClientHello1), with its 4-byte handshake header. Returns
/// the bytes to feed a fresh transcript hash before the HelloRetryRequest.
pub fn hello_retry_message_hash(client_hello1_hash: &[u8]) -> Vec<u8> {
    /// HandshakeType message_hash (RFC 8446 §4).
    const MESSAGE_HASH: u8 = 0xfe;
    let mut out = Vec::with_capacity(4 + client_hello1_hash.len());
    // A hash output is at most 64 bytes, so the length fits one byte.
    out.extend_from_slice(&[MESSAGE_HASH, 0, 0, client_hello1_hash.len() as u8]);
    out.extend_from_slice(client_hello1_hash);
    out
}

/// Compares two byte strings without stopping at the first difference. Lengths are
/// public, so unequal lengths return `false` at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// `Derive-Secret(previous, "derived", "")` (RFC 8446 §7.1), the next stage's salt, with
/// `previous` set up as an HMAC key.
fn derived_salt(provider: &dyn Provider, previous: &dyn HmacKey) -> Secret {
    let hash = previous.algorithm();
    hkdf::derive_secret_with_key(previous, b"derived", &empty_hash(provider, hash))
}

/// Transcript-Hash of no messages: the hash of the empty string (a constant).
fn empty_hash(provider: &dyn Provider, hash: HashAlgorithm) -> std::borrow::Cow<'static, [u8]> {
    match constants::no_psk(hash) {
        Some(c) => c.empty_hash.into(),
        None => provider.hash_once(hash, &[]).as_ref().to_vec().into(),
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;
    use padlock_test_support::unhex;

    use super::*;

    // Values from RFC 8448 §3 (simple 1-RTT handshake). The full trace is replayed in
    // tests/rfc8448.rs; these keep the unit tests self-contained.
    const SHARED: &str = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
    const HELLO_HASH: &str = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";

    fn handshake_secret(p: &dyn Provider) -> HandshakeSecret {
        EarlySecret::new(p, HashAlgorithm::Sha256, None).into_handshake(p, &unhex(SHARED))
    }

    #[test]
    fn derives_rfc8448_handshake_traffic_secrets() {
        let p = AwsLcProvider;
        let hs = handshake_secret(&p);
        let (c, s) = hs.handshake_traffic_secrets(&p, &unhex(HELLO_HASH));
        assert_eq!(
            c.as_bytes(),
            unhex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
        );
        assert_eq!(
            s.as_bytes(),
            unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
        );
    }

    #[test]
    fn derives_rfc8448_server_handshake_write_key_and_iv() {
        let p = AwsLcProvider;
        let s = handshake_secret(&p).server_handshake_traffic_secret(&p, &unhex(HELLO_HASH));
        let keys = s.record_keys(&p, AeadAlgorithm::Aes128Gcm).unwrap();
        assert_eq!(keys.key(), unhex("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(keys.iv().to_vec(), unhex("5d313eb2671276ee13000b30"));
    }

    #[test]
    fn derives_rfc8448_server_finished_key() {
        let p = AwsLcProvider;
        let s = handshake_secret(&p).server_handshake_traffic_secret(&p, &unhex(HELLO_HASH));
        assert_eq!(
            s.finished_key(&p).as_bytes(),
            unhex("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")
        );
    }

    #[test]
    fn handshake_keys_are_the_record_keys_and_finished_key_made_apart() {
        let p = AwsLcProvider;
        let s = handshake_secret(&p).server_handshake_traffic_secret(&p, &unhex(HELLO_HASH));
        let (keys, finished) = s.handshake_keys(&p, AeadAlgorithm::Aes128Gcm).unwrap();
        // RFC 8448 §3: the server's handshake write key and IV.
        assert_eq!(keys.key(), unhex("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(keys.iv().to_vec(), unhex("5d313eb2671276ee13000b30"));
        let transcript = [9u8; 32];
        assert_eq!(
            finished.verify_data(&p, &transcript),
            s.finished_verify_data(&p, &transcript)
        );
    }

    #[test]
    fn finished_check_accepts_its_own_verify_data_and_rejects_a_flipped_bit() {
        let p = AwsLcProvider;
        let s = handshake_secret(&p).server_handshake_traffic_secret(&p, &unhex(HELLO_HASH));
        let transcript = [9u8; 32];
        let good = s.finished_verify_data(&p, &transcript);
        assert!(s.verify_finished(&p, &transcript, good.as_ref()));
        let mut bad = good.as_ref().to_vec();
        bad[31] ^= 1;
        assert!(!s.verify_finished(&p, &transcript, &bad));
        assert!(!s.verify_finished(&p, &transcript, &good.as_ref()[..31]));
    }

    #[test]
    fn next_generation_changes_the_secret_and_is_deterministic() {
        let p = AwsLcProvider;
        let s = TrafficSecret::from_bytes(HashAlgorithm::Sha384, &[3; 48]);
        let n1 = s.next_generation(&p);
        let n2 = s.next_generation(&p);
        assert_eq!(n1.as_bytes(), n2.as_bytes());
        assert_ne!(n1.as_bytes(), s.as_bytes());
        assert_eq!(n1.as_bytes().len(), 48);
    }

    #[test]
    fn exporter_output_depends_on_label_and_context() {
        let p = AwsLcProvider;
        let e = ExporterSecret(TrafficSecret::from_bytes(HashAlgorithm::Sha256, &[5; 32]));
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        let mut c = [0u8; 32];
        let mut d = [0u8; 32];
        e.export(&p, b"EXPORTER-a", None, &mut a).unwrap();
        e.export(&p, b"EXPORTER-a", Some(b""), &mut b).unwrap();
        e.export(&p, b"EXPORTER-b", None, &mut c).unwrap();
        e.export(&p, b"EXPORTER-a", Some(b"x"), &mut d).unwrap();
        assert_eq!(a, b, "absent and empty context are the same in TLS 1.3");
        assert_ne!(a, c);
        assert_ne!(a, d);
        let mut huge = vec![0u8; 255 * 32 + 1];
        assert_eq!(
            e.export(&p, b"EXPORTER-a", None, &mut huge),
            Err(ExporterOutputTooLong)
        );
    }

    #[test]
    fn secrets_derived_together_equal_those_derived_one_by_one() {
        let p = AwsLcProvider;
        let hs = handshake_secret(&p);
        let (c, s) = hs.handshake_traffic_secrets(&p, &unhex(HELLO_HASH));
        let c1 = hs.client_handshake_traffic_secret(&p, &unhex(HELLO_HASH));
        let s1 = hs.server_handshake_traffic_secret(&p, &unhex(HELLO_HASH));
        assert_eq!(c.as_bytes(), c1.as_bytes());
        assert_eq!(s.as_bytes(), s1.as_bytes());

        let master = hs.into_master(&p);
        let transcript = [4u8; 32];
        let app = master.application_secrets(&p, &transcript);
        let c0 = master.client_application_traffic_secret(&p, &transcript);
        let s0 = master.server_application_traffic_secret(&p, &transcript);
        let exporter = master.exporter_master_secret(&p, &transcript);
        assert_eq!(app.client.as_bytes(), c0.as_bytes());
        assert_eq!(app.server.as_bytes(), s0.as_bytes());
        assert_eq!(app.exporter.as_bytes(), exporter.as_bytes());
        assert_ne!(app.client.as_bytes(), app.server.as_bytes());
    }

    #[test]
    fn stage_secrets_made_under_one_key_equal_those_made_one_by_one() {
        let p = AwsLcProvider;
        let psk = [8u8; 32];
        let (early, binder_key) =
            EarlySecret::with_binder_key(&p, HashAlgorithm::Sha256, &psk, PskKind::Resumption);
        let plain = EarlySecret::new(&p, HashAlgorithm::Sha256, Some(&psk));
        assert_eq!(early.as_bytes(), plain.as_bytes());
        let binder_key_alone = plain.binder_key(&p, PskKind::Resumption);
        assert_eq!(binder_key.as_bytes(), binder_key_alone.as_bytes());

        let shared = unhex(SHARED);
        let hello = unhex(HELLO_HASH);
        let (hs, c, s) = early.into_handshake_secrets(&p, &shared, &hello);
        let hs_alone = plain.into_handshake(&p, &shared);
        let (c1, s1) = hs_alone.handshake_traffic_secrets(&p, &hello);
        assert_eq!(hs.as_bytes(), hs_alone.as_bytes());
        assert_eq!((c.as_bytes(), s.as_bytes()), (c1.as_bytes(), s1.as_bytes()));
        assert_eq!(
            hs.into_master(&p).as_bytes(),
            hs_alone.into_master(&p).as_bytes()
        );
    }

    #[test]
    fn ticket_psks_under_one_key_equal_those_made_one_by_one() {
        let p = AwsLcProvider;
        let master = handshake_secret(&p).into_master(&p);
        let resumption = master.resumption_master_secret(&p, &[6u8; 32]);
        let (a, b) =
            resumption.with_ticket_psks(&p, |psks| (psks.ticket_psk(&[0]), psks.ticket_psk(&[1])));
        assert_eq!(a.as_bytes(), resumption.ticket_psk(&p, &[0]).as_bytes());
        assert_eq!(b.as_bytes(), resumption.ticket_psk(&p, &[1]).as_bytes());
        assert_ne!(a.as_bytes(), b.as_bytes());
    }

    #[test]
    fn hello_retry_message_hash_has_the_rfc_header() {
        let m = hello_retry_message_hash(&[0xaa; 32]);
        assert_eq!(&m[..4], &[0xfe, 0, 0, 32]);
        assert_eq!(m.len(), 36);
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
