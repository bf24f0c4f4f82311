//! # The design of padlock-tls, briefly
//!
//! ## Why the handshake is an enum
//!
//! Each side's handshake is an enum with one variant per awaited message
//! (`client::State::{ServerHello, EncryptedExtensions, CertificateOrCertificateRequest,
//! Certificate, CertificateVerify, Finished, Traffic}`; the server has `ClientHello,
//! Certificate, CertificateVerify, Finished, Traffic`). Each variant boxes a struct named
//! `Expect*` that holds exactly what later steps need (transcript, key-schedule stage,
//! negotiated suite). Its `handle(self, message, out)` consumes the state, so a state
//! cannot be used twice, and returns the next one.
//!
//! Every `handle` starts by matching the message type: anything else is
//! `PeerMisbehaved::UnexpectedMessage` → `unexpected_message`. Skipping a message (the
//! SMACK / "early CCS" family of bugs) is therefore impossible by construction: there is no
//! path from `ExpectCertificate` to `ExpectFinished` that does not pass through the
//! CertificateVerify check. The checks inside a `handle` are straight-line code in RFC
//! order, each with the section it implements above it.
//!
//! State code is pure protocol: it never touches buffers, sockets, clocks or alerts. It
//! writes to an `Output` sink (send this message, install these keys, ALPN chosen, peer
//! identity, handshake complete), which the connection turns into records. Time comes from
//! `config.time`, randomness and crypto from `config.provider`.
//!
//! ## Proof tokens
//!
//! `CertVerified`, `SignatureVerified` and `FinishedVerified` are zero-sized types with a
//! private field; only the functions in `verify.rs` that actually run the checks can make
//! one. The traffic states hold them as fields: the client's `ExpectTraffic` needs all three,
//! the server's needs `FinishedVerified` (and `CertVerified` when a client certificate was
//! sent). Reaching the traffic state without verifying is a compile error, not a test
//! failure. A resumed handshake (RFC 8446 §2.2) authenticates with the PSK instead:
//! `PskVerified` is made only by the server's constant-time binder check
//! (`verify::verify_binder`) or, on the client, from the server's verified Finished, which
//! is keyed from the PSK; `Authenticated::Psk` then stands where the certificate proofs
//! would.
//!
//! ## The alert mapping
//!
//! State code returns `Err(Error)`, never an alert. The one function
//! [`crate::alert::alert_for`] maps an error to the alert of RFC 8446 §6.2 (e.g. every
//! `PeerMisbehaved` variant to exactly one description), with a test table over every
//! variant. The connection queues that alert — encrypted if keys are installed — and then
//! refuses all further work, returning the same error from every call. A received fatal
//! alert surfaces as `Error::AlertReceived` and is not answered.
//!
//! ## Buffer ownership
//!
//! The [`crate::Connection`] owns three buffers, each bounded, sized to what arrives or
//! is sent (not to a maximal record up front), and each released when empty, so an idle
//! connection holds only its keys and state:
//!
//! * the receive buffer (up to two maximal records): `read_tls_from` reads the socket into
//!   it and records are decrypted **in place** there (`record::RecordOpener::open_in_place`);
//!   `read_tls` with bytes the caller already holds decrypts each whole application data
//!   record **from the caller's slice into it** once the handshake is complete
//!   (`record::RecordOpener::open_to`, where the provider's AEAD opens from one buffer
//!   into another, as aws-lc's does; anything else is copied in and opened in place), up
//!   to one full record's worth per call, so the reader takes the plaintext while it is
//!   still in the cache and the next record opens into the same cache lines.
//!   Application data stays where it was decrypted until `read_plaintext` copies it —
//!   once — into the caller's buffer, or `Connection::reader` lends it without a copy
//!   (`BufRead::fill_buf` / `consume`);
//! * a handshake reassembly buffer (`wire::HandshakeJoiner`: a message may span
//!   records), capped at 64 KiB per message — a server's ClientHello excepted, which may
//!   be as long as its encoding allows (about 128 KiB, RFC 8446 §4.1.2);
//! * the send buffer: `write_plaintext` encrypts the caller's plaintext **straight into
//!   it** (`record::RecordSealer::seal_into`, the AEAD reading the plaintext and writing
//!   the ciphertext in one pass); handshake messages are coalesced into as few records as
//!   possible. Before the handshake completes, up to 64 KiB of plaintext is held and sent
//!   when application keys are installed.
//!
//! Copies of each application data byte inside the engine, beyond the AEAD's own pass:
//!
//! | path | copies |
//! |---|---|
//! | `write_plaintext`, then `pending_tls`/`consume_tls` or `write_tls_to` | 0 |
//! | `write_plaintext` before the handshake completes (held until keys exist) | 1 (into the hold) |
//! | `read_tls` (whole records, after the handshake), then `reader().fill_buf` | 0 |
//! | `read_tls`, then `read_plaintext` or `reader().read` | 1 (out to the caller) |
//! | `read_tls_from` (the socket's read is the kernel's copy), then `fill_buf` | 0 |
//! | `read_tls` of a partial record or before the handshake completes | 1 (into the buffer) |
//! | `read_tls` again before `process_new_packets` handled what it opened | 1 (into the buffer) |
//!
//! TLS 1.2 records take the same paths with the same counts. (`padlock-bench`'s in-memory
//! harness adds one copy of its own on the read side, the sender's TLS bytes into the
//! slice handed to `read_tls`, for padlock and rustls alike: a socket's kernel copy.)
//!
//! The send buffer is released once its last record is out, and the receive buffer once
//! its last plaintext is read — unless that record was full-size: a stream of full
//! records is likely to go on, so the receive buffer is kept for the next, until
//! `process_new_packets` finds it empty or the caller says the connection is idle with
//! `shrink_buffers`. A released buffer goes to its thread's spare (`conn/spare.rs`: one
//! send and one receive buffer per thread, each at most two records, ≈ 33 KB), and the
//! next connection or record on that thread takes it back, its bytes still initialised:
//! an idle connection holds no buffer, yet a stream of records is not charged an
//! allocation and a zeroing per record. A reader is never lent a spare's former bytes
//! (`read_tls_from` zeroes what it offers beyond what this connection wrote);
//! `free_spare_buffers` frees a thread's spares.
//!
//! Keys are updated automatically (a KeyUpdate is sent) before the suite's usage limit
//! (RFC 8446 §5.5); a peer's `update_requested` is answered.
//!
//! Records that carry nothing are legal but bounded, so a peer cannot keep a connection
//! busy without sending data: more than 32 empty application data records in a row, more
//! than 4 warning `user_canceled` alerts in a row, or more than 32 KeyUpdates without
//! application data in between end the connection with `unexpected_message`.
//!
//! ## Post-quantum key exchange by default
//!
//! Traffic recorded today could be decrypted by a large quantum computer later ("harvest
//! now, decrypt later"); ML-KEM (FIPS 203) resists that, X25519 and the NIST curves do not.
//! So the client offers the hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) first, and
//! sends two key shares (`ClientConfig::key_shares` = 2): the hybrid's 1,216 bytes and a
//! 32-byte X25519 share. A server with ML-KEM answers the hybrid; one without answers the
//! X25519 share — no HelloRetryRequest either way (RFC 8446 §4.1.4), at the price of a
//! ClientHello of about 1.4 KB instead of about 200 bytes, still one record. The X25519
//! share reuses the hybrid's X25519 key (`KeyExchange::classical_share`), so the second
//! share costs no key generation.
//!
//! The server prefers every post-quantum group to every classical one and answers the best
//! share it was sent; `ServerConfig::insist_on_post_quantum` makes it ask a client that
//! supports a post-quantum group, but sent only a classical share, for one by
//! HelloRetryRequest. A hybrid stays secret as long as either half is unbroken, so
//! neither is trusted alone: the secret is both halves concatenated, in the order the
//! draft gives each group, and the key schedule (§7.1) takes it as it takes a
//! Diffie-Hellman secret.
