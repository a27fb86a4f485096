//! The OpenHands shapes of conversation answers: `ConversationInfo` (key order of
//! 1.58.2) and the event models (`MessageEvent`, `ActionEvent`, `ObservationEvent`,
//! `AgentErrorEvent`, `ConversationErrorEvent`, `PauseEvent`), dumped like the original's
//! `model_dump(mode="json", exclude_none=True)`. The core hands over views without
//! secret values; nothing here can reveal one.

use coffer_core::domain::conversation::{
    ConversationEvent, ConversationEventKind, EventBody, FILE_EDITOR_TOOL, FINISH_TOOL, Role,
    TERMINAL_TOOL,
};
use coffer_core::ops::conversations::{ConversationView, SecretSourceView};
use serde_json::{Map, Value, json};

/// The original's module path of each tool (`tool_module_qualnames`).
fn qualname(tool: &str) -> Option<&'static str> {
    match tool {
        TERMINAL_TOOL => Some("openhands.tools.terminal.definition"),
        FILE_EDITOR_TOOL => Some("openhands.tools.file_editor.definition"),
        _ => None,
    }
}

/// `2026-11-27T06:01:46.680776Z` from unix milliseconds.
pub fn utc_time(ms: i64) -> String {
    format_time(ms, true)
}

/// Event timestamps are naive ISO times in the original (no zone); coffer's are UTC.
fn event_time(ms: i64) -> String {
    format_time(ms, false)
}

fn format_time(ms: i64, zulu: bool) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return String::new();
    };
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
    );
    let text = t.format(&fmt).unwrap_or_default();
    if zulu { format!("{text}Z") } else { text }
}

pub fn conversation_info(c: &ConversationView) -> Value {
    let secrets: Map<String, Value> = c
        .secret_sources
        .iter()
        .map(|(name, source)| (name.clone(), secret_source(source)))
        .collect();
    let qualnames: Map<String, Value> = c
        .agent
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .filter_map(|name| qualname(name).map(|q| (name.to_owned(), json!(q))))
        .collect();
    let id = |v: Option<uuid::Uuid>| v.map_or(Value::Null, |id| json!(id.to_string()));
    json!({
        "id": c.id.to_string(),
        "workspace": {"working_dir": c.working_dir, "kind": "LocalWorkspace"},
        "persistence_dir": null,
        "max_iterations": c.max_iterations,
        "stuck_detection": c.stuck_detection,
        "execution_status": c.status.as_str(),
        "confirmation_policy": {"kind": "NeverConfirm"},
        "security_analyzer": null,
        "activated_knowledge_skills": [],
        "invoked_skills": [],
        "blocked_actions": {},
        "blocked_messages": {},
        "last_user_message_id": id(c.last_user_message_id),
        "leaf_event_id": id(c.leaf_event_id),
        "stats": c.stats,
        "secret_registry": {"secret_sources": secrets},
        "agent_state": {},
        "hook_config": null,
        "title": c.title,
        "metrics": null,
        "created_at": utc_time(c.created_at_ms),
        "updated_at": utc_time(c.updated_at_ms),
        "forked_from_conversation_id": null,
        "forked_from_event_id": null,
        "parent_conversation_id": null,
        "sub_conversation_ids": [],
        "tags": c.tags,
        "current_model_id": null,
        "available_models": [],
        "supports_runtime_model_switch": false,
        "launched_agent_profile": null,
        "agent": c.agent,
        "client_tools": [],
        "tool_module_qualnames": qualnames,
        "runtime_info": {"runtime_status": "available", "can_resume": true, "runtime_error": null},
    })
}

/// A secret source without its secrets: a static value is `null`, secret-named lookup
/// headers are left out.
fn secret_source(s: &SecretSourceView) -> Value {
    match s {
        SecretSourceView::Static { description } => {
            json!({"description": description, "value": null, "kind": "StaticSecret"})
        }
        SecretSourceView::Lookup {
            url,
            public_headers,
            description,
        } => {
            let headers: Map<String, Value> = public_headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            json!({"description": description, "url": url, "headers": headers, "kind": "LookupSecret"})
        }
    }
}

