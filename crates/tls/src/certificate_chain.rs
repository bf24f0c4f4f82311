//! The peer's certificate chain as a connection and its sessions keep it: one buffer,
//! however many certificates it holds.

use std::fmt;
use std::sync::Arc;

/// The peer's certificate chain, as the verifier accepted it: DER certificates,
/// end-entity first (RFC 8446 §4.4.2, RFC 5246 §7.4.2).
///
/// The certificates sit back to back in one buffer, after their boundaries; a clone shares
/// that buffer.
#[derive(Clone, Default)]
pub struct CertificateChain {
    /// Where each certificate ends (`len` offsets, each [`END`] bytes big-endian, counted
    /// from the first certificate), then the certificates back to back.
    bytes: Arc<[u8]>,
    len: usize,
}

/// Bytes per boundary at the start of the buffer.
const END: usize = 4;

impl CertificateChain {
    /// How many certificates the chain holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The end-entity certificate, if the chain is not empty.
    pub fn first(&self) -> Option<&[u8]> {
        self.get(0)
    }

    /// The `i`th certificate (0: the end-entity), if there are that many.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len {
            return None;
        }
        let start = match i.checked_sub(1) {
            Some(previous) => self.end(previous)?,
            None => 0,
        };
        let certificates = self.bytes.get(self.len * END..)?;
        certificates.get(start..self.end(i)?)
    }

    /// The certificates in order, end-entity first.
    pub fn iter(&self) -> CertificateChainIter<'_> {
        CertificateChainIter {
            chain: self,
            next: 0,
        }
    }

    /// A chain of `certificates`, in one allocation: one pass sizes it, another fills it.
    /// They come from one Certificate message or one session, so they total less than
    /// 2^24 bytes (a u24-prefixed vector).
    pub(crate) fn new<'c, I>(certificates: I) -> Self
    where
        I: IntoIterator<Item = &'c [u8]>,
        I::IntoIter: Clone,
    {
        let certificates = certificates.into_iter();
        let (len, size) = certificates
            .clone()
            .fold((0, 0), |(len, size), cert| (len + 1, size + cert.len()));
        if len == 0 {
            // No allocation (a session of a client that sent no certificate).
            return Self::default();
        }
        let mut bytes: Arc<[u8]> = std::iter::repeat_n(0, len * END + size).collect();
        // Just made, the Arc is not shared, so it can be written.
        let buf = Arc::get_mut(&mut bytes).expect("a new Arc is unique");
        let (ends, mut data) = buf.split_at_mut(len * END);
        let mut end = 0;
        for (slot, cert) in ends.chunks_exact_mut(END).zip(certificates) {
            let (dst, rest) = data.split_at_mut(cert.len());
            dst.copy_from_slice(cert);
            data = rest;
            end += cert.len();
            // Below 2^24 bytes in all (see above), so every offset fits.
            let offset = u32::try_from(end).expect("a chain is below 2^24 bytes");
            slot.copy_from_slice(&offset.to_be_bytes());
        }
        Self { bytes, len }
    }

    /// Where the `i`th certificate ends, counted from the first.
    fn end(&self, i: usize) -> Option<usize> {
        let at = i.checked_mul(END)?;
        let end: [u8; END] = self.bytes.get(at..at.checked_add(END)?)?.try_into().ok()?;
        usize::try_from(u32::from_be_bytes(end)).ok()
    }
}

impl std::ops::Index<usize> for CertificateChain {
    type Output = [u8];

    /// The `i`th certificate; panics if there are not that many, as a slice does.
    fn index(&self, i: usize) -> &[u8] {
        match self.get(i) {
            Some(cert) => cert,
            None => panic!("certificate {i} of a chain of {}", self.len),
        }
    }
}

impl<'c> IntoIterator for &'c CertificateChain {
    type Item = &'c [u8];
    type IntoIter = CertificateChainIter<'c>;

    fn into_iter(self) -> CertificateChainIter<'c> {
        self.iter()
    }
}

impl PartialEq for CertificateChain {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for CertificateChain {}

impl fmt::Debug for CertificateChain {
    /// The certificates' sizes, not their bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateChain")
            .field(
                "der_lengths",
                &self.iter().map(<[u8]>::len).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The certificates of a [`CertificateChain`], end-entity first.
#[derive(Clone, Debug)]
pub struct CertificateChainIter<'c> {
    chain: &'c CertificateChain,
    next: usize,
}

impl<'c> Iterator for CertificateChainIter<'c> {
    type Item = &'c [u8];

    fn next(&mut self) -> Option<&'c [u8]> {
        let cert = self.chain.get(self.next)?;
        self.next += 1;
        Some(cert)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.chain.len.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for CertificateChainIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_the_certificates_in_order() {
        let certs: [&[u8]; 3] = [b"leaf", b"", b"intermediate"];
        let chain = CertificateChain::new(certs);
        assert_eq!(chain.len(), 3);
        assert_eq!(chain.first(), Some(&b"leaf"[..]));
        assert_eq!(chain.get(1), Some(&b""[..]));
        assert_eq!(&chain[2], b"intermediate");
        assert_eq!(chain.get(3), None);
        assert!(chain.iter().eq(certs));
        assert_eq!(chain.iter().len(), 3);
    }

    #[test]
    fn an_empty_chain_has_no_leaf() {
        let chain = CertificateChain::new(std::iter::empty());
        assert!(chain.is_empty());
        assert_eq!(chain.first(), None);
        assert_eq!(chain, CertificateChain::default());
    }

    #[test]
    fn debug_shows_sizes_not_bytes() {
        let chain = CertificateChain::new([&b"abc"[..], b"de"]);
        assert_eq!(
            format!("{chain:?}"),
            "CertificateChain { der_lengths: [3, 2] }"
        );
    }

    #[test]
    #[should_panic(expected = "certificate 1 of a chain of 1")]
    fn indexing_past_the_end_panics_like_a_slice() {
        let chain = CertificateChain::new([&b"leaf"[..]]);
        assert!(chain[1].is_empty());
    }
}
