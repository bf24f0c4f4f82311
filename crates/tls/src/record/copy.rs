//! Bulk copies of record-sized buffers, in pieces that keep `memcpy` on its fast path.
//!
//! Every byte of application data is copied three times by the engine's callers and the
//! engine together (plaintext into the send buffer, TLS bytes into the receive buffer,
//! plaintext out to the reader), each copy 16 KiB at a time. glibc's `memcpy` serves a copy
//! of 2112 bytes or more (on CPUs with "fast short rep movsb") with `rep movsb`, and on AMD
//! Zen 3 that instruction is about 20× slower when the destination lies 1–31 bytes past
//! the source modulo 4 KiB (the loads falsely depend on the stores just made: "4K
//! aliasing"). Whether that happens depends only on where the allocator placed the two
//! buffers, so it varied from process to process: measured here, whole benchmark runs fell
//! to ~0.55 of the raw AEAD speed instead of ~0.85. Copies below the `rep movsb` threshold
//! use glibc's vector loop, which checks for page aliasing and picks a safe direction;
//! 1 KiB pieces cost nothing measurable otherwise, on any CPU. The receive buffer's
//! compaction (unread bytes moved to its front) goes in pieces for the same reason.

/// Piece size: well below glibc's smallest `rep movsb` threshold (2048 bytes, SSE2-only
/// CPUs; 2112 with FSRM; 4096 with AVX2; 8192 with AVX-512).
const PIECE: usize = 1024;

/// Copies `src` into `dst` (equal lengths; the caller slices) piece by piece.
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.chunks_mut(PIECE).zip(src.chunks(PIECE)) {
        d.copy_from_slice(s);
    }
}

/// Appends `src` to `out` piece by piece (`out` should already have the capacity).
pub(crate) fn extend(out: &mut Vec<u8>, src: &[u8]) {
    for s in src.chunks(PIECE) {
        out.extend_from_slice(s);
    }
}

/// Moves `buf[from..end]` down to the start of `buf` (`from > 0`), piece by piece. Moving
/// ascending pieces towards lower addresses never overwrites bytes not yet moved.
pub(crate) fn move_to_front(buf: &mut [u8], from: usize, end: usize) {
    let mut done = 0;
    while from + done < end {
        let n = PIECE.min(end - from - done);
        buf.copy_within(from + done..from + done + n, done);
        done += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_moves_every_byte_of_uneven_lengths() {
        for len in [0, 1, PIECE - 1, PIECE, PIECE + 1, 16 * 1024 + 22] {
            let src: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut dst = vec![0u8; len];
            copy(&mut dst, &src);
            assert_eq!(dst, src);
        }
    }

    #[test]
    fn move_to_front_handles_overlapping_ranges() {
        for (from, end) in [(1, 3 * PIECE + 7), (PIECE + 3, 5 * PIECE), (7, 9)] {
            let mut buf: Vec<u8> = (0..end + 11).map(|i| (i % 241) as u8).collect();
            let expected = buf[from..end].to_vec();
            move_to_front(&mut buf, from, end);
            assert_eq!(buf[..end - from], expected[..], "from {from} to {end}");
        }
    }

    #[test]
    fn extend_appends_after_existing_bytes() {
        let src: Vec<u8> = (0..3 * PIECE + 5).map(|i| (i % 253) as u8).collect();
        let mut out = vec![9u8; 3];
        extend(&mut out, &src);
        assert_eq!(out[..3], [9, 9, 9]);
        assert_eq!(out[3..], src[..]);
    }
}
