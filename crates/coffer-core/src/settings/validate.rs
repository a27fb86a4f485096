//! Rules a merged settings document must satisfy. Every failure is the same
//! [`CoreError::InvalidSettings`]: the message is generic on purpose so that no submitted
//! value (a secret, perhaps) is ever echoed back.

use serde_json::Value;

use super::defaults::{self, KIND_ACP, KIND_OPENHANDS};
use super::secret_fields::LLM_SECRET_FIELDS;
use crate::CoreError;

/// Agent settings after merge and [`super::merge::conform`].
pub fn agent_settings(doc: &Value) -> Result<(), CoreError> {
    let kind = doc
        .get("agent_kind")
        .and_then(Value::as_str)
        .ok_or(CoreError::InvalidSettings)?;
    let default = defaults::agent_settings(kind, "").ok_or(CoreError::InvalidSettings)?;
    check(same_shape(doc, &default))?;
    check(credentials_are_strings(doc))?;
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
    check(matches!(
        doc["security_analyzer"].as_str(),
        Some("llm" | "none" | "invariant")
    ))
}

fn check(ok: bool) -> Result<(), CoreError> {
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidSettings)
    }
}

/// The value has the JSON type of its default wherever the default is not `null`, down
/// through closed (non-empty) objects.
fn same_shape(value: &Value, default: &Value) -> bool {
    match (value, default) {
        (_, Value::Null) => true,
        (Value::Object(v), Value::Object(d)) => d
            .iter()
            .all(|(k, dv)| v.get(k).is_none_or(|vv| same_shape(vv, dv))),
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Array(_), Value::Array(_)) => true,
        _ => false,
    }
}

/// A single-credential secret field (an LLM's keys, the critic's key, an agent-context
/// secret or its `value`) holds a string or nothing, and a secret source's `headers` are
/// strings. Their defaults are `null`, which `same_shape` lets hold anything; but only
/// string secrets are sealed, so any other JSON there would be stored and shown in clear.
fn credentials_are_strings(doc: &Value) -> bool {
    let string_or_null = |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v.is_string());
    let mut llms = vec![&doc["llm"], &doc["condenser"]["llm"]];
    if let Some(profiles) = doc.get("meta_profile_llms").and_then(Value::as_object) {
        llms.extend(profiles.values());
    }
    let llms_ok = llms.into_iter().all(|llm| {
        LLM_SECRET_FIELDS
            .iter()
            .all(|field| string_or_null(llm.get(field)))
    });
    let context_secrets_ok = doc
        .pointer("/agent_context/secrets")
        .and_then(Value::as_object)
        .is_none_or(|secrets| {
            secrets.values().all(|secret| match secret {
                Value::Null | Value::String(_) => true,
                Value::Object(source) => {
                    string_or_null(source.get("value"))
                        && source.get("headers").is_none_or(|h| {
                            h.is_null()
                                || h.as_object()
                                    .is_some_and(|h| h.values().all(Value::is_string))
                        })
                }
                _ => false,
            })
        });
    llms_ok && context_secrets_ok && string_or_null(doc.pointer("/verification/critic_api_key"))
}

fn mcp_config(mcp: &Value) -> bool {
    let Some(servers) = mcp.as_object() else {
        return false;
    };
    servers.values().all(|server| {
        let Some(server) = server.as_object() else {
            return false;
        };
        let string_map = |key: &str| {
            server.get(key).is_none_or(|m| {
                m.as_object()
                    .is_some_and(|m| m.values().all(Value::is_string))
            })
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
        let mut with_secrets = openhands();
        with_secrets["llm"]["api_key"] = json!("sk");
        with_secrets["agent_context"]["secrets"] = json!({
            "A": "a",
            "B": null,
            "S": {"kind": "StaticSecret", "value": "v"},
            "L": {"kind": "LookupSecret", "url": "https://x", "headers": {"Authorization": "Bearer t"}}
        });
        assert!(agent_settings(&with_secrets).is_ok());
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
        let mut key_not_string = openhands();
        key_not_string["llm"]["api_key"] = json!({"nested": "sk"});
        let mut aws_key_number = openhands();
        aws_key_number["llm"]["aws_secret_access_key"] = json!(12345);
        let mut critic_key_list = openhands();
        critic_key_list["verification"]["critic_api_key"] = json!(["sk"]);
        let mut meta_llm_key_object = openhands();
        meta_llm_key_object["meta_profile_llms"] =
            json!({"fast": {"model": "m", "api_key": {"k": "sk"}}});
        let mut context_secret_number = openhands();
        context_secret_number["agent_context"]["secrets"] = json!({"A": 1});
        let mut static_value_object = openhands();
        static_value_object["agent_context"]["secrets"] =
            json!({"A": {"kind": "StaticSecret", "value": {"v": "sk"}}});
        let mut lookup_header_list = openhands();
        lookup_header_list["agent_context"]["secrets"] =
            json!({"A": {"url": "u", "headers": {"Authorization": ["sk"]}}});
        for doc in [
            empty_model,
            llm_not_object,
            env_not_strings,
            wrong_type,
            key_not_string,
            aws_key_number,
            critic_key_list,
            meta_llm_key_object,
            context_secret_number,
            static_value_object,
            lookup_header_list,
        ] {
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
