//! Record protection (RFC 8446 §5).
