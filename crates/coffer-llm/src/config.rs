//! Where each provider lives, which model it runs, and how long to wait.

use std::time::Duration;

/// The Anthropic Messages API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnthropicConfig {
    /// Without the `/v1/messages` path, e.g. `https://api.anthropic.com`.
    pub base_url: String,
    pub model: String,
    /// Anthropic requires a bound on the reply's length.
    pub max_tokens: u32,
    /// The `anthropic-version` header.
    pub api_version: String,
}

impl Default for AnthropicConfig {
    fn default() -> Self {
        AnthropicConfig {
            base_url: "https://api.anthropic.com".to_owned(),
            model: "claude-sonnet-4-5".to_owned(),
            max_tokens: 1024,
            api_version: "2023-06-01".to_owned(),
        }
    }
}

/// An OpenAI-compatible chat completions API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenAiConfig {
    /// Without the `/chat/completions` path, e.g. `https://api.deepseek.com` or
    /// `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    pub max_tokens: Option<u32>,
}

impl OpenAiConfig {
    /// DeepSeek's endpoint and chat model.
    pub fn deepseek() -> OpenAiConfig {
        OpenAiConfig {
            base_url: "https://api.deepseek.com".to_owned(),
            model: "deepseek-chat".to_owned(),
            max_tokens: Some(1024),
        }
    }
}

/// How long a call may take, per phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the connection (TCP and TLS).
    pub connect: Duration,
    /// From sending the request to the response's headers.
    pub response: Duration,
    /// The longest silence between two chunks of the stream.
    pub idle: Duration,
    /// The whole call.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            response: Duration::from_secs(60),
            idle: Duration::from_secs(60),
            total: Duration::from_secs(300),
        }
    }
}

/// `base` without trailing slashes, then `path`.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}
