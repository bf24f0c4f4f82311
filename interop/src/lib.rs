//! Interop tests against real peers on 127.0.0.1: the padlock side of each matrix cell.
//!
//! The generic test support (peers that skip or fail under `PADLOCK_REQUIRE_PEERS=1`, free
//! ports, peer processes that leave nothing behind, temporary folders, test CAs made with
//! `openssl`) is `padlock-test-support`, re-exported here; what builds padlock engine
//! configurations is in [`engine`], the matrix cells in [`matrix`], the peer processes in
//! [`peers`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod engine;
pub mod matrix;
pub mod peers;

pub use padlock_test_support::certs::{self, read, read_bytes};
pub use padlock_test_support::process::{self, PeerProcess};
pub use padlock_test_support::{
    contains, find_on_path, free_port, gnutls_resumption_story, peers_required, read_bounded,
    require_peer, skip_or_fail, wait_for_port, Fixtures, Issued, KeyType, TempDir, TestCa,
    GNUTLS_RESUME, REQUIRE_PEERS_ENV,
};
