//! Decoding conversation request bodies into core types, with FastAPI-style 422 items:
//! `StartConversationRequest` (`POST /api/conversations`), the secrets map
//! (`POST …/{id}/secrets`), and `SendMessageRequest` (`POST …/{id}/events`). Unknown
//! fields are ignored, as in the original. Echoed inputs are sanitized.

use std::collections::BTreeMap;

use coffer_core::domain::conversation::{
    AgentSource, DEFAULT_MAX_ITERATIONS, NewConversation, SecretSource,
};
use coffer_core::error::{CoreError, Missing};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::OhError;
use super::body::{Fields, sanitize};
use super::conversations_secret_sources::secret_map;

const NO_AGENT: &str = "One of `agent`, `agent_settings`, or `agent_profile_id` must be provided";
const TWO_AGENTS: &str =
    "Only one of `agent`, `agent_settings`, or `agent_profile_id` may be provided";

fn item(kind: &str, loc: Value, msg: &str, input: &Value) -> Value {
    json!({"type": kind, "loc": loc, "msg": msg, "input": sanitize(input)})
}

fn value_error(body: &Value, text: &str) -> OhError {
    OhError::Validation(vec![json!({
        "type": "value_error",
        "loc": ["body"],
        "msg": format!("Value error, {text}"),
        "input": sanitize(body),
        "ctx": {"error": text},
    })])
}

/// `POST /api/conversations`.
pub fn start_request(body: &Value) -> Result<NewConversation, OhError> {
    let mut fields = Fields::of(body)?;
    let present = |key: &str| body.get(key).filter(|v| !v.is_null());
    let sources = [
        present("agent").is_some(),
        present("agent_settings").is_some(),
        present("agent_profile_id").is_some(),
    ];
    match sources.iter().filter(|s| **s).count() {
        0 => return Err(value_error(body, NO_AGENT)),
        1 => {}
        _ => return Err(value_error(body, TWO_AGENTS)),
    }
    if let Some(id) = present("agent_profile_id") {
        let id = uuid_field(id, &["body", "agent_profile_id"])?;
        // coffer stores no agent profiles yet: every id is unknown.
        return Err(OhError::Core(CoreError::NotFound(Missing::AgentProfile(
            Some(id.hyphenated().to_string()),
        ))));
    }
    let agent = match (
        fields.optional_object("agent"),
        fields.optional_object("agent_settings"),
    ) {
        (Some(agent), _) => Some(AgentSource::Agent(agent)),
        (None, Some(settings)) => Some(AgentSource::AgentSettings(settings)),
        (None, None) => None,
    };
    let working_dir = match fields.raw("workspace") {
        None => {
            fields.push(item(
                "missing",
                json!(["body", "workspace"]),
                "Field required",
                body,
            ));
            None
        }
        Some(Value::Object(ws)) => match ws.get("working_dir") {
            Some(Value::String(dir)) => Some(dir.clone()),
            Some(other) => {
                fields.push(item(
                    "string_type",
                    json!(["body", "workspace", "working_dir"]),
                    "Input should be a valid string",
                    other,
                ));
                None
            }
            None => {
                let ws = Value::Object(ws.clone());
                fields.push(item(
                    "missing",
                    json!(["body", "workspace", "working_dir"]),
                    "Field required",
                    &ws,
                ));
                None
            }
        },
        Some(other) => {
            fields.push(item(
                "model_attributes_type",
                json!(["body", "workspace"]),
                "Input should be a valid dictionary or object to extract fields from",
                other,
            ));
            None
        }
    };
    let secrets = match fields.raw("secrets") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => match secret_map(map, &["body", "secrets"], false) {
            Ok(secrets) => secrets,
            Err(items) => {
                items.into_iter().for_each(|i| fields.push(i));
                BTreeMap::new()
            }
        },
        Some(other) => {
            fields.push(item(
                "dict_type",
                json!(["body", "secrets"]),
                "Input should be a valid dictionary",
                other,
            ));
            BTreeMap::new()
        }
    };
    let secrets_encrypted = bool_field(&mut fields, "secrets_encrypted", false);
    let stuck_detection = bool_field(&mut fields, "stuck_detection", true);
    let max_iterations = match fields.raw("max_iterations") {
        None | Some(Value::Null) => DEFAULT_MAX_ITERATIONS,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n >= 1) => {
            n.as_u64().unwrap_or(1).min(u64::from(u32::MAX)) as u32
        }
        Some(v @ Value::Number(n)) if n.is_i64() => {
            fields.push(json!({"type": "greater_than_equal", "loc": ["body", "max_iterations"], "msg": "Input should be greater than or equal to 1", "input": v, "ctx": {"ge": 1}}));
            DEFAULT_MAX_ITERATIONS
        }
        Some(other) => {
            fields.push(item(
                "int_type",
                json!(["body", "max_iterations"]),
                "Input should be a valid integer",
                other,
            ));
            DEFAULT_MAX_ITERATIONS
        }
    };
    let tags = fields.optional_object("tags").unwrap_or_default();
    let id = match present("conversation_id") {
        Some(v) => Some(uuid_field(v, &["body", "conversation_id"])?),
        None => None,
    };
    let initial_message = match present("initial_message") {
        Some(Value::Object(message)) => Some(message_text(message, &["body", "initial_message"])?),
        Some(other) => {
            fields.push(item(
                "model_attributes_type",
                json!(["body", "initial_message"]),
                "Input should be a valid dictionary or object to extract fields from",
                other,
            ));
            None
        }
        None => None,
    };
    fields.finish()?;
    let (Some(agent), Some(working_dir)) = (agent, working_dir) else {
        // The agent source was present but not an object (reported by `finish`).
        return Err(value_error(body, NO_AGENT));
    };
    Ok(NewConversation {
        id,
        agent,
        working_dir,
        secrets,
        secrets_encrypted,
        max_iterations,
        stuck_detection,
        tags,
        initial_message,
    })
}

