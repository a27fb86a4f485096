//! The agent a conversation runs: built from the request's `agent` object or from a
//! reference-free `agent_settings` document, normalised to the original's full agent
//! shape (unknown keys dropped, defaults filled in), with its secret fields (LLM keys,
//! MCP env and headers, …) taken out and held apart so they can be sealed. Also the
//! typed [`LlmConfig`] and tool list the runner needs.

use std::collections::BTreeMap;
use std::fmt;

use coffer_crypto::SecretString;
use serde_json::{Map, Value, json};

use crate::settings::defaults::{self, KIND_ACP, KIND_OPENHANDS};
use crate::settings::secret_fields::for_each_secret;

/// The tools coffer runs, besides the built-in `finish` and `think`.
pub const TERMINAL_TOOL: &str = "terminal";
pub const FILE_EDITOR_TOOL: &str = "file_editor";
pub const AVAILABLE_TOOLS: [&str; 2] = [TERMINAL_TOOL, FILE_EDITOR_TOOL];

/// Where the agent comes from (exactly one is given; the dialect checks that).
#[derive(Clone, Debug)]
pub enum AgentSource {
    Agent(Map<String, Value>),
    AgentSettings(Map<String, Value>),
}

/// An agent ready to store: `doc` has every secret field `null`; `secrets` maps their
/// JSON pointers (from the agent root) to the values.
#[derive(Clone, PartialEq)]
pub struct AgentDocument {
    pub doc: Value,
    pub secrets: BTreeMap<String, String>,
}

impl fmt::Debug for AgentDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentDocument")
            .field("doc", &self.doc)
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.secrets.len()),
            )
            .finish()
    }
}

/// The LLM a run talks to.
#[derive(Debug)]
pub struct LlmConfig {
    /// LiteLLM-style `provider/model`.
    pub model: String,
    pub base_url: Option<String>,
    pub api_key: Option<SecretString>,
    pub api_version: Option<String>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_output_tokens: Option<u64>,
    /// Per request, seconds.
    pub timeout_secs: Option<f64>,
    pub num_retries: u32,
    pub retry_multiplier: f64,
    pub retry_min_wait_secs: f64,
    pub retry_max_wait_secs: f64,
    pub usage_id: String,
    pub input_cost_per_token: Option<f64>,
    pub output_cost_per_token: Option<f64>,
    pub extra_headers: Vec<(String, String)>,
    pub openrouter_site_url: Option<String>,
    pub openrouter_app_name: Option<String>,
}

/// Why an agent cannot be built; the message names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentError(pub String);

/// The fields of the original's `Agent` after `llm` and `tools`, with their defaults.
fn agent_template() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "mcp_config": {},
        "filter_tools_regex": null,
        "include_default_tools": ["FinishTool", "ThinkTool"],
        "agent_context": null,
        "system_prompt": null,
        "system_prompt_filename": "system_prompt.j2",
        "security_policy_filename": "security_policy.j2",
        "system_prompt_kwargs": {"llm_security_analyzer": true},
        "condenser": null,
        "critic": null,
        "tool_concurrency_limit": 1,
        "persona": null,
        "kind": "Agent",
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

