//! Which settings fields are secret, found by path from the `agent_settings` root:
//! LLM credentials (also of the condenser's LLM and of meta-profile LLMs), every value of
//! an MCP server's `env` and `headers`, its `auth` credentials, the critic's API key and
//! the values of `agent_context.secrets` (a string, or a secret source object's `value`
//! and `headers`). Only string leaves are secrets; `null` is unset.
//!
//! Fields are addressed by RFC 6901 JSON pointers over the whole stored document (e.g.
//! `/agent_settings/llm/api_key`); the pointer is part of the field's AAD.

use serde_json::Value;

/// The secret fields of an LLM object.
pub const LLM_SECRET_FIELDS: [&str; 4] = [
    "api_key",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// The pointer prefix under which agent settings live in the stored document.
pub const AGENT_SETTINGS_ROOT: &str = "/agent_settings";

/// Whether the field at `path` (keys from the `agent_settings` root) holds a secret.
pub fn is_secret_path(path: &[&str]) -> bool {
    match path {
        ["llm", field] | ["condenser", "llm", field] | ["meta_profile_llms", _, field] => {
            LLM_SECRET_FIELDS.contains(field)
        }
        ["mcp_config", _, "env" | "headers", _] => true,
        ["mcp_config", _, "auth", ..] => true,
        ["verification", "critic_api_key"] => true,
        // A value is a string or a secret source object: a static secret's `value`, a
        // lookup secret's `headers`.
        ["agent_context", "secrets", _]
        | ["agent_context", "secrets", _, "value"]
        | ["agent_context", "secrets", _, "headers", _] => true,
        _ => false,
    }
}

/// Calls `f(pointer, value)` for every string leaf at a secret path below `root` (an
/// `agent_settings` value or a diff of one). `pointer` is relative to `root`.
pub fn for_each_secret(root: &mut Value, f: &mut dyn FnMut(&str, &mut Value)) {
    let mut path = Vec::new();
    walk(root, &mut path, f);
}

fn walk(value: &mut Value, path: &mut Vec<String>, f: &mut dyn FnMut(&str, &mut Value)) {
    match value {
        Value::String(_) => {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            if is_secret_path(&keys) {
                f(&pointer(&keys), value);
            }
        }
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                walk(child, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Builds an RFC 6901 pointer from keys.
pub fn pointer(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Replaces every secret string in a whole settings document by `null` and returns
/// them as (pointer over the document, plaintext).
pub fn take_secrets(doc: &mut Value) -> Vec<(String, String)> {
    let mut taken = Vec::new();
    if let Some(agent) = doc.get_mut("agent_settings") {
        for_each_secret(agent, &mut |ptr, value| {
            if let Value::String(s) = value.take() {
                taken.push((format!("{AGENT_SETTINGS_ROOT}{ptr}"), s));
            }
        });
    }
    taken
}

/// Puts `value` at `pointer` in `doc` if the field exists (its placeholder is kept as
/// `null` when stored). Returns whether it was placed.
pub fn place(doc: &mut Value, pointer: &str, value: Value) -> bool {
    match doc.pointer_mut(pointer) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_paths_cover_credentials_and_nothing_else() {
        for p in [
            &["llm", "api_key"][..],
            &["llm", "aws_session_token"],
            &["condenser", "llm", "api_key"],
            &["meta_profile_llms", "fast", "api_key"],
            &["mcp_config", "fetch", "env", "TOKEN"],
            &["mcp_config", "fetch", "headers", "Authorization"],
            &["mcp_config", "fetch", "auth", "oauth", "access_token"],
            &["verification", "critic_api_key"],
            &["agent_context", "secrets", "GH"],
            &["agent_context", "secrets", "GH", "value"],
            &["agent_context", "secrets", "GH", "headers", "Authorization"],
        ] {
            assert!(is_secret_path(p), "{p:?}");
        }
        for p in [
            &["llm", "model"][..],
            &["llm", "base_url"],
            &["mcp_config", "fetch", "command"],
            &["api_key"],
            &["agent_context", "secrets", "GH", "kind"],
            &["agent_context", "secrets", "GH", "url"],
        ] {
            assert!(!is_secret_path(p), "{p:?}");
        }
    }

    #[test]
    fn take_secrets_nulls_the_fields_and_pointers_escape_odd_keys() {
        let mut doc = json!({"agent_settings": {"llm": {"model": "m", "api_key": "k"},
            "mcp_config": {"a/b": {"env": {"X~Y": "v"}, "command": "c"}}}});
        let taken = take_secrets(&mut doc);
        assert_eq!(
            taken,
            vec![
                ("/agent_settings/llm/api_key".to_owned(), "k".to_owned()),
                (
                    "/agent_settings/mcp_config/a~1b/env/X~0Y".to_owned(),
                    "v".to_owned()
                ),
            ]
        );
        assert_eq!(doc["agent_settings"]["llm"]["api_key"], Value::Null);
        assert!(place(
            &mut doc,
            "/agent_settings/mcp_config/a~1b/env/X~0Y",
            json!("v")
        ));
        assert_eq!(
            doc["agent_settings"]["mcp_config"]["a/b"]["env"]["X~Y"],
            "v"
        );
        assert!(!place(&mut doc, "/agent_settings/nope/x", json!(1)));
    }
}
