//! [`CoreError`]: the single semantic error enum. Each dialect renders it through one
//! exhaustive `match` (no `_` arm), so a new variant fails to compile until every dialect
//! decides how to show it. Messages never contain secret values.

use crate::store::StoreError;

/// What was not found. Dialects pick the wording (the OpenHands one is generic on
/// purpose for secrets, to prevent name enumeration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    Secret,
    LlmProfile(String),
    /// An agent profile, by id when the caller named one explicitly.
    AgentProfile(Option<String>),
    MetaProfile(String),
}

/// Which kind of stored data could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredData {
    Secrets,
    Settings,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid secret name")]
    InvalidSecretName,
    #[error("secret value must not be empty or redacted")]
    EmptySecretValue,
    #[error("settings validation failed")]
    InvalidSettings,
    #[error("the update names no field")]
    EmptyUpdate,
    #[error("not found: {0:?}")]
    NotFound(Missing),
    /// Stored data cannot be read: sealed under a key that is not configured (a wrong or
    /// lost key), or corrupt. Reads degrade; writes are refused so nothing is overwritten.
    #[error("stored {0:?} are corrupt or sealed under a key that is not configured")]
    Unreadable(StoredData),
    /// Too many concurrent writers on one document; the caller may retry.
    #[error("write conflict")]
    Conflict,
    #[error("storage unavailable")]
    Unavailable,
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => CoreError::Conflict,
            StoreError::Unavailable(_) => CoreError::Unavailable,
            StoreError::Other(e) => CoreError::Internal(e),
        }
    }
}