/// The body of `POST …/{id}/secrets`: `{"secrets": {NAME: value}}`, where a value is a
/// string, an object with `value` (other keys dropped), or a full secret source.
pub fn secrets_update(body: &Value) -> Result<BTreeMap<String, SecretSource>, OhError> {
    let fields = Fields::of(body)?;
    match fields.raw("secrets") {
        Some(Value::Object(map)) => {
            secret_map(map, &["body", "secrets"], true).map_err(OhError::Validation)
        }
        None => Err(OhError::Validation(vec![item(
            "missing",
            json!(["body", "secrets"]),
            "Field required",
            body,
        )])),
        Some(other) => Err(OhError::Validation(vec![item(
            "dict_type",
            json!(["body", "secrets"]),
            "Input should be a valid dictionary",
            other,
        )])),
    }
}

/// `SendMessageRequest`: `(text, run)`.
pub fn send_message(body: &Value) -> Result<(String, bool), OhError> {
    let mut fields = Fields::of(body)?;
    let run = bool_field(&mut fields, "run", false);
    fields.finish()?;
    let Value::Object(message) = body else {
        unreachable!("Fields::of accepted an object")
    };
    Ok((message_text(message, &["body"])?, run))
}

fn bool_field(fields: &mut Fields<'_>, name: &str, default: bool) -> bool {
    match fields.raw(name) {
        None | Some(Value::Null) => default,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let other = other.clone();
            fields.push(item(
                "bool_type",
                json!(["body", name]),
                "Input should be a valid boolean",
                &other,
            ));
            default
        }
    }
}

fn uuid_field(value: &Value, loc: &[&str]) -> Result<Uuid, OhError> {
    let text = value.as_str().unwrap_or_default();
    Uuid::parse_str(text).map_err(|e| {
        OhError::Validation(vec![json!({
            "type": "uuid_parsing",
            "loc": loc,
            "msg": format!("Input should be a valid UUID, {e}"),
            "input": value,
            "ctx": {"error": e.to_string()},
        })])
    })
}

/// The text of a message: its `content` parts of type `text`, joined (a plain string
/// is accepted too).
fn message_text(message: &Map<String, Value>, loc: &[&str]) -> Result<String, OhError> {
    match message.get("content") {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Array(parts)) => Ok(parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")),
        None | Some(Value::Null) => Ok(String::new()),
        Some(other) => {
            let mut at: Vec<&str> = loc.to_vec();
            at.push("content");
            Err(OhError::Validation(vec![item(
                "list_type",
                json!(at),
                "Input should be a valid list",
                other,
            )]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_agent_source_is_the_originals_value_error() {
        let body = json!({"workspace": {"working_dir": "/w"}});
        let Err(OhError::Validation(items)) = start_request(&body) else {
            panic!("expected a 422")
        };
        assert_eq!(items[0]["msg"], format!("Value error, {NO_AGENT}"));
        assert_eq!(items[0]["loc"], json!(["body"]));
    }

    #[test]
    fn secret_forms_decode_and_values_are_not_echoed() {
        let body = json!({"secrets": {
            "A": "plain",
            "B": {"value": "v", "description": "dropped"},
            "C": {"kind": "LookupSecret", "url": "http://x", "headers": {"X-Session-API-Key": "k"}},
        }});
        let secrets = secrets_update(&body).unwrap();
        assert_eq!(
            secrets["B"],
            SecretSource::Static {
                value: "v".into(),
                description: None
            }
        );
        assert!(
            matches!(&secrets["C"], SecretSource::Lookup { headers, .. } if headers.len() == 1)
        );
        let Err(OhError::Validation(items)) = secrets_update(
            &json!({"secrets": {"D": {"kind": "StaticSecret", "value": 5, "token": "t0p"}}}),
        ) else {
            panic!("expected a 422")
        };
        assert!(!Value::Array(items).to_string().contains("t0p"));
        let Err(OhError::Validation(items)) =
            secrets_update(&json!({"secrets": {"PIN": 1234, "L": ["s3"]}}))
        else {
            panic!("expected a 422")
        };
        let shown = Value::Array(items).to_string();
        assert!(!shown.contains("1234") && !shown.contains("s3"), "{shown}");
    }
}
