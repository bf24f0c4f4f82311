//! The aws-lc-rs implementation of [`crate::Provider`].

/// The aws-lc-rs provider (to be implemented).
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsLcProvider;
