//! From a LiteLLM-style model name (`provider/model`) and the agent's `base_url` to the
//! wire format, the endpoint URL, the model name the provider expects, and the headers
//! (credentials included).

use coffer_core::domain::conversation::LlmConfig;
use coffer_crypto::ExposeSecret;

use super::{LlmError, LlmErrorKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// `POST …/chat/completions`.
    OpenAi,
    /// `POST …/v1/messages`.
    Anthropic,
}

/// Where and how to send a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub wire: Wire,
    pub url: String,
    /// The model name in the request body.
    pub model: String,
    /// Sent with every request; may hold the API key.
    pub headers: Vec<(String, String)>,
}

/// Headers hold credentials: never printed.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("wire", &self.wire)
            .field("url", &self.url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

const ANTHROPIC_VERSION: &str = "2023-06-01";

pub fn endpoint(config: &LlmConfig) -> Result<Endpoint, LlmError> {
    let (provider, name) = match config.model.split_once('/') {
        Some((p, rest)) if !rest.is_empty() => (p, rest),
        _ => ("", config.model.as_str()),
    };
    let base = config.base_url.as_deref().map(|b| b.trim_end_matches('/'));
    let bare_claude = provider.is_empty() && base.is_none() && name.starts_with("claude");
    if provider == "anthropic" || bare_claude {
        let base = base.unwrap_or("https://api.anthropic.com");
        let url = if base.ends_with("/v1") {
            format!("{base}/messages")
        } else {
            format!("{base}/v1/messages")
        };
        let mut headers = vec![("anthropic-version".to_owned(), ANTHROPIC_VERSION.to_owned())];
        if let Some(key) = &config.api_key {
            headers.push(("x-api-key".to_owned(), key.expose_secret().to_owned()));
        }
        headers.extend(config.extra_headers.iter().cloned());
        return Ok(Endpoint {
            wire: Wire::Anthropic,
            url,
            model: name.to_owned(),
            headers,
        });
    }
    let (default_base, model) = match provider {
        "openai" => (Some("https://api.openai.com/v1"), name),
        "deepseek" => (Some("https://api.deepseek.com/v1"), name),
        "openrouter" => (Some("https://openrouter.ai/api/v1"), name),
        "ollama" | "ollama_chat" => (Some("http://localhost:11434"), name),
        "hosted_vllm" => (None, name),
        "" => (Some("https://api.openai.com/v1"), name),
        // Any other provider prefix: an OpenAI-compatible server at `base_url`.
        _ => (None, name),
    };
    let base = match (base, default_base) {
        (Some(base), _) => base.to_owned(),
        (None, Some(default)) => default.to_owned(),
        (None, None) => {
            return Err(LlmError::new(
                LlmErrorKind::BadRequest,
                format!(
                    "the model {:?} needs `llm.base_url` (coffer speaks OpenAI-compatible chat completions to it)",
                    config.model
                ),
            ));
        }
    };
    let is_ollama = matches!(provider, "ollama" | "ollama_chat");
    let url = if is_ollama && !base.ends_with("/v1") {
        format!("{base}/v1/chat/completions")
    } else {
        format!("{base}/chat/completions")
    };
    let mut headers = Vec::new();
    if let Some(key) = &config.api_key {
        headers.push((
            "authorization".to_owned(),
            format!("Bearer {}", key.expose_secret()),
        ));
    }
    if provider == "openrouter" {
        if let Some(site) = &config.openrouter_site_url {
            headers.push(("http-referer".to_owned(), site.clone()));
        }
        if let Some(app) = &config.openrouter_app_name {
            headers.push(("x-title".to_owned(), app.clone()));
        }
    }
    headers.extend(config.extra_headers.iter().cloned());
    Ok(Endpoint {
        wire: Wire::OpenAi,
        url,
        model: model.to_owned(),
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::domain::conversation::{AgentSource, build_agent, llm_config};
    use serde_json::json;

    fn config(llm: serde_json::Value) -> LlmConfig {
        let source = AgentSource::Agent(json!({ "llm": llm }).as_object().unwrap().clone());
        let built = build_agent(&source).unwrap();
        llm_config(&built.doc, &built.secrets).unwrap()
    }

    fn route(llm: serde_json::Value) -> (Wire, String, String) {
        let e = endpoint(&config(llm)).unwrap();
        (e.wire, e.url, e.model)
    }

    #[test]
    fn providers_route_to_their_wire_and_url() {
        use Wire::*;
        let cases = [
            (
                json!({"model": "openai/gpt-4o-mini"}),
                (
                    OpenAi,
                    "https://api.openai.com/v1/chat/completions",
                    "gpt-4o-mini",
                ),
            ),
            (
                json!({"model": "openai/gpt-4o", "base_url": "http://127.0.0.1:9/v1/"}),
                (OpenAi, "http://127.0.0.1:9/v1/chat/completions", "gpt-4o"),
            ),
            (
                json!({"model": "deepseek/deepseek-chat"}),
                (
                    OpenAi,
                    "https://api.deepseek.com/v1/chat/completions",
                    "deepseek-chat",
                ),
            ),
            (
                json!({"model": "openrouter/anthropic/claude-3.5-sonnet"}),
                (
                    OpenAi,
                    "https://openrouter.ai/api/v1/chat/completions",
                    "anthropic/claude-3.5-sonnet",
                ),
            ),
            (
                json!({"model": "ollama/llama3"}),
                (
                    OpenAi,
                    "http://localhost:11434/v1/chat/completions",
                    "llama3",
                ),
            ),
            (
                json!({"model": "hosted_vllm/qwen", "base_url": "http://gpu:8000/v1"}),
                (OpenAi, "http://gpu:8000/v1/chat/completions", "qwen"),
            ),
            (
                json!({"model": "my-model", "base_url": "http://h/v1"}),
                (OpenAi, "http://h/v1/chat/completions", "my-model"),
            ),
            (
                json!({"model": "anthropic/claude-sonnet-4-5-20250929"}),
                (
                    Anthropic,
                    "https://api.anthropic.com/v1/messages",
                    "claude-sonnet-4-5-20250929",
                ),
            ),
            (
                json!({"model": "anthropic/claude-x", "base_url": "http://127.0.0.1:5"}),
                (Anthropic, "http://127.0.0.1:5/v1/messages", "claude-x"),
            ),
            (
                json!({"model": "claude-3-haiku"}),
                (
                    Anthropic,
                    "https://api.anthropic.com/v1/messages",
                    "claude-3-haiku",
                ),
            ),
        ];
        for (llm, (wire, url, model)) in cases {
            assert_eq!(
                route(llm.clone()),
                (wire, url.to_owned(), model.to_owned()),
                "{llm}"
            );
        }
        assert!(endpoint(&config(json!({"model": "hosted_vllm/qwen"}))).is_err());
    }

    #[test]
    fn credentials_go_in_the_providers_header_and_never_in_debug() {
        let e = endpoint(&config(json!({"model": "openai/m", "api_key": "sk-1"}))).unwrap();
        assert!(
            e.headers
                .contains(&("authorization".into(), "Bearer sk-1".into()))
        );
        assert!(!format!("{e:?}").contains("sk-1"));
        let e = endpoint(&config(json!({"model": "anthropic/m", "api_key": "sk-2"}))).unwrap();
        assert!(e.headers.contains(&("x-api-key".into(), "sk-2".into())));
        let e = endpoint(&config(json!({"model": "openai/m"}))).unwrap();
        assert!(e.headers.iter().all(|(k, _)| k != "authorization"));
    }
}
