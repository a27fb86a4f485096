//! A workspace's KV memory entry (Molecule spec §6): a JSON value under a key, with a
//! version that every write increments and an optional expiry. Values are stored as
//! JSON text (not sealed: memory is agent state, not a secret, as in the original).

/// An entry as stored and shown. `value` is JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryEntry {
    pub key: String,
    pub value: String,
    pub version: i64,
    pub expires_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

/// The outcome of a memory write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemoryWrite {
    /// Written; the entry's new version.
    Saved(i64),
    /// `if_match_version` did not match; `current` is `None` when the key is absent.
    Mismatch { current: Option<i64> },
}

/// Keys longer than this are refused (the original has no limit; a key is a path
/// segment and an index entry).
pub const MAX_MEMORY_KEY_BYTES: usize = 1024;
