//! Default documents. The OpenHands variant reproduces the 1.58.2 server's defaults key
//! for key and in order (clients and frontends read them), except `schema_version`,
//! which is omitted on purpose: the 1.43 client refuses a version newer than its own (5),
//! while every client accepts a missing one.

use serde_json::{Value, json};

/// The `agent_kind` values coffer knows.
pub const KIND_OPENHANDS: &str = "openhands";
pub const KIND_ACP: &str = "acp";

const OPENHANDS_AGENT_SETTINGS: &str = r#"{"agent_kind":"openhands","agent":"CodeActAgent","llm":{"model":"gpt-5.6","api_key":null,"provider_connection_id":null,"auth_type":"api_key","subscription_vendor":null,"base_url":null,"api_version":null,"aws_access_key_id":null,"aws_secret_access_key":null,"aws_session_token":null,"aws_region_name":null,"aws_profile_name":null,"aws_role_name":null,"aws_session_name":null,"aws_bedrock_runtime_endpoint":null,"openrouter_site_url":"https://docs.all-hands.dev/","openrouter_app_name":"OpenHands","num_retries":5,"retry_multiplier":8.0,"retry_min_wait":8,"retry_max_wait":64,"timeout":300,"stream_idle_timeout":300.0,"max_message_chars":30000,"temperature":null,"top_p":null,"top_k":null,"max_input_tokens":null,"max_output_tokens":null,"model_canonical_name":null,"api_mode":"auto","capability_overrides":{},"extra_headers":null,"input_cost_per_token":null,"output_cost_per_token":null,"ollama_base_url":null,"stream":false,"drop_params":true,"disable_vision":null,"disable_stop_word":false,"caching_prompt":true,"log_completions":false,"log_completions_folder":"logs/completions","custom_tokenizer":null,"native_tool_calling":true,"force_string_serializer":null,"inline_image_urls":null,"reasoning_effort":"high","reasoning_summary":null,"enable_encrypted_reasoning":true,"prompt_cache_retention":"24h","extended_thinking_budget":200000,"seed":null,"usage_id":"default","litellm_extra_body":{},"is_subscription":false},"tools":null,"enable_classify_and_switch_llm_tool":false,"active_meta_profile":null,"meta_profile":null,"meta_profile_llms":{},"tool_concurrency_limit":1,"mcp_config":{},"persona":null,"agent_context":{"skills":[],"system_message_suffix":null,"user_message_suffix":null,"load_user_skills":false,"load_public_skills":false,"marketplace_path":"marketplaces/default.json","registered_marketplaces":[],"load_project_skills":false,"load_memory":false,"disabled_skills":[],"secrets":null,"current_datetime":null},"condenser":{"condenser_kind":"llm_summarizing","enabled":true,"max_size":240,"max_tokens":null,"keep_first":2,"minimum_progress":0.1,"hard_context_reset_max_retries":5,"hard_context_reset_context_scaling":0.8},"verification":{"critic_enabled":false,"critic_mode":"finish_and_message","enable_iterative_refinement":false,"critic_threshold":0.6,"max_refinement_iterations":3,"critic_server_url":null,"critic_model_name":null,"critic_api_key":null}}"#;

const CONVERSATION_SETTINGS: &str = r#"{"schema_version":1,"max_iterations":500,"confirmation_mode":false,"security_analyzer":"llm","default_runtime":"local","worktree_base":"default_branch","worktree_base_ref":null,"worktree_branch_prefix":"openhands/","container_memory":null,"container_cpus":null,"container_browser":true}"#;

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("built-in default documents are valid JSON")
}

/// Default agent settings of the given kind, or `None` for an unknown kind.
/// `now_rfc3339` fills `agent_context.current_datetime` (the original stamps the time
/// the defaults were made).
pub fn agent_settings(kind: &str, now_rfc3339: &str) -> Option<Value> {
    match kind {
        KIND_OPENHANDS => {
            let mut doc = parse(OPENHANDS_AGENT_SETTINGS);
            doc["agent_context"]["current_datetime"] = Value::String(now_rfc3339.to_owned());
            Some(doc)
        }
        // ACP agents run an external agent process; they have no `llm`. The original's
        // full ACP shape is not in our contract; this is the minimal form documented in
        // docs/dialects/openhands.md.
        KIND_ACP => Some(json!({
            "agent_kind": "acp",
            "acp_command": null,
            "acp_args": [],
            "acp_env": {},
            "mcp_config": {},
        })),
        _ => None,
    }
}

/// Default conversation settings.
pub fn conversation_settings() -> Value {
    parse(CONVERSATION_SETTINGS)
}

/// The current UTC time as the original formats it (`2026-11-27T06:00:30.714151Z`).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    now.format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openhands_default_has_no_schema_version_and_a_fresh_datetime() {
        let doc = agent_settings(KIND_OPENHANDS, "2026-01-01T00:00:00.000000Z").unwrap();
        assert!(doc.get("schema_version").is_none());
        assert_eq!(doc["llm"]["model"], "gpt-5.6");
        assert_eq!(
            doc["agent_context"]["current_datetime"],
            "2026-01-01T00:00:00.000000Z"
        );
        assert!(agent_settings("nope", "x").is_none());
        assert_eq!(conversation_settings()["max_iterations"], 500);
        assert_eq!(now_rfc3339().len(), 27);
    }
}
