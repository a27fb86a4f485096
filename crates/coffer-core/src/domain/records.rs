//! Records read from and written to the store. Sealed values stay opaque bytes here;
//! only `ops` opens them.

use std::collections::BTreeMap;

/// What may be shown about a secret without its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretMeta {
    pub name: String,
    pub description: Option<String>,
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A stored secret with its sealed value (envelope bytes; see `coffer_crypto::seal`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRecord {
    pub meta: SecretMeta,
    pub sealed: Vec<u8>,
}

/// A stored settings document. `doc` holds every non-secret field; `sealed` maps the
/// JSON pointer of each secret field to its sealed envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingsRecord {
    pub doc: serde_json::Value,
    pub sealed: BTreeMap<String, Vec<u8>>,
    pub version: i64,
    pub updated_at_ms: i64,
}
