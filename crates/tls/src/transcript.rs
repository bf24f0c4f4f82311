//! The handshake transcript hash (RFC 8446 §4.4.1).

use padlock_crypto::{Digest, HashAlgorithm, InlineHashContext, Provider};

use crate::tls13::key_schedule::hello_retry_message_hash;

/// The running hash of every handshake message so far.
///
/// A client sends its ClientHello before it knows the suite's hash, so until then the
/// transcript keeps the raw bytes (`Buffered`) and starts hashing once the ServerHello names
/// the suite.
pub(crate) enum Transcript {
    /// Raw messages, hash not yet known; perhaps a hash started ahead over a prefix of
    /// them ([`Transcript::hash_ahead`]).
    Buffered {
        bytes: Vec<u8>,
        ahead: Option<Ahead>,
    },
    /// Hashing, with the hash of the messages so far once [`Transcript::hash_so_far`] has
    /// taken it (until the next message): TLS 1.3 needs the same hash twice in a row
    /// (after the server's Finished: the application secrets and the client's Finished),
    /// and taking a hash mid-stream copies the hash context.
    Hashing {
        ctx: InlineHashContext,
        last: Option<Digest>,
    },
}

/// A hash started, before the suite is known, with the hash a PSK offer commits to: over
/// the first `len` buffered bytes, of which the last `pending` are the start of a message
/// not yet added (a ClientHello cut before its binders, RFC 8446 §4.2.11.2).
pub(crate) struct Ahead {
    ctx: InlineHashContext,
    len: usize,
    pending: usize,
}

impl Transcript {
    /// An empty transcript whose hash is not yet known.
    pub(crate) fn buffered() -> Self {
        Self::Buffered {
            bytes: Vec::new(),
            ahead: None,
        }
    }

    /// An empty transcript hashing with `hash`.
    pub(crate) fn hashing(provider: &dyn Provider, hash: HashAlgorithm) -> Self {
        Self::hashing_with(provider.hash_inline(hash))
    }

    fn hashing_with(ctx: InlineHashContext) -> Self {
        Self::Hashing { ctx, last: None }
    }

    /// Adds one encoded handshake message (with its 4-byte header).
    pub(crate) fn add(&mut self, message: &[u8]) {
        match self {
            Self::Buffered { bytes, ahead } => {
                // A message that begins as [`Self::hash_ahead`] said it would keeps the
                // hash started over its start; any other drops it.
                if let Some(a) = ahead.as_mut().filter(|a| a.pending > 0) {
                    let start = bytes.len() - a.pending;
                    if message.starts_with(&bytes[start..]) {
                        bytes.extend_from_slice(&message[a.pending..]);
                        a.pending = 0;
                        return;
                    }
                    bytes.truncate(start);
                    *ahead = None;
                }
                bytes.extend_from_slice(message);
            }
            Self::Hashing { ctx, last } => {
                ctx.update(message);
                *last = None;
            }
        }
    }