/// The OpenHands event kind of a core event kind, and back (for the `kind` filter).
pub fn kind_name(kind: ConversationEventKind) -> &'static str {
    match kind {
        ConversationEventKind::Message => "MessageEvent",
        ConversationEventKind::Action => "ActionEvent",
        ConversationEventKind::Observation => "ObservationEvent",
        ConversationEventKind::AgentError => "AgentErrorEvent",
        ConversationEventKind::ConversationError => "ConversationErrorEvent",
        ConversationEventKind::Pause => "PauseEvent",
    }
}

pub fn parse_kind(name: &str) -> Option<ConversationEventKind> {
    ConversationEventKind::ALL
        .into_iter()
        .find(|k| kind_name(*k) == name)
}

fn text_content(text: &str) -> Value {
    json!([{"cache_prompt": false, "type": "text", "text": text}])
}

fn action_kind(tool: &str) -> &'static str {
    match tool {
        TERMINAL_TOOL => "TerminalAction",
        FILE_EDITOR_TOOL => "FileEditorAction",
        FINISH_TOOL => "FinishAction",
        "think" => "ThinkAction",
        _ => "Action",
    }
}

pub fn event(e: &ConversationEvent) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(e.id.to_string()));
    out.insert("timestamp".into(), json!(event_time(e.at_ms)));
    out.insert("source".into(), json!(e.source.as_str()));
    match &e.body {
        EventBody::Message { role, text } => {
            let role = match role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            out.insert(
                "llm_message".into(),
                json!({"role": role, "content": text_content(text), "thinking_blocks": []}),
            );
            out.insert("activated_skills".into(), json!([]));
            out.insert("extended_content".into(), json!([]));
        }
        EventBody::Action {
            thought,
            tool_name,
            tool_call_id,
            arguments,
            llm_response_id,
        } => {
            let thought = if thought.is_empty() {
                json!([])
            } else {
                text_content(thought)
            };
            out.insert("thought".into(), thought);
            out.insert("thinking_blocks".into(), json!([]));
            if let Ok(Value::Object(mut action)) = serde_json::from_str::<Value>(arguments) {
                action.insert("kind".into(), json!(action_kind(tool_name)));
                out.insert("action".into(), Value::Object(action));
            }
            out.insert("tool_name".into(), json!(tool_name));
            out.insert("tool_call_id".into(), json!(tool_call_id));
            out.insert(
                "tool_call".into(),
                json!({"id": tool_call_id, "name": tool_name, "arguments": arguments, "origin": "completion"}),
            );
            out.insert("llm_response_id".into(), json!(llm_response_id));
            out.insert("security_risk".into(), json!("UNKNOWN"));
        }
        EventBody::Observation {
            tool_name,
            tool_call_id,
            action_id,
            text,
            is_error,
            detail,
        } => {
            let mut observation = Map::new();
            observation.insert("content".into(), text_content(text));
            observation.insert("is_error".into(), json!(is_error));
            let mut kind = json!("Observation");
            if let Value::Object(detail) = detail {
                for (k, v) in detail {
                    if k == "kind" {
                        kind = v.clone();
                    } else if !v.is_null() {
                        observation.insert(k.clone(), v.clone());
                    }
                }
            }
            observation.insert("kind".into(), kind);
            out.insert("tool_name".into(), json!(tool_name));
            out.insert("tool_call_id".into(), json!(tool_call_id));
            out.insert("observation".into(), Value::Object(observation));
            out.insert("action_id".into(), json!(action_id.to_string()));
            out.insert("extended_content".into(), json!([]));
        }
        EventBody::AgentError {
            tool_name,
            tool_call_id,
            error,
        } => {
            out.insert("tool_name".into(), json!(tool_name));
            out.insert("tool_call_id".into(), json!(tool_call_id));
            out.insert("error".into(), json!(error));
        }
        EventBody::ConversationError { code, detail } => {
            out.insert("code".into(), json!(code));
            out.insert("detail".into(), json!(detail));
        }
        EventBody::Pause => {}
    }
    out.insert("kind".into(), json!(kind_name(e.body.kind())));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_formatted_like_the_original() {
        assert_eq!(utc_time(1_795_759_307_393), "2026-11-27T06:01:47.393000Z");
        assert_eq!(event_time(0), "1970-01-01T00:00:00.000000");
    }

    #[test]
    fn kinds_map_both_ways() {
        for kind in ConversationEventKind::ALL {
            assert_eq!(parse_kind(kind_name(kind)), Some(kind));
        }
        assert_eq!(parse_kind("Nope"), None);
    }
}
