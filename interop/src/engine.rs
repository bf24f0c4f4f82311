//! Helpers that build padlock engine configurations for interop tests.
