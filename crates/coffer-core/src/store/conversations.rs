//! The persistence port for OpenHands conversations: the conversation (agent, workspace,
//! status, stats), its sealed secrets, and its event log.
//!
//! A conversation row has four parts, so that a step of a run rewrites only what changed:
//! - `status` (text, see `ExecutionStatus::as_str`);
//! - `doc`: JSON that does not change after creation and holds no secret (the agent with
//!   its secret fields `null`, the working dir, limits, tags);
//! - `state`: JSON that changes as the run goes (stats, title, last event ids);
//! - `sealed`: field name → envelope (the agent's secret fields, the secret registry),
//!   sealed by the core with AAD = (conversation id, field).
//!
//! Events are rows of their own, each body sealed by the core with AAD = (conversation
//! id, event id); `kind` and `source` stay in the clear for filtering. `seq` is assigned
//! by the store, increases with every append, and orders and pages the log.
//!
//! Every method that changes data is one unit of work (row, events and audit event
//! commit together or not at all).

use std::collections::BTreeMap;

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreError;
use crate::event::{Event, NewEvent};

/// A stored conversation (see the module docs for the parts).
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationRecord {
    pub id: Uuid,
    pub status: String,
    pub doc: serde_json::Value,
    pub state: serde_json::Value,
    pub sealed: BTreeMap<String, Vec<u8>>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// An event to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationEventWrite {
    pub event_id: Uuid,
    pub kind: String,
    pub source: String,
    pub at_ms: i64,
    pub sealed: Vec<u8>,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationEventRecord {
    pub seq: i64,
    pub event_id: Uuid,
    pub kind: String,
    pub source: String,
    pub at_ms: i64,
    pub sealed: Vec<u8>,
}

/// What to change on a conversation row; `None` keeps a part as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationUpdate {
    pub status: Option<String>,
    pub state: Option<serde_json::Value>,
    pub sealed: Option<BTreeMap<String, Vec<u8>>>,
    pub updated_at_ms: i64,
}

/// Which events to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events after (or, newest first, before) this `seq`.
    pub after_seq: Option<i64>,
    pub limit: i64,
    pub newest_first: bool,
    pub kind: Option<String>,
    pub source: Option<String>,
}

/// One sealed event, as seen by key rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedConversationEvent {
    pub seq: i64,
    pub conversation_id: Uuid,
    pub event_id: Uuid,
    pub sealed: Vec<u8>,
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Inserts the conversation, its first events and `audit`; `Ok(None)` (and nothing
    /// written) when a conversation with this id exists. Returns the events' `seq`s.
    async fn insert_conversation(
        &self,
        record: &ConversationRecord,
        events: Vec<ConversationEventWrite>,
        audit: NewEvent,
    ) -> Result<Option<(Vec<i64>, Event)>, StoreError>;

    async fn find_conversation(&self, id: Uuid) -> Result<Option<ConversationRecord>, StoreError>;

    /// Applies `update`, appends `events` (and `audit`, when given); `Ok(None)` (and
    /// nothing written) when the conversation does not exist. Returns the events'
    /// `seq`s and the recorded audit event.
    async fn update_conversation(
        &self,
        id: Uuid,
        update: ConversationUpdate,
        events: Vec<ConversationEventWrite>,
        audit: Option<NewEvent>,
    ) -> Result<Option<(Vec<i64>, Option<Event>)>, StoreError>;

    /// Deletes the conversation and its events; `Ok(None)` when it did not exist.
    async fn delete_conversation(
        &self,
        id: Uuid,
        audit: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// Events of one conversation, ordered by `seq` (ascending, or descending when
    /// `newest_first`), filtered, at most `limit`.
    async fn list_conversation_events(
        &self,
        id: Uuid,
        filter: &EventFilter,
    ) -> Result<Vec<ConversationEventRecord>, StoreError>;

    /// Sets every conversation whose status is `from` to `to` (start-up recovery of
    /// runs cut short by a restart); returns their ids.
    async fn move_conversations_status(
        &self,
        from: &str,
        to: &str,
        at_ms: i64,
    ) -> Result<Vec<Uuid>, StoreError>;

    /// Every conversation's sealed part (for key rotation).
    async fn list_conversation_seals(
        &self,
    ) -> Result<Vec<(Uuid, BTreeMap<String, Vec<u8>>)>, StoreError>;

    /// Replaces a conversation's sealed part only if it still equals `old`
    /// (compare-and-set, so a concurrent change is never overwritten).
    async fn reseal_conversation(
        &self,
        id: Uuid,
        old: &BTreeMap<String, Vec<u8>>,
        new: BTreeMap<String, Vec<u8>>,
    ) -> Result<bool, StoreError>;

    /// Sealed events of every conversation with `seq > after_seq`, by `seq`, at most
    /// `limit` (for key rotation).
    async fn list_sealed_conversation_events(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<SealedConversationEvent>, StoreError>;

    /// Replaces an event's sealed body only if it still equals `old`.
    async fn reseal_conversation_event(
        &self,
        seq: i64,
        old: &[u8],
        new: Vec<u8>,
    ) -> Result<bool, StoreError>;
}
