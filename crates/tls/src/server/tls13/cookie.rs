//! HelloRetryRequest cookies (RFC 8446 §4.2.2) that let a server forget a connection
//! between its HelloRetryRequest and the second ClientHello.
//!
//! RFC 8446 §4.2.2: "When sending a HelloRetryRequest, the server MAY provide a 'cookie'
//! extension to the client … this allows the server to offload state to the client by
//! storing the hash of the ClientHello in the HelloRetryRequest cookie (protected with some
//! suitable integrity protection algorithm)." Ours is
//!
//! ```text
//!   cookie = Hash(ClientHello1) || HMAC-SHA256(key, LABEL || suite || group || Hash(ClientHello1))
//! ```
//!
//! where `suite` and `group` are the two-byte code points the HelloRetryRequest chose. With
//! the hash a stateless server can rebuild the transcript's `message_hash` (§4.4.1); the MAC
//! makes sure the client did not invent it, nor move a cookie to another suite or group.
//! The key is the server's ([`ServerConfig::hello_retry_cookie_key`]), shared by its
//! connections.
//!
//! [`ServerConfig::hello_retry_cookie_key`]: crate::ServerConfig::hello_retry_cookie_key

use padlock_crypto::{HashAlgorithm, Provider};

use crate::tls13::key_schedule::constant_time_eq;
use crate::wire::enums::{CipherSuite, NamedGroup};

/// Domain separation for the MAC, with a version for the format.
const LABEL: &[u8] = b"padlock tls13 hrr cookie v1";

/// Length of the MAC (HMAC-SHA256).
const TAG_LEN: usize = 32;

/// The cookie for a HelloRetryRequest that chose `suite` and `group` after a ClientHello
/// whose hash is `client_hello_hash`.
pub(super) fn seal(
    provider: &dyn Provider,
    key: &[u8; 32],
    suite: CipherSuite,
    group: NamedGroup,
    client_hello_hash: &[u8],
) -> Vec<u8> {
    let tag = mac(provider, key, suite, group, client_hello_hash);
    let mut cookie = Vec::with_capacity(client_hello_hash.len() + TAG_LEN);
    cookie.extend_from_slice(client_hello_hash);
    cookie.extend_from_slice(tag.as_ref());
    cookie
}

/// Checks a cookie echoed in the second ClientHello against `suite` and `group` (the
/// ones the second ClientHello is being accepted with) and returns the first ClientHello's
/// hash it carries; `None` if it was not made by `key` for them (→ illegal_parameter).
pub(super) fn open<'c>(
    provider: &dyn Provider,
    key: &[u8; 32],
    suite: CipherSuite,
    group: NamedGroup,
    cookie: &'c [u8],
) -> Option<&'c [u8]> {
    let split = cookie.len().checked_sub(TAG_LEN)?;
    let (client_hello_hash, tag) = cookie.split_at(split);
    let expected = mac(provider, key, suite, group, client_hello_hash);
    constant_time_eq(expected.as_ref(), tag).then_some(client_hello_hash)
}

fn mac(
    provider: &dyn Provider,
    key: &[u8; 32],
    suite: CipherSuite,
    group: NamedGroup,
    client_hello_hash: &[u8],
) -> padlock_crypto::Digest {
    provider.hmac(
        HashAlgorithm::Sha256,
        key,
        &[
            LABEL,
            &suite.to_wire().to_be_bytes(),
            &group.to_wire().to_be_bytes(),
            client_hello_hash,
        ],
    )
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const SUITE: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;
    const GROUP: NamedGroup = NamedGroup::secp384r1;

    fn cookie() -> Vec<u8> {
        seal(&AwsLcProvider, &KEY, SUITE, GROUP, &[0xab; 32])
    }

    #[test]
    fn a_cookie_opens_to_the_client_hello_hash_it_was_made_for() {
        let cookie = cookie();
        assert_eq!(cookie.len(), 64);
        assert_eq!(
            open(&AwsLcProvider, &KEY, SUITE, GROUP, &cookie),
            Some(&[0xab; 32][..])
        );
    }

    #[test]
    fn rejects_a_cookie_with_any_byte_changed() {
        let cookie = cookie();
        for i in 0..cookie.len() {
            let mut bad = cookie.clone();
            bad[i] ^= 0x01;
            assert_eq!(open(&AwsLcProvider, &KEY, SUITE, GROUP, &bad), None, "{i}");
        }
    }

    #[test]
    fn rejects_a_cookie_for_another_suite_group_or_key() {
        let cookie = cookie();
        let p = AwsLcProvider;
        let other_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
        assert_eq!(open(&p, &KEY, other_suite, GROUP, &cookie), None);
        assert_eq!(open(&p, &KEY, SUITE, NamedGroup::x25519, &cookie), None);
        assert_eq!(open(&p, &[8; 32], SUITE, GROUP, &cookie), None);
    }

    #[test]
    fn rejects_cookies_too_short_to_hold_a_tag() {
        let p = AwsLcProvider;
        assert_eq!(open(&p, &KEY, SUITE, GROUP, &[]), None);
        assert_eq!(open(&p, &KEY, SUITE, GROUP, &[0; 31]), None);
        // A bare tag over an empty hash still has to verify.
        assert_eq!(open(&p, &KEY, SUITE, GROUP, &[0; 32]), None);
    }
}
