//! [`SettingsDocument`] (plaintext, in memory only) and applying a [`SettingsPatch`].

use serde_json::{Map, Value};
use std::fmt;

use super::defaults::{self, KIND_OPENHANDS};
use super::merge::{conform, deep_merge, merge_patch};
use super::validate;
use crate::CoreError;

/// How secret fields are shown when a document is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// Set secrets read `**********`; unset ones stay `null`.
    Masked,
    /// The raw values.
    Plaintext,
    /// A fresh Fernet token per field (the OpenHands `encrypted` mode).
    Encrypted,
}

/// A change to one optional pointer field: leave it, clear it, or set it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

/// What a settings update asks for. Secret values in `agent_settings_diff` must already
/// be normalised by the caller (`ops`): masked/blank values are `null`, Fernet tokens
/// are opened.
#[derive(Clone, Default)]
pub struct SettingsPatch {
    pub agent_settings_diff: Option<Map<String, Value>>,
    pub conversation_settings_diff: Option<Map<String, Value>>,
    pub misc_settings_diff: Option<Map<String, Value>>,
    pub active_profile: Change<String>,
    pub active_agent_profile_id: Change<uuid::Uuid>,
    pub active_meta_profile: Change<String>,
}

impl SettingsPatch {
    /// True when the patch names no field at all (a `null` diff counts as absent; a
    /// `null` pointer field is a request to clear it, so it counts).
    pub fn is_empty(&self) -> bool {
        self.agent_settings_diff.is_none()
            && self.conversation_settings_diff.is_none()
            && self.misc_settings_diff.is_none()
            && self.active_profile == Change::Keep
            && self.active_agent_profile_id == Change::Keep
            && self.active_meta_profile == Change::Keep
    }
}

impl fmt::Debug for SettingsPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SettingsPatch(<redacted>)")
    }
}

/// A whole settings document with secret fields in plaintext. Never stored as is: `ops`
/// takes the secrets out and seals each one.
#[derive(Clone, PartialEq)]
pub struct SettingsDocument {
    pub agent_settings: Value,
    pub conversation_settings: Value,
    pub active_profile: Option<String>,
    pub active_agent_profile_id: Option<String>,
    pub active_meta_profile: Option<String>,
    pub misc_settings: Value,
}

impl fmt::Debug for SettingsDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SettingsDocument(<redacted>)")
    }
}

/// A document as a dialect shows it: secrets already rendered per [`Exposure`].
#[derive(Clone, Debug)]
pub struct SettingsView {
    pub agent_settings: Value,
    pub conversation_settings: Value,
    pub llm_api_key_is_set: bool,
    pub active_profile: Option<String>,
    pub active_agent_profile_id: Option<String>,
    pub active_meta_profile: Option<String>,
    pub misc_settings: Value,
}

impl SettingsDocument {
    pub fn defaults() -> SettingsDocument {
        SettingsDocument {
            agent_settings: defaults::agent_settings(KIND_OPENHANDS, &defaults::now_rfc3339())
                .expect("the openhands kind has defaults"),
            conversation_settings: defaults::conversation_settings(),
            active_profile: None,
            active_agent_profile_id: None,
            active_meta_profile: None,
            misc_settings: Value::Object(Map::new()),
        }
    }

    /// The stored form (secret fields still inline; see `secret_fields::take_secrets`).
    pub fn to_value(&self) -> Value {
        let opt = |o: &Option<String>| o.clone().map_or(Value::Null, Value::String);
        let mut map = Map::new();
        map.insert("agent_settings".into(), self.agent_settings.clone());
        map.insert(
            "conversation_settings".into(),
            self.conversation_settings.clone(),
        );
        map.insert("active_profile".into(), opt(&self.active_profile));
        map.insert(
            "active_agent_profile_id".into(),
            opt(&self.active_agent_profile_id),
        );
        map.insert("active_meta_profile".into(), opt(&self.active_meta_profile));
        map.insert("misc_settings".into(), self.misc_settings.clone());
        Value::Object(map)
    }

