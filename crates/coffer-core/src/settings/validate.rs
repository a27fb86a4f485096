//! Rules a merged settings document must satisfy. Every failure is the same
//! [`CoreError::InvalidSettings`]: the message is generic on purpose so that no submitted
//! value (a secret, perhaps) is ever echoed back.

use serde_json::Value;

use super::defaults::{self, KIND_ACP, KIND_OPENHANDS};
use crate::CoreError;

/// Agent settings after merge and [`super::merge::conform`].
pub fn agent_settings(doc: &Value) -> Result<(), CoreError> {
    let kind = doc.get("agent_kind").and_then(Value::as_str).ok_or(CoreError::InvalidSettings)?;
    let default = defaults::agent_settings(kind, "").ok_or(CoreError::InvalidSettings)?;
    check(same_shape(doc, &default))?;
    if let Some(mcp) = doc.get("mcp_config") {
        check(mcp_config(mcp))?;
    }
    match kind {
        KIND_OPENHANDS => {
            let model = doc["llm"]["model"].as_str().unwrap_or("");
            check(!model.trim().is_empty())
        }
        KIND_ACP => Ok(()),
        _ => Err(CoreError::InvalidSettings),
    }
}

/// Conversation settings after merge and conform. A top-level `null` where the default is
/// not `null` fails here.
pub fn conversation_settings(doc: &Value) -> Result<(), CoreError> {
    check(same_shape(doc, &defaults::conversation_settings()))?;
    let iterations = doc["max_iterations"].as_i64().unwrap_or(0);
    check(iterations >= 1)?;
    check(matches!(doc["security_analyzer"].as_str(), Some("llm" | "none" | "invariant")))
}

fn check(ok: bool) -> Result<(), CoreError> {
    if ok { Ok(()) } else { Err(CoreError::InvalidSettings) }
}

/// The value has the JSON type of its default wherever the default is not `null`, down
/// through closed (non-empty) objects.
fn same_shape(value: &Value, default: &Value) -> bool {
    match (value, default) {
        (_, Value::Null) => true,
        (Value::Object(v), Value::Object(d)) => {
            d.iter().all(|(k, dv)| v.get(k).is_none_or(|vv| same_shape(vv, dv)))
        }
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Array(_), Value::Array(_)) => true,
        _ => false,
    }
}

fn mcp_config(mcp: &Value) -> bool {
    let Some(servers) = mcp.as_object() else { return false };
    servers.values().all(|server| {
        let Some(server) = server.as_object() else { return false };
        let string_map = |key: &str| {
            server.get(key).is_none_or(|m| m.as_object().is_some_and(|m| m.values().all(Value::is_string)))
        };
        let args_ok = server
            .get("args")
            .is_none_or(|a| a.as_array().is_some_and(|a| a.iter().all(Value::is_string)));
        string_map("env") && string_map("headers") && args_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn openhands() -> Value {
        defaults::agent_settings(KIND_OPENHANDS, "t").unwrap()
    }

    #[test]
    fn defaults_are_valid() {
        assert!(agent_settings(&openhands()).is_ok());
        assert!(agent_settings(&defaults::agent_settings(KIND_ACP, "t").unwrap()).is_ok());
        assert!(conversation_settings(&defaults::conversation_settings()).is_ok());
    }

    #[test]
    fn bad_agent_settings_are_refused() {
        let mut empty_model = openhands();
        empty_model["llm"]["model"] = json!(" ");
        let mut llm_not_object = openhands();
        llm_not_object["llm"] = json!("not-an-object");
        let mut env_not_strings = openhands();
        env_not_strings["mcp_config"] = json!({"s": {"env": {"K": 1}}});
        let mut wrong_type = openhands();
        wrong_type["llm"]["num_retries"] = json!("five");
        for doc in [empty_model, llm_not_object, env_not_strings, wrong_type] {
            assert!(agent_settings(&doc).is_err(), "{doc}");
        }
    }

    #[test]
    fn bad_conversation_settings_are_refused() {
        for (field, value) in [
            ("max_iterations", json!(-5)),
            ("max_iterations", json!(0)),
            ("confirmation_mode", Value::Null),
            ("security_analyzer", json!("bogus")),
        ] {
            let mut doc = defaults::conversation_settings();
            doc[field] = value;
            assert!(conversation_settings(&doc).is_err(), "{field}");
        }
    }
}
