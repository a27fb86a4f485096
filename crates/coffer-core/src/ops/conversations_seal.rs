//! The stored form of a conversation. Secrets are sealed per field with
//! AAD = (`conversation_field`, conversation id, field name): `agent_secrets` (the
//! agent's LLM keys, MCP env/headers, … by JSON pointer) and `secrets` (the whole secret
//! registry, URLs included). Every event body is sealed on its own with
//! AAD = (`conversation_event`, conversation id, event id), since tool output and
//! messages are the user's data. A sealed value copied to another conversation, field
//! or event does not open.

use std::collections::BTreeMap;

use coffer_crypto::{Aad, ExposeSecret, open_string, seal};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Core;
use crate::domain::conversation::{
    AgentDocument, Conversation, ConversationEvent, ConversationStats, EventBody, EventSource,
    ExecutionStatus, SecretSource,
};
use crate::error::CoreError;
use crate::store::{ConversationEventRecord, ConversationEventWrite, ConversationRecord};

const AGENT_SECRETS: &str = "agent_secrets";
const SECRETS: &str = "secrets";

pub(super) fn field_aad(id: Uuid, field: &str) -> Aad {
    Aad::new("conversation_field", &[&id.to_string(), field])
}

pub(super) fn event_aad(conversation: Uuid, event: Uuid) -> Aad {
    Aad::new(
        "conversation_event",
        &[&conversation.to_string(), &event.to_string()],
    )
}

fn corrupt(what: &str, id: Uuid) -> CoreError {
    CoreError::Internal(anyhow::anyhow!(
        "conversation {id}: stored {what} is unreadable"
    ))
}

impl Core {
    /// The row for `c` (status, static doc, volatile state, sealed fields).
    pub(super) fn conversation_record(&self, c: &Conversation) -> ConversationRecord {
        ConversationRecord {
            id: c.id,
            status: c.status.as_str().to_owned(),
            doc: json!({
                "agent": c.agent.doc,
                "working_dir": c.working_dir,
                "max_iterations": c.max_iterations,
                "stuck_detection": c.stuck_detection,
                "tags": c.tags,
            }),
            state: conversation_state(c),
            sealed: self.seal_conversation_fields(c),
            created_at_ms: c.created_at_ms,
            updated_at_ms: c.updated_at_ms,
        }
    }

    pub(super) fn seal_conversation_fields(&self, c: &Conversation) -> BTreeMap<String, Vec<u8>> {
        let mut sealed = BTreeMap::new();
        let agent = serde_json::to_vec(&c.agent.secrets).expect("a map of strings serialises");
        let secrets = serde_json::to_vec(&c.secrets).expect("secret sources serialise");
        for (field, plain) in [(AGENT_SECRETS, agent), (SECRETS, secrets)] {
            let envelope = seal(&self.keys.keyring, &field_aad(c.id, field), &plain);
            sealed.insert(field.to_owned(), envelope);
        }
        sealed
    }

    /// Reads a stored conversation. A sealed field that does not open (a key that is not
    /// configured) is an error when `strict`, else it reads as empty (logged once here).
    pub(super) fn open_conversation(
        &self,
        r: ConversationRecord,
        strict: bool,
    ) -> Result<Conversation, CoreError> {
        let id = r.id;
        let doc = &r.doc;
        let status = ExecutionStatus::parse(&r.status).ok_or_else(|| corrupt("status", id))?;
        let open = |field: &str| -> Result<Option<String>, CoreError> {
            let Some(envelope) = r.sealed.get(field) else {
                return Ok(None);
            };
            match open_string(&self.keys.keyring, &field_aad(id, field), envelope) {
                Ok(plain) => Ok(Some(plain.expose_secret().to_owned())),
                Err(e) if strict => {
                    tracing::error!(conversation.id = %id, field, error = %e, "conversation secrets do not open");
                    Err(CoreError::Internal(anyhow::anyhow!(
                        "conversation {id}: sealed {field} does not open (wrong or missing key)"
                    )))
                }
                Err(e) => {
                    tracing::warn!(conversation.id = %id, field, error = %e, "conversation secrets do not open; shown as empty");
                    Ok(None)
                }
            }
        };
        let agent_secrets: BTreeMap<String, String> = match open(AGENT_SECRETS)? {
            Some(text) => serde_json::from_str(&text).map_err(|_| corrupt(AGENT_SECRETS, id))?,
            None => BTreeMap::new(),
        };
        let secrets: BTreeMap<String, SecretSource> = match open(SECRETS)? {
            Some(text) => serde_json::from_str(&text).map_err(|_| corrupt(SECRETS, id))?,
            None => BTreeMap::new(),
        };
        let state = &r.state;
        let uuid_at = |v: &Value, key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
        };
        let stats: ConversationStats =
            serde_json::from_value(state.get("stats").cloned().unwrap_or(Value::Null))
                .unwrap_or_default();
        Ok(Conversation {
            id,
            agent: AgentDocument {
                doc: doc
                    .get("agent")
                    .cloned()
                    .ok_or_else(|| corrupt("agent", id))?,
                secrets: agent_secrets,
            },
            working_dir: doc
                .get("working_dir")
                .and_then(Value::as_str)
                .ok_or_else(|| corrupt("working_dir", id))?
                .to_owned(),
            secrets,
            max_iterations: doc
                .get("max_iterations")
                .and_then(Value::as_u64)
                .map_or(crate::domain::conversation::DEFAULT_MAX_ITERATIONS, |v| {
                    v.min(u64::from(u32::MAX)) as u32
                }),
            stuck_detection: doc
                .get("stuck_detection")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            tags: doc
                .get("tags")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            status,
            stats,
            title: state
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_owned),
            last_user_message_id: uuid_at(state, "last_user_message_id"),
            leaf_event_id: uuid_at(state, "leaf_event_id"),
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
        })
    }

    pub(super) fn seal_event(
        &self,
        conversation: Uuid,
        e: &ConversationEvent,
    ) -> ConversationEventWrite {
        let body = serde_json::to_vec(&e.body).expect("event bodies serialise");
        ConversationEventWrite {
            event_id: e.id,
            kind: e.body.kind().as_str().to_owned(),
            source: e.source.as_str().to_owned(),
            at_ms: e.at_ms,
            sealed: seal(&self.keys.keyring, &event_aad(conversation, e.id), &body),
        }
    }

    pub(super) fn open_event(
        &self,
        conversation: Uuid,
        r: ConversationEventRecord,
    ) -> Result<ConversationEvent, CoreError> {
        let plain = open_string(
            &self.keys.keyring,
            &event_aad(conversation, r.event_id),
            &r.sealed,
        )
        .map_err(|e| {
            CoreError::Internal(anyhow::anyhow!(
                "conversation {conversation}: event {} does not open: {e}",
                r.event_id
            ))
        })?;
        let body: EventBody = serde_json::from_str(plain.expose_secret())
            .map_err(|_| corrupt("event body", conversation))?;
        let source =
            EventSource::parse(&r.source).ok_or_else(|| corrupt("event source", conversation))?;
        Ok(ConversationEvent {
            id: r.event_id,
            seq: r.seq,
            at_ms: r.at_ms,
            source,
            body,
        })
    }
}

/// The volatile part of the row.
pub(super) fn conversation_state(c: &Conversation) -> Value {
    json!({
        "stats": c.stats,
        "title": c.title,
        "last_user_message_id": c.last_user_message_id.map(|id| id.to_string()),
        "leaf_event_id": c.leaf_event_id.map(|id| id.to_string()),
    })
}
