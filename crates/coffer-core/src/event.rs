//! Every change emits an [`Event`]: kind, scope, name, version, actor and time — never a
//! value. Events are appended to the store's `events` table in the same transaction as
//! the change (the audit log), then published on an in-process [`EventBus`] for watchers
//! (restart fan-out, streams).

mod chat_feed;

pub use chat_feed::{ChatEvent, ChatEventBody};

use tokio::sync::broadcast;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    SecretPut,
    SecretDeleted,
    SettingsUpdated,
    KeyRotated,
    /// A workspace was created (scope `workspace:<id>`, name: its status).
    WorkspaceCreated,
    /// Paused, resumed or removed by an operator (name: the new status).
    WorkspacePaused,
    WorkspaceResumed,
    WorkspaceRemoved,
    /// The supervisor moved a workspace's status (name: the new status).
    WorkspaceStatus,
    /// A restart was decided (name: what caused it, e.g. `secret.put:OPENAI_API_KEY`).
    WorkspaceRestart,
    /// The workspace's tokens were revoked and a new one issued (name: its prefix).
    WorkspaceTokenRotated,
    /// A KV memory entry was written or deleted (scope `workspace:<id>`, name: the key).
    MemorySet,
    MemoryDeleted,
    /// A workflow checkpoint was saved (name: `<workflow_id>/<step_name>`), or a
    /// workflow's checkpoints deleted (name: the workflow id).
    CheckpointSaved,
    CheckpointsDeleted,
    /// An agent memory was stored or deleted (scope `workspace:<author>`, name: the
    /// memory id). Never the content.
    AgentMemoryCreated,
    AgentMemoryDeleted,
    /// A removed workspace's secrets, memory and checkpoints were deleted.
    WorkspacePurged,
    /// An org token was created or revoked (scope `org`, name: its prefix).
    OrgTokenCreated,
    OrgTokenRevoked,
    /// A Mafold account was created (scope `account:<username>`, name: the username).
    AccountCreated,
    /// An account token was issued or revoked (name: the token id, or `*` for all).
    AccountTokenIssued,
    AccountTokenRevoked,
    /// A provider key was set or removed (scope `account:<owner>`, name: the provider).
    AgentKeySet,
    AgentKeyRemoved,
    /// A conversation was created (scope `chat:<id>`, name: its kind).
    ChatCreated,
    /// An agent was added to a group or its mode changed, or it was removed (name: the
    /// agent's username).
    GroupAgentSet,
    GroupAgentRemoved,
    /// A message was stored, and an agent reply finalized (name: the message id).
    MessageCreated,
    MessageFinalized,
    /// An OpenHands conversation was created, had its secrets changed, or was deleted
    /// (scope `global`, name `conversation:<id>`).
    ConversationCreated,
    ConversationSecretsUpdated,
    ConversationDeleted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SecretPut => "secret.put",
            EventKind::SecretDeleted => "secret.deleted",
            EventKind::SettingsUpdated => "settings.updated",
            EventKind::KeyRotated => "key.rotated",
            EventKind::WorkspaceCreated => "workspace.created",
            EventKind::WorkspacePaused => "workspace.paused",
            EventKind::WorkspaceResumed => "workspace.resumed",
            EventKind::WorkspaceRemoved => "workspace.removed",
            EventKind::WorkspaceStatus => "workspace.status",
            EventKind::WorkspaceRestart => "workspace.restart",
            EventKind::WorkspaceTokenRotated => "workspace.token_rotated",
            EventKind::MemorySet => "memory.set",
            EventKind::MemoryDeleted => "memory.deleted",
            EventKind::CheckpointSaved => "checkpoint.saved",
            EventKind::CheckpointsDeleted => "checkpoints.deleted",
            EventKind::AgentMemoryCreated => "agent_memory.created",
            EventKind::AgentMemoryDeleted => "agent_memory.deleted",
            EventKind::WorkspacePurged => "workspace.purged",
            EventKind::OrgTokenCreated => "org_token.created",
            EventKind::OrgTokenRevoked => "org_token.revoked",
            EventKind::AccountCreated => "account.created",
            EventKind::AccountTokenIssued => "account_token.issued",
            EventKind::AccountTokenRevoked => "account_token.revoked",
            EventKind::AgentKeySet => "agent_key.set",
            EventKind::AgentKeyRemoved => "agent_key.removed",
            EventKind::ChatCreated => "chat.created",
            EventKind::GroupAgentSet => "group_agent.set",
            EventKind::GroupAgentRemoved => "group_agent.removed",
            EventKind::MessageCreated => "message.created",
            EventKind::MessageFinalized => "message.finalized",
            EventKind::ConversationCreated => "conversation.created",
            EventKind::ConversationSecretsUpdated => "conversation.secrets_updated",
            EventKind::ConversationDeleted => "conversation.deleted",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            Self::SecretPut,
            Self::SecretDeleted,
            Self::SettingsUpdated,
            Self::KeyRotated,
            Self::WorkspaceCreated,
            Self::WorkspacePaused,
            Self::WorkspaceResumed,
            Self::WorkspaceRemoved,
            Self::WorkspaceStatus,
            Self::WorkspaceRestart,
            Self::WorkspaceTokenRotated,
            Self::MemorySet,
            Self::MemoryDeleted,
            Self::CheckpointSaved,
            Self::CheckpointsDeleted,
            Self::AgentMemoryCreated,
            Self::AgentMemoryDeleted,
            Self::WorkspacePurged,
            Self::OrgTokenCreated,
            Self::OrgTokenRevoked,
            Self::AccountCreated,
            Self::AccountTokenIssued,
            Self::AccountTokenRevoked,
            Self::AgentKeySet,
            Self::AgentKeyRemoved,
            Self::ChatCreated,
            Self::GroupAgentSet,
            Self::GroupAgentRemoved,
            Self::MessageCreated,
            Self::MessageFinalized,
            Self::ConversationCreated,
            Self::ConversationSecretsUpdated,
            Self::ConversationDeleted,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An event about to be written; the store assigns `id` (and fills `version` where the
/// change produced one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub scope: String,
    pub name: String,
    pub actor: String,
    pub at_ms: i64,
}

/// An event as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub scope: String,
    pub name: String,
    pub version: i64,
    pub actor: String,
    pub at_ms: i64,
}

/// In-process fan-out of recorded events. Lagging receivers lose old events (they can
/// re-read the `events` table); senders never block.
#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
    /// Live conversation events (Mafold): message bodies and streamed deltas, which are
    /// not audit rows. Each carries its audience; see [`ChatEvent`].
    chat: broadcast::Sender<ChatEvent>,
}

impl EventBus {
    pub fn new() -> EventBus {
        let (tx, _) = broadcast::channel(1024);
        let (chat, _) = broadcast::channel(chat_feed::CAPACITY);
        EventBus { tx, chat }
    }

    /// Live conversation events, for every conversation (filter by audience).
    pub fn subscribe_chat(&self) -> broadcast::Receiver<ChatEvent> {
        self.chat.subscribe()
    }

    pub fn publish_chat(&self, event: ChatEvent) {
        let _ = self.chat.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    pub fn publish(&self, event: Event) {
        // No receiver is not an error: nobody is watching right now.
        let _ = self.tx.send(event);
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}