fn default_llm() -> Map<String, Value> {
    match defaults::agent_settings(KIND_OPENHANDS, "") {
        Some(Value::Object(mut doc)) => match doc.remove("llm") {
            Some(Value::Object(llm)) => llm,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// Builds the agent from `source`.
pub fn build_agent(source: &AgentSource) -> Result<AgentDocument, AgentError> {
    let (input, default_tools) = match source {
        AgentSource::Agent(agent) => {
            match agent.get("kind") {
                None | Some(Value::Null) => {}
                Some(Value::String(kind)) if kind == "Agent" => {}
                Some(other) => {
                    return Err(AgentError(format!(
                        "Unsupported agent kind {other}: coffer runs the `Agent` kind only"
                    )));
                }
            }
            (agent, Vec::new())
        }
        AgentSource::AgentSettings(settings) => {
            match settings.get("agent_kind").and_then(Value::as_str) {
                None | Some(KIND_OPENHANDS) => {}
                Some(KIND_ACP) => {
                    return Err(AgentError(
                        "ACP agents (agent_kind \"acp\") are not supported by coffer".into(),
                    ));
                }
                Some(other) => {
                    return Err(AgentError(format!("Unknown agent_kind {other:?}")));
                }
            }
            (settings, AVAILABLE_TOOLS.to_vec())
        }
    };
    let mut doc = Map::new();
    doc.insert("llm".into(), Value::Object(build_llm(input.get("llm"))?));
    doc.insert(
        "tools".into(),
        build_tools(input.get("tools"), &default_tools)?,
    );
    for (key, default) in agent_template() {
        let value = match input.get(&key) {
            Some(v) if key != "kind" && !v.is_null() => v.clone(),
            _ => default,
        };
        doc.insert(key, value);
    }
    let mut doc = Value::Object(doc);
    let mut secrets = BTreeMap::new();
    for_each_secret(&mut doc, &mut |pointer, value| {
        if let Value::String(s) = value.take() {
            secrets.insert(pointer.to_owned(), s);
        }
    });
    Ok(AgentDocument { doc, secrets })
}

fn build_llm(input: Option<&Value>) -> Result<Map<String, Value>, AgentError> {
    let Some(Value::Object(input)) = input else {
        return Err(AgentError("The agent needs an `llm` object".into()));
    };
    if !matches!(input.get("model"), Some(Value::String(m)) if !m.trim().is_empty()) {
        return Err(AgentError("`llm.model` must be a non-empty string".into()));
    }
    let mut llm = default_llm();
    for (key, value) in input {
        if let Some(slot) = llm.get_mut(key) {
            *slot = value.clone();
        }
    }
    Ok(llm)
}

fn build_tools(input: Option<&Value>, default: &[&str]) -> Result<Value, AgentError> {
    let named = |name: &str, params: Value| json!({"name": name, "params": params});
    let items = match input {
        None | Some(Value::Null) => {
            return Ok(Value::Array(
                default.iter().map(|n| named(n, json!({}))).collect(),
            ));
        }
        Some(Value::Array(items)) => items,
        Some(_) => return Err(AgentError("`tools` must be a list".into())),
    };
    let mut tools = Vec::with_capacity(items.len());
    for item in items {
        let (name, params) = match item {
            Value::String(name) => (name.as_str(), json!({})),
            Value::Object(tool) => match tool.get("name") {
                Some(Value::String(name)) => (
                    name.as_str(),
                    tool.get("params")
                        .filter(|p| p.is_object())
                        .cloned()
                        .unwrap_or_else(|| json!({})),
                ),
                _ => return Err(AgentError("Each tool needs a `name`".into())),
            },
            _ => {
                return Err(AgentError(
                    "Each tool must be an object with a `name`".into(),
                ));
            }
        };
        if !AVAILABLE_TOOLS.contains(&name) {
            return Err(AgentError(format!(
                "Tool '{name}' is not available: coffer provides terminal and file_editor (finish and think are built in)"
            )));
        }
        tools.push(named(name, params));
    }
    Ok(Value::Array(tools))
}

/// The tool names of a built agent document.
pub fn tool_names(doc: &Value) -> Vec<String> {
    doc.get("tools")
        .and_then(Value::as_array)
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The typed LLM configuration of a built agent document and its secrets.
pub fn llm_config(
    doc: &Value,
    secrets: &BTreeMap<String, String>,
) -> Result<LlmConfig, AgentError> {
    let llm = doc.get("llm").cloned().unwrap_or(Value::Null);
    let string = |key: &str| {
        llm.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let number = |key: &str| -> Result<Option<f64>, AgentError> {
        match llm.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(AgentError(format!("`llm.{key}` must be a number"))),
        }
    };
    let model = string("model").ok_or_else(|| AgentError("`llm.model` is missing".into()))?;
    let extra_headers = match llm.get("extra_headers") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    let non_negative = |v: Option<f64>, default: f64| v.filter(|v| *v >= 0.0).unwrap_or(default);
    Ok(LlmConfig {
        model,
        base_url: string("base_url"),
        api_key: secrets
            .get("/llm/api_key")
            .filter(|k| !k.is_empty())
            .map(|k| SecretString::from(k.clone())),
        api_version: string("api_version"),
        temperature: number("temperature")?,
        top_p: number("top_p")?,
        max_output_tokens: number("max_output_tokens")?.map(|v| v as u64),
        timeout_secs: number("timeout")?.filter(|t| *t > 0.0),
        num_retries: non_negative(number("num_retries")?, 5.0) as u32,
        retry_multiplier: non_negative(number("retry_multiplier")?, 8.0),
        retry_min_wait_secs: non_negative(number("retry_min_wait")?, 8.0),
        retry_max_wait_secs: non_negative(number("retry_max_wait")?, 64.0),
        usage_id: string("usage_id").unwrap_or_else(|| "default".into()),
        input_cost_per_token: number("input_cost_per_token")?,
        output_cost_per_token: number("output_cost_per_token")?,
        extra_headers,
        openrouter_site_url: string("openrouter_site_url"),
        openrouter_app_name: string("openrouter_app_name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(v: Value) -> AgentSource {
        AgentSource::Agent(v.as_object().unwrap().clone())
    }

    #[test]
    fn an_agent_is_normalised_and_its_key_taken_out() {
        let built = build_agent(&agent(json!({
            "kind": "Agent",
            "llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-1", "usage_id": "agent", "bogus": 1},
            "tools": [{"name": "terminal"}],
            "mcp_config": {"fetch": {"command": "x", "env": {"TOKEN": "t"}}},
        })))
        .unwrap();
        let doc = &built.doc;
        assert_eq!(doc["llm"]["api_key"], Value::Null);
        assert_eq!(doc["llm"]["usage_id"], "agent");
        assert!(doc["llm"].get("bogus").is_none());
        assert_eq!(doc["llm"]["num_retries"], 5);
        assert_eq!(doc["tools"], json!([{"name": "terminal", "params": {}}]));
        assert_eq!(doc["kind"], "Agent");
        assert_eq!(doc["mcp_config"]["fetch"]["env"]["TOKEN"], Value::Null);
        assert_eq!(built.secrets["/llm/api_key"], "sk-1");
        assert_eq!(built.secrets["/mcp_config/fetch/env/TOKEN"], "t");
        let keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(&keys[..3], ["llm", "tools", "mcp_config"]);
        assert_eq!(*keys.last().unwrap(), "kind");
        assert!(!format!("{built:?}").contains("sk-1"));

        let llm = llm_config(doc, &built.secrets).unwrap();
        assert_eq!(llm.model, "openai/gpt-4o-mini");
        assert_eq!(llm.usage_id, "agent");
        assert!(llm.api_key.is_some());
        assert_eq!(tool_names(doc), ["terminal"]);
    }

    #[test]
    fn agent_settings_default_to_both_tools_and_refuse_acp() {
        let settings = |v: Value| AgentSource::AgentSettings(v.as_object().unwrap().clone());
        let built = build_agent(&settings(json!({"llm": {"model": "m"}}))).unwrap();
        assert_eq!(tool_names(&built.doc), ["terminal", "file_editor"]);
        assert!(build_agent(&settings(json!({"agent_kind": "acp"}))).is_err());
    }

    #[test]
    fn bad_agents_are_refused_with_field_names_only() {
        for bad in [
            json!({"llm": {"api_key": "sk-secret"}}),
            json!({"llm": {"model": ""}}),
            json!({"tools": []}),
            json!({"llm": {"model": "m"}, "tools": [{"name": "browser"}]}),
            json!({"llm": {"model": "m"}, "kind": "ACPAgent"}),
        ] {
            let e = build_agent(&agent(bad.clone())).unwrap_err();
            assert!(!e.0.contains("sk-secret"), "{bad}: {}", e.0);
        }
        let built =
            build_agent(&agent(json!({"llm": {"model": "m", "temperature": "hot"}}))).unwrap();
        assert!(llm_config(&built.doc, &built.secrets).is_err());
    }
}