    /// Reads the stored form; `None` when it does not have the document's shape.
    pub fn from_value(mut doc: Value) -> Option<SettingsDocument> {
        let mut take = |k: &str| doc.get_mut(k).map(Value::take);
        let agent_settings = take("agent_settings").filter(Value::is_object)?;
        let conversation_settings = take("conversation_settings").filter(Value::is_object)?;
        let misc_settings = take("misc_settings").unwrap_or_else(|| Value::Object(Map::new()));
        let mut text = |k: &str| match take(k) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s)),
            Some(_) => None,
        };
        Some(SettingsDocument {
            agent_settings,
            conversation_settings,
            active_profile: text("active_profile")?,
            active_agent_profile_id: text("active_agent_profile_id")?,
            active_meta_profile: text("active_meta_profile")?,
            misc_settings,
        })
    }

    pub fn agent_kind(&self) -> &str {
        self.agent_settings["agent_kind"]
            .as_str()
            .unwrap_or(KIND_OPENHANDS)
    }

    /// The OpenHands variant with a non-blank LLM API key.
    pub fn llm_api_key_is_set(&self) -> bool {
        self.agent_kind() == KIND_OPENHANDS
            && self.agent_settings["llm"]["api_key"]
                .as_str()
                .is_some_and(|k| !k.trim().is_empty())
    }

    /// Applies `patch` and validates the result. A change of `agent_kind` starts from a
    /// fresh default of the new kind; otherwise the diff merges into the current document.
    pub fn apply(&self, patch: &SettingsPatch) -> Result<SettingsDocument, CoreError> {
        let mut next = self.clone();
        if let Some(diff) = &patch.agent_settings_diff {
            next.agent_settings = self.merged_agent_settings(diff)?;
        }
        if let Some(diff) = &patch.conversation_settings_diff {
            let mut base = next
                .conversation_settings
                .as_object()
                .cloned()
                .unwrap_or_default();
            deep_merge(&mut base, diff);
            let merged = conform(Value::Object(base), &defaults::conversation_settings());
            validate::conversation_settings(&merged)?;
            next.conversation_settings = merged;
        }
        if let Some(diff) = &patch.misc_settings_diff {
            let mut base = next.misc_settings.as_object().cloned().unwrap_or_default();
            deep_merge(&mut base, diff);
            next.misc_settings = Value::Object(base);
        }
        apply_change(
            &mut next.active_profile,
            &patch.active_profile,
            Clone::clone,
        );
        apply_change(
            &mut next.active_agent_profile_id,
            &patch.active_agent_profile_id,
            |id| id.hyphenated().to_string(),
        );
        apply_change(
            &mut next.active_meta_profile,
            &patch.active_meta_profile,
            Clone::clone,
        );
        Ok(next)
    }

    fn merged_agent_settings(&self, diff: &Map<String, Value>) -> Result<Value, CoreError> {
        let current_kind = self.agent_kind();
        let target_kind = match diff.get("agent_kind") {
            None | Some(Value::Null) => current_kind,
            Some(Value::String(kind)) => kind.as_str(),
            Some(_) => return Err(CoreError::InvalidSettings),
        };
        let now = self.agent_settings["agent_context"]["current_datetime"]
            .as_str()
            .map_or_else(defaults::now_rfc3339, str::to_owned);
        let default =
            defaults::agent_settings(target_kind, &now).ok_or(CoreError::InvalidSettings)?;
        let mut base = if target_kind == current_kind {
            self.agent_settings.clone()
        } else {
            default.clone()
        };
        merge_patch(&mut base, &Value::Object(diff.clone()));
        let mut merged = conform(base, &default);
        compact_mcp_servers(&mut merged);
        validate::agent_settings(&merged)?;
        Ok(merged)
    }
}

fn apply_change<T>(field: &mut Option<String>, change: &Change<T>, render: impl Fn(&T) -> String) {
    match change {
        Change::Keep => {}
        Change::Clear => *field = None,
        Change::Set(v) => *field = Some(render(v)),
    }
}

