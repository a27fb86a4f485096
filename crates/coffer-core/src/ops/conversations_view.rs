//! What responses may show of a conversation: [`ConversationView`] carries everything
//! but secret values — no static value, no secret-named lookup header, the agent with its
//! secret fields `null` — so a dialect cannot reveal one by mistake.

use uuid::Uuid;

use crate::domain::conversation::{Conversation, SecretSource, is_secret_header};

/// What a response may show of a conversation: everything but secret values.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationView {
    pub id: Uuid,
    /// The agent document with every secret field `null`.
    pub agent: serde_json::Value,
    pub working_dir: String,
    pub secret_sources: Vec<(String, SecretSourceView)>,
    pub max_iterations: u32,
    pub stuck_detection: bool,
    pub tags: serde_json::Map<String, serde_json::Value>,
    pub status: crate::domain::conversation::ExecutionStatus,
    pub stats: crate::domain::conversation::ConversationStats,
    pub title: Option<String>,
    pub last_user_message_id: Option<Uuid>,
    pub leaf_event_id: Option<Uuid>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A secret source without its secrets: no static value, no secret-named header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSourceView {
    Static {
        description: Option<String>,
    },
    Lookup {
        url: String,
        public_headers: Vec<(String, String)>,
        description: Option<String>,
    },
}

impl From<&Conversation> for ConversationView {
    fn from(c: &Conversation) -> Self {
        let secret_sources = c
            .secrets
            .iter()
            .map(|(name, source)| (name.clone(), SecretSourceView::from(source)))
            .collect();
        ConversationView {
            id: c.id,
            agent: c.agent.doc.clone(),
            working_dir: c.working_dir.clone(),
            secret_sources,
            max_iterations: c.max_iterations,
            stuck_detection: c.stuck_detection,
            tags: c.tags.clone(),
            status: c.status,
            stats: c.stats.clone(),
            title: c.title.clone(),
            last_user_message_id: c.last_user_message_id,
            leaf_event_id: c.leaf_event_id,
            created_at_ms: c.created_at_ms,
            updated_at_ms: c.updated_at_ms,
        }
    }
}

impl From<&SecretSource> for SecretSourceView {
    fn from(s: &SecretSource) -> Self {
        match s {
            SecretSource::Static { description, .. } => SecretSourceView::Static {
                description: description.clone(),
            },
            SecretSource::Lookup {
                url,
                headers,
                description,
            } => SecretSourceView::Lookup {
                url: url.clone(),
                public_headers: headers
                    .iter()
                    .filter(|(name, _)| !is_secret_header(name))
                    .cloned()
                    .collect(),
                description: description.clone(),
            },
        }
    }
}
