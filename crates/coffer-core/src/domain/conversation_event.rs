//! A conversation's event log: what the user said, what the agent did and saw. Events
//! are appended by the core (user messages, pauses) and by the agent runner (through
//! `ops::RunSession`, which masks resolved secrets first), sealed one by one at rest,
//! and shown by the dialect in its own shape.
//!
//! The serde form of [`EventBody`] is the sealed, stored form (internal; not a wire
//! format).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who produced an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    User,
    Agent,
    Environment,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::User => "user",
            EventSource::Agent => "agent",
            EventSource::Environment => "environment",
        }
    }

    pub fn parse(s: &str) -> Option<EventSource> {
        [Self::User, Self::Agent, Self::Environment]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The kinds of event, as stored in the clear next to the sealed body (for filtering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConversationEventKind {
    Message,
    Action,
    Observation,
    AgentError,
    ConversationError,
    Pause,
}

impl ConversationEventKind {
    pub const ALL: [ConversationEventKind; 6] = [
        Self::Message,
        Self::Action,
        Self::Observation,
        Self::AgentError,
        Self::ConversationError,
        Self::Pause,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Action => "action",
            Self::Observation => "observation",
            Self::AgentError => "agent_error",
            Self::ConversationError => "conversation_error",
            Self::Pause => "pause",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationEventKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The role of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// A user message, or an agent's answer without a tool call.
    Message { role: Role, text: String },
    /// A tool call the agent made. `arguments` is the raw JSON text the model produced
    /// (it may not parse: that is reported as an [`EventBody::AgentError`]).
    Action {
        thought: String,
        tool_name: String,
        tool_call_id: String,
        arguments: String,
        llm_response_id: String,
    },
    /// What a tool returned (`text` is what the model sees, secrets already masked);
    /// `detail` holds tool-specific fields (command, exit code, path, …).
    Observation {
        tool_name: String,
        tool_call_id: String,
        action_id: Uuid,
        text: String,
        is_error: bool,
        detail: serde_json::Value,
    },
    /// A tool call that could not run (unknown tool, bad arguments, interrupted); the
    /// model sees `error` as the tool's answer and the run continues.
    AgentError {
        tool_name: String,
        tool_call_id: String,
        error: String,
    },
    /// Why a run ended in `error` (never sent to the model).
    ConversationError { code: String, detail: String },
    /// A pause was requested.
    Pause,
}

impl EventBody {
    pub fn kind(&self) -> ConversationEventKind {
        match self {
            EventBody::Message { .. } => ConversationEventKind::Message,
            EventBody::Action { .. } => ConversationEventKind::Action,
            EventBody::Observation { .. } => ConversationEventKind::Observation,
            EventBody::AgentError { .. } => ConversationEventKind::AgentError,
            EventBody::ConversationError { .. } => ConversationEventKind::ConversationError,
            EventBody::Pause => ConversationEventKind::Pause,
        }
    }

    /// Applies `f` to every free text the event carries (what masking rewrites).
    pub fn map_text(&mut self, f: &dyn Fn(&str) -> String) {
        match self {
            EventBody::Message { text, .. } | EventBody::Observation { text, .. } => {
                *text = f(text)
            }
            EventBody::Action {
                thought, arguments, ..
            } => {
                *thought = f(thought);
                *arguments = f(arguments);
            }
            EventBody::AgentError { error, .. } => *error = f(error),
            EventBody::ConversationError { detail, .. } => *detail = f(detail),
            EventBody::Pause => {}
        }
    }
}

/// An event to append; the core assigns id and time.
#[derive(Clone, Debug, PartialEq)]
pub struct NewConversationEvent {
    pub source: EventSource,
    pub body: EventBody,
}

/// A recorded event. `seq` orders the events of a conversation (assigned by the store,
/// increasing; it is also the paging cursor).
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationEvent {
    pub id: Uuid,
    pub seq: i64,
    pub at_ms: i64,
    pub source: EventSource,
    pub body: EventBody,
}

/// The agent's final response: the message of the last `finish` call or the last agent
/// message, whichever is later; `None` when there is neither. `newest_first` walks the
/// log backwards.
pub fn final_response<'a>(
    newest_first: impl IntoIterator<Item = &'a ConversationEvent>,
) -> Option<String> {
    newest_first
        .into_iter()
        .find_map(|event| match &event.body {
            EventBody::Action {
                tool_name,
                arguments,
                ..
            } if tool_name == FINISH_TOOL => Some(finish_message(arguments)),
            EventBody::Message {
                role: Role::Assistant,
                text,
            } if event.source == EventSource::Agent => Some(text.clone()),
            _ => None,
        })
}

/// The built-in tool that ends a run with a message.
pub const FINISH_TOOL: &str = "finish";

/// The `message` argument of a `finish` call (empty when absent or malformed).
pub fn finish_message(arguments: &str) -> String {
    serde_json::from_str::<serde_json::Value>(arguments)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, source: EventSource, body: EventBody) -> ConversationEvent {
        ConversationEvent {
            id: Uuid::new_v4(),
            seq,
            at_ms: seq,
            source,
            body,
        }
    }

    fn finish(message: &str) -> EventBody {
        EventBody::Action {
            thought: String::new(),
            tool_name: FINISH_TOOL.into(),
            tool_call_id: "c".into(),
            arguments: serde_json::json!({ "message": message }).to_string(),
            llm_response_id: "r".into(),
        }
    }

    #[test]
    fn the_final_response_is_the_latest_finish_or_agent_message() {
        let said = |text: &str| EventBody::Message {
            role: Role::Assistant,
            text: text.into(),
        };
        let log = [
            event(
                1,
                EventSource::User,
                EventBody::Message {
                    role: Role::User,
                    text: "hi".into(),
                },
            ),
            event(2, EventSource::Agent, said("thinking aloud")),
            event(3, EventSource::Agent, finish("YES")),
        ];
        assert_eq!(final_response(log.iter().rev()).as_deref(), Some("YES"));
        assert_eq!(
            final_response(log[..2].iter().rev()).as_deref(),
            Some("thinking aloud")
        );
        assert_eq!(final_response(log[..1].iter().rev()), None);
    }

    #[test]
    fn kinds_and_sources_round_trip_and_bodies_serialise() {
        for kind in ConversationEventKind::ALL {
            assert_eq!(ConversationEventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(
            EventSource::parse("environment"),
            Some(EventSource::Environment)
        );
        let body = finish("done");
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(serde_json::from_str::<EventBody>(&text).unwrap(), body);
        assert_eq!(finish_message("not json"), "");
    }
}
