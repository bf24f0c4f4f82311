//! The handshake transcript hash (RFC 8446 §4.4.1).

use padlock_crypto::{Digest, HashAlgorithm, InlineHashContext, Provider};

use crate::tls13::key_schedule::hello_retry_message_hash;

/// The running hash of every handshake message so far.
///
/// A client sends its ClientHello before it knows the suite's hash, so until then the
/// transcript keeps the raw bytes (`Buffered`) and starts hashing once the ServerHello names
/// the suite.
pub(crate) enum Transcript {
    /// Raw messages, hash not yet known.
    Buffered(Vec<u8>),
    /// Hashing, with the hash of the messages so far once [`Transcript::hash_so_far`] has
    /// taken it (until the next message): TLS 1.3 needs the same hash twice in a row
    /// (after the server's Finished: the application secrets and the client's Finished),
    /// and taking a hash mid-stream copies the hash context.
    Hashing {
        ctx: InlineHashContext,
        last: Option<Digest>,
    },
}

impl Transcript {
    /// An empty transcript whose hash is not yet known.
    pub(crate) fn buffered() -> Self {
        Self::Buffered(Vec::new())
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
            Self::Buffered(buf) => buf.extend_from_slice(message),
            Self::Hashing { ctx, last } => {
                ctx.update(message);
                *last = None;
            }
        }
    }

    /// The raw messages, while the hash is not yet known.
    pub(crate) fn buffered_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Buffered(buf) => Some(buf),
            Self::Hashing { .. } => None,
        }
    }

    /// Starts hashing with `hash`, feeding what was buffered.
    pub(crate) fn start_hash(self, provider: &dyn Provider, hash: HashAlgorithm) -> Self {
        match self {
            Self::Buffered(buf) => {
                let mut ctx = provider.hash_inline(hash);
                ctx.update(&buf);
                Self::hashing_with(ctx)
            }
            hashing => hashing,
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
            Self::Buffered(_) => provider.hash_once(hash, &[]),
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
            Self::Buffered(buf) => {
                let mut ctx = provider.hash(hash);
                ctx.update(buf);
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
            Self::Buffered(buf) => provider.hash_once(HashAlgorithm::Sha256, buf),
        }
    }

    /// [`Self::current_hash`], kept until the next message so that asking again costs
    /// nothing.
    pub(crate) fn hash_so_far(&mut self, provider: &dyn Provider) -> Digest {
        match self {
            Self::Hashing { ctx, last } => *last.get_or_insert_with(|| ctx.fork_finish()),
            Self::Buffered(buf) => provider.hash_once(HashAlgorithm::Sha256, buf),
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
            Self::Buffered(buf) => provider.hash_once(HashAlgorithm::Sha256, &buf),
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
