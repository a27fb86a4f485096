//! The [`Store`] port. `coffer-store` implements it for SQLite and PostgreSQL; one
//! contract suite runs against both.
//!
//! Rules for implementations:
//! - methods are named after persistence facts, take domain types, and return domain
//!   records — no SQL types cross this boundary;
//! - every method that changes data is one unit of work: the change and its event row are
//!   committed in one transaction, or neither is;
//! - database errors are classified once, into [`StoreError`].

mod agent_memories;
mod chats;
mod conversations;
mod workspaces;

pub use agent_memories::{MemoryClause, MemoryFilter, MemorySearch, MemoryStore, MemoryToEmbed};
pub use chats::{
    AgentKeyWrite, ChatInsert, ChatStore, GroupAgentWrite, MessageInsert, NewAccount, NewChat,
    NewMessage, SealedAgentKeyRow, TokenWrite,
};
pub use conversations::{
    ConversationEventRecord, ConversationEventWrite, ConversationRecord, ConversationStore,
    ConversationUpdate, EventFilter, SealedConversationEvent,
};
pub use workspaces::{OrgTokenRevocation, StatusChange, WorkspaceStore};

use async_trait::async_trait;

use crate::domain::{Scope, SecretMeta, SecretName, SecretRecord, SettingsRecord};
use crate::event::{Event, NewEvent};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An optimistic-concurrency check failed (the row changed underneath).
    #[error("conflict")]
    Conflict,
    /// The database cannot be reached or the pool is exhausted/closed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A secret to insert or replace. `sealed` is an envelope from `coffer_crypto::seal`;
/// `key_id` is the hex id of the key that sealed it (kept as a column so a scope's keys
/// can be checked without reading values).
#[derive(Clone, Debug)]
pub struct SecretWrite<'a> {
    pub scope: &'a Scope,
    pub name: &'a SecretName,
    pub sealed: Vec<u8>,
    pub key_id: String,
    pub description: Option<String>,
    pub at_ms: i64,
}

/// A settings document to save. See [`SettingsRecord`] for the split between `doc` and
/// `sealed`.
#[derive(Clone, Debug)]
pub struct SettingsWrite<'a> {
    pub scope: &'a Scope,
    pub key: &'a str,
    pub doc: serde_json::Value,
    pub sealed: BTreeMap<String, Vec<u8>>,
    pub at_ms: i64,
}

/// One sealed secret, as seen by key rotation.
#[derive(Clone, Debug)]
pub struct SealedSecretRow {
    pub scope: String,
    pub name: String,
    pub sealed: Vec<u8>,
}

/// One settings document, as seen by key rotation.
#[derive(Clone, Debug)]
pub struct SettingsRow {
    pub scope: String,
    pub key: String,
    pub record: SettingsRecord,
}

/// Every persistence port, as one backend implements them: the secrets/settings/events
/// methods below, plus one sub-port per domain ([`WorkspaceStore`] for workspaces,
/// tokens, KV memory and checkpoints; [`ChatStore`] for accounts, provider keys, chats
/// and messages; [`ConversationStore`] for OpenHands conversations and their events). Each sub-port lives in its own file here and in `coffer-store`.
#[async_trait]
pub trait Store:
    WorkspaceStore + ChatStore + ConversationStore + MemoryStore + Send + Sync + 'static
{
    /// The scope's secrets without values, in insertion order (an upsert keeps a secret's
    /// original position; a delete and a re-create moves it to the end).
    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretMeta>, StoreError>;

    async fn find_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
    ) -> Result<Option<SecretRecord>, StoreError>;

    /// Distinct key ids (hex) that seal the scope's secrets.
    async fn secret_key_ids(&self, scope: &Scope) -> Result<Vec<String>, StoreError>;

    /// Inserts or replaces value and description; `version` starts at 1 and increments,
    /// `created_at` is kept on replace. Appends `event` with the new version.
    async fn upsert_secret(
        &self,
        secret: SecretWrite<'_>,
        event: NewEvent,
    ) -> Result<(SecretMeta, Event), StoreError>;

    /// Deletes the secret; `Ok(None)` when it did not exist (and no event is written).
    async fn delete_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    async fn find_settings(
        &self,
        scope: &Scope,
        key: &str,
    ) -> Result<Option<SettingsRecord>, StoreError>;

    /// Saves a settings document if its current version is `expected_version` (`None`:
    /// the document must not exist yet); otherwise [`StoreError::Conflict`]. Returns the
    /// new version and the appended event.
    async fn save_settings(
        &self,
        settings: SettingsWrite<'_>,
        expected_version: Option<i64>,
        event: NewEvent,
    ) -> Result<(i64, Event), StoreError>;

    /// Appends an event that belongs to no single row change (e.g. a key rotation).
    async fn append_event(&self, event: NewEvent, version: i64) -> Result<Event, StoreError>;

    /// Events with `id > after_id`, oldest first, at most `limit`.
    async fn list_events(&self, after_id: i64, limit: i64) -> Result<Vec<Event>, StoreError>;

    /// Every sealed secret of every scope (for key rotation).
    async fn list_sealed_secrets(&self) -> Result<Vec<SealedSecretRow>, StoreError>;

    /// Replaces a secret's sealed value only if it still equals `old` (compare-and-set, so
    /// a concurrent write is never overwritten). Does not change the version.
    async fn reseal_secret(
        &self,
        row: &SealedSecretRow,
        new_sealed: Vec<u8>,
        key_id: String,
    ) -> Result<bool, StoreError>;

    /// Every settings document of every scope (for key rotation).
    async fn list_settings(&self) -> Result<Vec<SettingsRow>, StoreError>;

    /// Closes the connection pool cleanly (WAL checkpoint on SQLite).
    async fn close(&self);
}