    /// The raw messages, while the hash is not yet known.
    pub(crate) fn buffered_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Buffered { .. } => Some(self.added()),
            Self::Hashing { .. } => None,
        }
    }

    /// Starts hashing with `hash`, feeding what was buffered.
    pub(crate) fn start_hash(self, provider: &dyn Provider, hash: HashAlgorithm) -> Self {
        match self {
            Self::Buffered {
                bytes,
                ahead: Some(mut a),
            } if a.pending == 0 && a.ctx.algorithm() == hash => {
                a.ctx.update(&bytes[a.len..]);
                Self::hashing_with(a.ctx)
            }
            buffered @ Self::Buffered { .. } => {
                let mut ctx = provider.hash_inline(hash);
                ctx.update(buffered.added());
                Self::hashing_with(ctx)
            }
            hashing => hashing,
        }
    }

    /// The hash (`hash`, the one a PSK offer commits to) of the messages so far followed
    /// by `start`, the start of the next message (a ClientHello cut before its binders,
    /// RFC 8446 §4.2.11.2). Before the suite is known, the hash is kept going: if the
    /// next [`Self::add`] begins with `start` and the suite's hash turns out to be `hash`,
    /// those bytes are not hashed again.
    pub(crate) fn hash_ahead(
        &mut self,
        provider: &dyn Provider,
        hash: HashAlgorithm,
        start: &[u8],
    ) -> Digest {
        let Self::Buffered { bytes, ahead } = self else {
            return self.hash_with(provider, hash, start);
        };
        if let Some(a) = ahead.take() {
            bytes.truncate(bytes.len() - a.pending);
        }
        let mut ctx = provider.hash_inline(hash);
        ctx.update(bytes);
        ctx.update(start);
        let digest = ctx.fork_finish();
        bytes.extend_from_slice(start);
        *ahead = Some(Ahead {
            ctx,
            len: bytes.len(),
            pending: start.len(),
        });
        digest
    }

    /// The messages added so far, while buffered (not the start of one only announced
    /// by [`Self::hash_ahead`]); empty once hashing.
    fn added(&self) -> &[u8] {
        match self {
            Self::Buffered { bytes, ahead } => {
                &bytes[..bytes.len() - ahead.as_ref().map_or(0, |a| a.pending)]
            }
            Self::Hashing { .. } => &[],
        }
    }

    /// Replaces everything so far (ClientHello1) by the synthetic `message_hash` message
    /// (RFC 8446 §4.4.1), before the HelloRetryRequest is added.
    pub(crate) fn replace_with_message_hash(
        self,
        provider: &dyn Provider,
        hash: HashAlgorithm,
    ) -> Self {
        let ch1_hash = match self.start_hash(provider, hash) {
            Self::Hashing { ctx, .. } => ctx.finish(),
            Self::Buffered { .. } => provider.hash_once(hash, &[]),
        };
        let mut ctx = provider.hash_inline(hash);
        ctx.update(&hello_retry_message_hash(ch1_hash.as_ref()));
        Self::hashing_with(ctx)
    }

    /// The hash of the messages so far followed by `more` (a truncated ClientHello, for a
    /// PSK binder, RFC 8446 §4.2.11.2), with `hash` if hashing has not started; the
    /// transcript itself is left as it was.
    pub(crate) fn hash_with(
        &self,
        provider: &dyn Provider,
        hash: HashAlgorithm,
        more: &[u8],
    ) -> Digest {
        match self {
            Self::Hashing { ctx, .. } => {
                let mut ctx = ctx.fork();
                ctx.update(more);
                ctx.finish()
            }
            Self::Buffered { .. } => {
                let mut ctx = provider.hash_inline(hash);
                ctx.update(self.added());
                ctx.update(more);
                ctx.finish()
            }
        }
    }

    /// The hash of the messages so far. Before the hash is known this hashes the buffer
    /// with SHA-256 (never used for protocol values).
    pub(crate) fn current_hash(&self, provider: &dyn Provider) -> Digest {
        match self {
            Self::Hashing {
                last: Some(hash), ..
            } => *hash,
            Self::Hashing { ctx, last: None } => ctx.fork_finish(),
            Self::Buffered { .. } => provider.hash_once(HashAlgorithm::Sha256, self.added()),
        }
    }

    /// [`Self::current_hash`], kept until the next message so that asking again costs
    /// nothing.
    pub(crate) fn hash_so_far(&mut self, provider: &dyn Provider) -> Digest {
        match self {
            Self::Hashing { ctx, last } => *last.get_or_insert_with(|| ctx.fork_finish()),
            Self::Buffered { .. } => provider.hash_once(HashAlgorithm::Sha256, self.added()),
        }
    }

    /// The hash of the messages so far, when no more will follow: the context is finished
    /// where it is, not copied first.
    pub(crate) fn finish(self, provider: &dyn Provider) -> Digest {
        match self {
            Self::Hashing {
                last: Some(hash), ..
            } => hash,
            Self::Hashing { ctx, last: None } => ctx.finish(),
            buffered @ Self::Buffered { .. } => {
                provider.hash_once(HashAlgorithm::Sha256, buffered.added())
            }
        }
    }
}

/// What is left of a transcript once the hash after the peer's Finished is taken (RFC
/// 8446 §7.1: the application secrets' and, unless more messages come, our Finished's):
/// the transcript itself while messages will still be added to it (EndOfEarlyData, a
/// client certificate, the client's Finished for the resumption master secret), else
/// only that hash — the context it would drop is finished where it is, not copied.
pub(crate) enum Remaining {
    /// Messages will still be added.
    Going(Transcript),
    /// No message will be added: the last hash.
    Ended(Digest),
}

impl Transcript {
    /// [`Self::hash_so_far`], keeping the transcript only if `more` messages will be
    /// added to it.
    pub(crate) fn hash_and_keep_if(
        mut self,
        more: bool,
        provider: &dyn Provider,
    ) -> (Digest, Remaining) {
        if more {
            (self.hash_so_far(provider), Remaining::Going(self))
        } else {
            let hash = self.finish(provider);
            (hash, Remaining::Ended(hash))
        }
    }
}

impl Remaining {
    /// The transcript, to add a message to. Fails (an internal error, which ends the
    /// handshake) if it ended: its owner said no message would come.
    pub(crate) fn going(&mut self) -> Result<&mut Transcript, crate::error::Error> {
        match self {
            Self::Going(transcript) => Ok(transcript),
            Self::Ended(_) => Err(crate::error::Error::Internal(
                "a handshake message after the transcript ended",
            )),
        }
    }

    /// The hash of the messages so far.
    pub(crate) fn hash_so_far(&mut self, provider: &dyn Provider) -> Digest {
        match self {
            Self::Going(transcript) => transcript.hash_so_far(provider),
            Self::Ended(hash) => *hash,
        }
    }

