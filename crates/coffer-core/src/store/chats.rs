//! The persistence port for accounts and chats (the Mafold dialect): accounts, issued
//! tokens (hashed), per-owner provider keys (sealed), conversations, participants, group
//! agent settings and messages.
//!
//! The rules of [`super::Store`] hold here too: persistence-shaped methods, domain types
//! in and out, and every change committed with its event row in one transaction.
//! Usernames are passed already lowercased (see `domain::Username`).

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreError;
use crate::domain::{Account, AccountKind, Chat, ChatKind, Message, OwnedAgent, Provider};
use crate::event::{Event, NewEvent};

/// An account to insert (a human, or one of its forks).
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub parent_username: Option<String>,
    pub agent_provider: Option<Provider>,
    pub at_ms: i64,
}

/// An issued token: its public id and the SHA-256 of the token (never the token).
#[derive(Clone, Debug)]
pub struct TokenWrite {
    pub id: String,
    pub username: String,
    pub hash: Vec<u8>,
    pub at_ms: i64,
}

/// A provider key, sealed with AAD (`account:<owner>`, provider); `key_id` is the hex id
/// of the sealing key, `key_tail` what the owner may see.
#[derive(Clone, Debug)]
pub struct AgentKeyWrite {
    pub owner: String,
    pub provider: Provider,
    pub sealed: Vec<u8>,
    pub key_id: String,
    pub key_tail: String,
    pub at_ms: i64,
}

/// One sealed provider key, as seen by key rotation.
#[derive(Clone, Debug)]
pub struct SealedAgentKeyRow {
    pub owner: String,
    pub provider: String,
    pub sealed: Vec<u8>,
}

/// A conversation to create. `direct_key` (see `domain::direct_key`) is set for direct
/// conversations, so a second one for the same pair is never created.
#[derive(Clone, Debug)]
pub struct NewChat {
    pub id: Uuid,
    pub kind: ChatKind,
    pub title: Option<String>,
    pub direct_key: Option<String>,
    /// In join order; all must exist.
    pub participants: Vec<String>,
    pub at_ms: i64,
}

#[derive(Clone, Debug)]
pub enum ChatInsert {
    Created(Event),
    /// The direct conversation of this pair already existed (nothing was written).
    ExistingDirect(Uuid),
}

/// An agent's setting in a group. With `join`, the agent also becomes a participant if
/// it is not one; without, nothing is written unless it already is one.
#[derive(Clone, Debug)]
pub struct GroupAgentWrite {
    pub chat_id: Uuid,
    pub agent: String,
    pub always_on: bool,
    pub added_by: String,
    pub join: bool,
    pub at_ms: i64,
}

/// A message to store. A person's message is `finalized` at once; an agent reply's
/// placeholder is not (it is finalized by [`ChatStore::finalize_message`]).
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub id: Uuid,
    pub chat_id: Uuid,
    pub sender: String,
    pub content: String,
    pub reply_to_id: Option<Uuid>,
    pub client_msg_id: Option<String>,
    pub finalized: bool,
    pub at_ms: i64,
}

#[derive(Clone, Debug)]
pub enum MessageInsert {
    Created(Message, Event),
    /// The sender already sent a message with this `client_msg_id` in this conversation
    /// (a retried send): that message, unchanged; nothing was written.
    Duplicate(Message),
}

#[async_trait]
pub trait ChatStore: Send + Sync {
    /// Inserts `human` and its `forks` together; `Ok(None)` (nothing written) when the
    /// username is taken.
    async fn insert_account(
        &self,
        human: NewAccount,
        forks: Vec<NewAccount>,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    async fn find_account(&self, username: &str) -> Result<Option<Account>, StoreError>;

    /// Accounts of `kind` (all when `None`), by username.
    async fn list_accounts(&self, kind: Option<AccountKind>) -> Result<Vec<Account>, StoreError>;

    /// The agents whose parent is `owner`, by username, with whether a key is stored for
    /// (owner, the agent's provider).
    async fn list_owned_agents(&self, owner: &str) -> Result<Vec<OwnedAgent>, StoreError>;

    async fn insert_token(&self, token: TokenWrite, event: NewEvent) -> Result<Event, StoreError>;

    /// The account of an unrevoked token with this SHA-256.
    async fn find_token_account(&self, hash: &[u8]) -> Result<Option<Account>, StoreError>;

    /// Revokes `username`'s token `token_id`, or all its tokens when `None`; returns how
    /// many were revoked (the event is written only when some were).
    async fn revoke_tokens(
        &self,
        username: &str,
        token_id: Option<&str>,
        event: NewEvent,
    ) -> Result<u64, StoreError>;

    /// Inserts or replaces the key of (owner, provider).
    async fn upsert_agent_key(
        &self,
        key: AgentKeyWrite,
        event: NewEvent,
    ) -> Result<Event, StoreError>;

    /// The sealed key of (owner, provider).
    async fn find_agent_key(
        &self,
        owner: &str,
        provider: Provider,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// `Ok(None)` (and no event) when no key was stored.
    async fn delete_agent_key(
        &self,
        owner: &str,
        provider: Provider,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// Every sealed provider key (for key rotation).
    async fn list_sealed_agent_keys(&self) -> Result<Vec<SealedAgentKeyRow>, StoreError>;

    /// Replaces a sealed key only if it still equals `row.sealed` (compare-and-set).
    async fn reseal_agent_key(
        &self,
        row: &SealedAgentKeyRow,
        new_sealed: Vec<u8>,
        key_id: String,
    ) -> Result<bool, StoreError>;

    async fn insert_chat(&self, chat: NewChat, event: NewEvent) -> Result<ChatInsert, StoreError>;

    async fn find_chat(&self, id: Uuid) -> Result<Option<Chat>, StoreError>;

    /// The conversations `username` takes part in, most recently updated first.
    async fn list_chats_of(&self, username: &str) -> Result<Vec<Chat>, StoreError>;

    /// Every agent participant of the conversation (in join order) with its setting,
    /// `None` when it has none.
    async fn list_chat_agents(
        &self,
        chat_id: Uuid,
    ) -> Result<Vec<(Account, Option<bool>)>, StoreError>;

    /// `Ok(None)` (nothing written) when `!write.join` and the agent is not a participant.
    async fn upsert_group_agent(
        &self,
        write: GroupAgentWrite,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// Removes the agent from the conversation and its setting; `Ok(None)` (nothing
    /// written) when it was not a participant.
    async fn remove_chat_agent(
        &self,
        chat_id: Uuid,
        agent: &str,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// Stores a message and moves the conversation's `updated_at` to it.
    async fn insert_message(
        &self,
        message: NewMessage,
        event: NewEvent,
    ) -> Result<MessageInsert, StoreError>;

    /// Sets an unfinalized message's content and `finalized_at`; `Ok(None)` (nothing
    /// written) when it does not exist or is already final.
    async fn finalize_message(
        &self,
        id: Uuid,
        content: String,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<Option<(Message, Event)>, StoreError>;

    async fn find_message(&self, chat_id: Uuid, id: Uuid) -> Result<Option<Message>, StoreError>;

    /// Up to `limit` unfinalized messages created before `created_before_ms`, oldest
    /// first (agent replies whose task never finished).
    async fn list_open_messages(
        &self,
        created_before_ms: i64,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError>;

    /// Up to `limit` messages of the conversation, oldest first: the latest ones, or the
    /// latest ones before message `before` (which must be of this conversation).
    async fn list_messages(
        &self,
        chat_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError>;
}
