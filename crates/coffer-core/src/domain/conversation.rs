//! OpenHands conversations: an agent (LLM + tools) working in a directory, with its own
//! secrets, an event log and an execution status.
//!
//! Files (small, named after what they hold):
//! - `conversation` (here): [`Conversation`], [`NewConversation`], [`EventPage`];
//! - `conversation_status`: [`ExecutionStatus`] and its transitions;
//! - `conversation_agent`: building the agent document, [`LlmConfig`], tool names;
//! - `conversation_secrets`: [`SecretSource`], mentions, masking, own-URL recognition;
//! - `conversation_event`: the event log and the final response rule;
//! - `conversation_stats`: LLM usage and cost per usage id.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};
use uuid::Uuid;

pub use super::conversation_agent::{
    AVAILABLE_TOOLS, AgentDocument, AgentError, AgentSource, FILE_EDITOR_TOOL, LlmConfig,
    TERMINAL_TOOL, build_agent, llm_config, tool_names,
};
pub use super::conversation_event::{
    ConversationEvent, ConversationEventKind, EventBody, EventSource, FINISH_TOOL,
    NewConversationEvent, Role, final_response, finish_message,
};
pub use super::conversation_secrets::{
    SECRET_HIDDEN, SecretSource, absolute_lookup_url, is_secret_header, mask, mentioned,
    own_secret_name,
};
pub use super::conversation_stats::{ConversationStats, LlmCall, Metrics, TokenUsage};
pub use super::conversation_status::{ExecutionStatus, RunStart, STUCK_REPEATS, is_stuck};

/// Default `max_iterations` of a conversation (the original's).
pub const DEFAULT_MAX_ITERATIONS: u32 = 500;

/// What a client asks for when it starts a conversation (already decoded by a dialect;
/// secret values may still be Fernet tokens when `secrets_encrypted` is set).
#[derive(Clone)]
pub struct NewConversation {
    /// A client-chosen id; an existing one makes the create idempotent.
    pub id: Option<Uuid>,
    pub agent: AgentSource,
    pub working_dir: String,
    pub secrets: BTreeMap<String, SecretSource>,
    pub secrets_encrypted: bool,
    pub max_iterations: u32,
    pub stuck_detection: bool,
    pub tags: Map<String, Value>,
    /// The first user message; when present the agent starts right away.
    pub initial_message: Option<String>,
}

impl fmt::Debug for NewConversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewConversation")
            .field("id", &self.id)
            .field("working_dir", &self.working_dir)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A conversation as the core holds it (secrets opened, in memory only).
#[derive(Clone, PartialEq)]
pub struct Conversation {
    pub id: Uuid,
    pub agent: AgentDocument,
    pub working_dir: String,
    pub secrets: BTreeMap<String, SecretSource>,
    pub max_iterations: u32,
    pub stuck_detection: bool,
    pub tags: Map<String, Value>,
    pub status: ExecutionStatus,
    pub stats: ConversationStats,
    pub title: Option<String>,
    pub last_user_message_id: Option<Uuid>,
    pub leaf_event_id: Option<Uuid>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl fmt::Debug for Conversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conversation")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("agent", &self.agent)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}

impl Conversation {
    /// Applies a newly recorded event to the volatile fields.
    pub fn note_event(&mut self, event: &ConversationEvent) {
        self.leaf_event_id = Some(event.id);
        self.updated_at_ms = event.at_ms;
        if event.source == EventSource::User {
            self.last_user_message_id = Some(event.id);
        }
    }
}

/// Which events to list, and in which order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventQuery {
    /// Continue after this cursor (a `seq` from a previous page).
    pub after: Option<i64>,
    /// At most this many (1..=100).
    pub limit: u32,
    pub newest_first: bool,
    pub kind: Option<ConversationEventKind>,
    pub source: Option<EventSource>,
}

/// One page of events and the cursor of the next, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPage {
    pub items: Vec<ConversationEvent>,
    pub next: Option<i64>,
}