    /// The hash of the messages so far, when no more will follow ([`Transcript::finish`]).
    pub(crate) fn finish(self, provider: &dyn Provider) -> Digest {
        match self {
            Self::Going(transcript) => transcript.finish(provider),
            Self::Ended(hash) => hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    #[test]
    fn buffered_then_hashed_equals_hashed_from_the_start() {
        let p = AwsLcProvider;
        let mut a = Transcript::buffered();
        a.add(b"client hello");
        let mut a = a.start_hash(&p, HashAlgorithm::Sha256);
        a.add(b"server hello");
        let mut b = Transcript::hashing(&p, HashAlgorithm::Sha256);
        b.add(b"client hello");
        b.add(b"server hello");
        assert_eq!(a.current_hash(&p), b.current_hash(&p));
    }

    #[test]
    fn a_kept_hash_is_dropped_by_the_next_message() {
        let p = AwsLcProvider;
        let mut t = Transcript::hashing(&p, HashAlgorithm::Sha256);
        t.add(b"client hello");
        let first = t.hash_so_far(&p);
        assert_eq!(t.hash_so_far(&p), first);
        assert_eq!(t.current_hash(&p), first);
        t.add(b"server hello");
        let second = p.hash_once(HashAlgorithm::Sha256, b"client helloserver hello");
        assert_eq!(t.hash_so_far(&p), second);
        assert_eq!(t.finish(&p), second);
    }

    #[test]
    fn a_hash_started_ahead_goes_on_into_the_transcript() {
        let p = AwsLcProvider;
        let plain = |hash| {
            let mut t = Transcript::hashing(&p, hash);
            t.add(b"client hello with binders");
            t.add(b"server hello");
            t.current_hash(&p)
        };
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            // The suite's hash is the one hashed ahead, or another one.
            for ahead in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
                let mut t = Transcript::buffered();
                let binder_hash = t.hash_ahead(&p, ahead, b"client hello with");
                assert_eq!(binder_hash, p.hash_once(ahead, b"client hello with"));
                t.add(b"client hello with binders");
                assert_eq!(t.buffered_bytes(), Some(&b"client hello with binders"[..]));
                let mut t = t.start_hash(&p, hash);
                t.add(b"server hello");
                assert_eq!(t.current_hash(&p), plain(hash), "{hash:?} after {ahead:?}");
            }
        }
    }

    #[test]
    fn a_message_other_than_the_one_hashed_ahead_is_hashed_from_the_start() {
        // A test hook may send another ClientHello than the one the binder was made for.
        let p = AwsLcProvider;
        let mut t = Transcript::buffered();
        t.hash_ahead(&p, HashAlgorithm::Sha256, b"client hello with");
        assert_eq!(t.buffered_bytes(), Some(&b""[..]));
        t.add(b"another client hello");
        assert_eq!(t.buffered_bytes(), Some(&b"another client hello"[..]));
        let t = t.start_hash(&p, HashAlgorithm::Sha256);
        assert_eq!(
            t.current_hash(&p),
            p.hash_once(HashAlgorithm::Sha256, b"another client hello")
        );
    }

    #[test]
    fn an_ended_transcript_keeps_its_last_hash_and_takes_no_more_messages() {
        let p = AwsLcProvider;
        let mut t = Transcript::hashing(&p, HashAlgorithm::Sha256);
        t.add(b"client hello");
        let expected = p.hash_once(HashAlgorithm::Sha256, b"client hello");
        let (hash, mut ended) = t.hash_and_keep_if(false, &p);
        assert_eq!(hash, expected);
        assert_eq!(ended.hash_so_far(&p), expected);
        assert!(ended.going().is_err());

        let mut t = Transcript::hashing(&p, HashAlgorithm::Sha256);
        t.add(b"client hello");
        let (hash, mut going) = t.hash_and_keep_if(true, &p);
        assert_eq!(hash, expected);
        going.going().unwrap().add(b"finished");
        assert_eq!(
            going.hash_so_far(&p),
            p.hash_once(HashAlgorithm::Sha256, b"client hellofinished")
        );
    }

    #[test]
    fn retry_replaces_client_hello_with_message_hash() {
        // RFC 8446 §4.4.1: Hash(message_hash || 00 00 Hash.length || Hash(ClientHello1)).
        let p = AwsLcProvider;
        let mut t = Transcript::buffered();
        t.add(b"client hello 1");
        let t = t.replace_with_message_hash(&p, HashAlgorithm::Sha256);
        let inner = p.hash_once(HashAlgorithm::Sha256, b"client hello 1");
        let mut synthetic = vec![0xfe, 0, 0, 32];
        synthetic.extend_from_slice(inner.as_ref());
        assert_eq!(
            t.current_hash(&p),
            p.hash_once(HashAlgorithm::Sha256, &synthetic)
        );
    }
}
