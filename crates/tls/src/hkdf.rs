//! HKDF (RFC 5869) on the provider's HMAC.