/// MCP servers are kept compact: no `null` fields, no empty `env`/`headers`, and
/// `enabled` always written (default `true`).
fn compact_mcp_servers(agent_settings: &mut Value) {
    let Some(servers) = agent_settings
        .get_mut("mcp_config")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for server in servers.values_mut() {
        let Some(fields) = server.as_object_mut() else {
            continue;
        };
        fields.retain(|key, value| {
            let empty_map = matches!(key.as_str(), "env" | "headers")
                && value.as_object().is_some_and(Map::is_empty);
            !value.is_null() && !empty_map
        });
        if !fields.contains_key("enabled") {
            fields.insert("enabled".into(), Value::Bool(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch_agent(diff: Value) -> SettingsPatch {
        SettingsPatch {
            agent_settings_diff: Some(diff.as_object().unwrap().clone()),
            ..SettingsPatch::default()
        }
    }

    #[test]
    fn llm_diffs_deep_merge_and_null_resets_to_the_default() {
        let doc = SettingsDocument::defaults();
        let doc = doc
            .apply(&patch_agent(json!({"llm": {"model": "gpt-4o"}})))
            .unwrap();
        let doc = doc
            .apply(&patch_agent(json!({"llm": {"api_key": "sk-1"}})))
            .unwrap();
        assert_eq!(doc.agent_settings["llm"]["model"], "gpt-4o");
        assert!(doc.llm_api_key_is_set());
        let doc = doc
            .apply(&patch_agent(json!({"llm": {"api_key": null}})))
            .unwrap();
        assert_eq!(doc.agent_settings["llm"]["api_key"], Value::Null);
        assert!(!doc.llm_api_key_is_set());
        // key order is the default's, whatever the diff did
        let keys: Vec<_> = doc.agent_settings["llm"]
            .as_object()
            .unwrap()
            .keys()
            .take(2)
            .cloned()
            .collect();
        assert_eq!(keys, ["model", "api_key"]);
    }

    #[test]
    fn unknown_keys_are_dropped_and_mcp_servers_are_compacted() {
        let doc = SettingsDocument::defaults()
            .apply(&patch_agent(json!({"bogus": 1, "mcp_config": {"fetch": {"command": "uvx", "args": ["x"], "env": {"T": "v"}, "url": null}}})))
            .unwrap();
        assert!(doc.agent_settings.get("bogus").is_none());
        assert_eq!(
            doc.agent_settings["mcp_config"],
            json!({"fetch": {"command": "uvx", "args": ["x"], "env": {"T": "v"}, "enabled": true}})
        );
        let doc = doc
            .apply(&patch_agent(
                json!({"mcp_config": {"fetch": {"env": {"T": null}}}}),
            ))
            .unwrap();
        assert_eq!(
            doc.agent_settings["mcp_config"],
            json!({"fetch": {"command": "uvx", "args": ["x"], "enabled": true}})
        );
    }

    #[test]
    fn a_kind_switch_starts_from_the_new_kinds_defaults() {
        let doc = SettingsDocument::defaults()
            .apply(&patch_agent(json!({"llm": {"model": "m", "api_key": "k"}})))
            .unwrap();
        let acp = doc
            .apply(&patch_agent(json!({"agent_kind": "acp"})))
            .unwrap();
        assert!(acp.agent_settings.get("llm").is_none());
        assert!(!acp.llm_api_key_is_set());
        let back = acp
            .apply(&patch_agent(json!({"agent_kind": "openhands"})))
            .unwrap();
        assert_eq!(back.agent_settings["llm"]["model"], "gpt-5.6");
        assert!(
            doc.apply(&patch_agent(json!({"agent_kind": "martian"})))
                .is_err()
        );
    }

    #[test]
    fn conversation_and_misc_diffs_merge_and_validate() {
        let base = SettingsDocument::defaults();
        let bad = SettingsPatch {
            conversation_settings_diff: Some(
                json!({"confirmation_mode": null})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
            ..SettingsPatch::default()
        };
        assert!(matches!(base.apply(&bad), Err(CoreError::InvalidSettings)));
        let ok = SettingsPatch {
            conversation_settings_diff: Some(
                json!({"max_iterations": 7}).as_object().unwrap().clone(),
            ),
            misc_settings_diff: Some(
                json!({"ui": {"theme": "dark", "tabs": [1]}})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
            active_profile: Change::Clear,
            ..SettingsPatch::default()
        };
        let doc = base.apply(&ok).unwrap();
        assert_eq!(doc.conversation_settings["max_iterations"], 7);
        assert_eq!(
            doc.misc_settings,
            json!({"ui": {"theme": "dark", "tabs": [1]}})
        );
        assert!(!ok.is_empty());
        assert!(SettingsPatch::default().is_empty());
    }

    #[test]
    fn the_stored_form_round_trips() {
        let doc = SettingsDocument::defaults();
        assert_eq!(SettingsDocument::from_value(doc.to_value()), Some(doc));
        assert_eq!(
            SettingsDocument::from_value(json!({"agent_settings": 1})),
            None
        );
    }
}
