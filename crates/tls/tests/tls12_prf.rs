//! Known-answer tests for the TLS 1.2 PRF and what is derived with it (RFC 5246 §5, §6.3,
//! §7.4.9, §8.1; RFC 7627 §4).
//!
//! Sources of the vectors:
//! - `prf_*`: the TLS 1.2 PRF test vectors posted to the IETF TLS working group list
//!   (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), "test label" over
//!   a 16-byte secret and seed. Reproduced with OpenSSL 3.0's independent implementation:
//!   `openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:<secret>
//!   -kdfopt hexseed:<hex("test label") ‖ seed> TLS1-PRF` (and SHA384, 148 bytes).
//! - the master secret, EMS, key block and Finished values: generated with the same
//!   `openssl kdf … TLS1-PRF` command over the labels and seeds RFC 5246 / RFC 7627 define,
//!   for pre_master_secret = 01 02 … 20, client_random = aa…, server_random = bb…,
//!   handshake/session hash = cc….

use padlock_crypto::{AeadAlgorithm, AwsLcProvider, HashAlgorithm};
use padlock_test_support::unhex;
use padlock_tls::internal::tls12::prf::{prf, MasterSecret, MasterSecretSeed, Sender};

const PRF_SHA256: &str = "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
    6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f\
    796789baa48082d122ee42c5a72e5a5110fff70187347b66";

const PRF_SHA384: &str = "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
    e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722\
    a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236\
    a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f";

fn pms() -> Vec<u8> {
    (1..=32).collect()
}

#[test]
fn prf_sha256_matches_the_published_vector() {
    let mut out = [0u8; 100];
    prf(
        &AwsLcProvider,
        HashAlgorithm::Sha256,
        &unhex("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &[&unhex("a0ba9f936cda311827a6f796ffd5198c")],
        &mut out,
    );
    assert_eq!(out[..], unhex(PRF_SHA256)[..]);
}

#[test]
fn prf_sha384_matches_the_published_vector() {
    let mut out = [0u8; 148];
    prf(
        &AwsLcProvider,
        HashAlgorithm::Sha384,
        &unhex("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        &[&unhex("cd665cf6a8447dd6ff8b27555edb7465")],
        &mut out,
    );
    assert_eq!(out[..], unhex(PRF_SHA384)[..]);
}

fn classic_master_secret() -> MasterSecret {
    MasterSecret::new(
        &AwsLcProvider,
        HashAlgorithm::Sha256,
        &pms(),
        MasterSecretSeed::Classic {
            client_random: &[0xaa; 32],
            server_random: &[0xbb; 32],
        },
    )
}

#[test]
fn master_secret_is_the_prf_over_both_randoms() {
    assert_eq!(
        classic_master_secret().as_bytes(),
        unhex(
            "7e94154f72f8426799992dd8367da19185a580f4cd9ad5e5338403ae8fc70c30\
             546a9fc6eba4944b89fef1914d5d782b"
        )
    );
}

#[test]
fn extended_master_secret_is_the_prf_over_the_session_hash() {
    let ms = MasterSecret::new(
        &AwsLcProvider,
        HashAlgorithm::Sha384,
        &pms(),
        MasterSecretSeed::Extended {
            session_hash: &[0xcc; 64],
        },
    );
    assert_eq!(
        ms.as_bytes(),
        unhex(
            "90fa694f515537076de60c9ac58cbfcb9b1cfa1194eda9248505c0875dd0111c\
             b679145d097f73a0df86a2897b37c2db"
        )
    );
}

#[test]
fn key_block_is_the_prf_over_server_then_client_random() {
    let block =
        unhex("ffedc9822f4b5a0f0eb71163bde0d6edac171b25cd2905e99502c122596de1d2423919b5fb960915");
    let keys = classic_master_secret()
        .key_block(
            &AwsLcProvider,
            AeadAlgorithm::Aes128Gcm,
            &[0xaa; 32],
            &[0xbb; 32],
        )
        .unwrap();
    assert_eq!(keys.client.key(), &block[..16]);
    assert_eq!(keys.server.key(), &block[16..32]);
    assert_eq!(keys.client.iv()[..4], block[32..36]);
    assert_eq!(keys.server.iv()[..4], block[36..40]);
}

#[test]
fn finished_verify_data_uses_each_sides_label() {
    let ms = classic_master_secret();
    let hash = [0xcc; 32];
    assert_eq!(
        ms.verify_data(&AwsLcProvider, Sender::Client, &hash)[..],
        unhex("6c13f73dc9d4c126372e65f5")[..]
    );
    assert_eq!(
        ms.verify_data(&AwsLcProvider, Sender::Server, &hash)[..],
        unhex("17d7176dfb3e0ab153492e5d")[..]
    );
}
