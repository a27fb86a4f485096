//! A provider-neutral, non-streaming LLM client with tool calls. Model names follow the
//! LiteLLM convention `provider/model`:
//! - `anthropic/…` (or a bare `claude-…` without `base_url`) speaks the Anthropic
//!   Messages API ([`anthropic`]);
//! - `openai/…`, `deepseek/…`, `openrouter/…`, `ollama/…`, `hosted_vllm/…`, any other
//!   model with a `base_url`, and bare names speak OpenAI-compatible chat completions
//!   ([`openai`]).
//!
//! Requests are retried with exponential backoff on 429, 5xx, timeouts and cut
//! connections ([`retry`]); usage is priced with a small table ([`pricing`]).

pub mod anthropic;
pub mod openai;
pub mod pricing;
pub mod provider;
pub mod retry;

use std::time::Duration;

use coffer_core::domain::conversation::LlmConfig;
use serde_json::Value;

pub use provider::{Endpoint, Wire};

/// A message of the conversation as sent to the model.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatMessage {
    System(String),
    User(String),
    Assistant {
        text: String,
        tool_calls: Vec<ToolCall>,
    },
    /// A tool's answer to the call `call_id`.
    Tool {
        call_id: String,
        name: String,
        content: String,
    },
}

/// A tool call as the model made it; `arguments` is raw JSON text (it may not parse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// A tool offered to the model.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON schema of the arguments.
    pub parameters: Value,
}

/// Token counts of one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
}

/// One answer of the model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatResponse {
    pub id: String,
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
}

/// What went wrong talking to the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LlmErrorKind {
    /// 401/403: the key is missing, wrong or not allowed.
    Auth,
    /// 429.
    RateLimited,
    /// 5xx (and Anthropic's 529 "overloaded").
    Server,
    /// The connection failed or was cut.
    Connection,
    Timeout,
    /// Another 4xx, or a configuration the client cannot use.
    BadRequest,
    /// A 2xx answer that is not what the protocol says.
    BadResponse,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlmError {
    pub kind: LlmErrorKind,
    pub status: Option<u16>,
    /// For the conversation's error event: the provider's message, shortened. It may
    /// echo part of a key, so the session masks it before recording.
    pub message: String,
    /// From a `Retry-After` header.
    pub retry_after: Option<Duration>,
}

impl LlmError {
    pub fn new(kind: LlmErrorKind, message: impl Into<String>) -> LlmError {
        LlmError {
            kind,
            status: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Whether trying again may help.
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            LlmErrorKind::RateLimited
                | LlmErrorKind::Server
                | LlmErrorKind::Connection
                | LlmErrorKind::Timeout
        )
    }

    /// The conversation error code (the original's LiteLLM exception names).
    pub fn code(&self) -> &'static str {
        match self.kind {
            LlmErrorKind::Auth => "LLMAuthenticationError",
            LlmErrorKind::RateLimited => "LLMRateLimitError",
            LlmErrorKind::Server => "LLMServiceUnavailableError",
            LlmErrorKind::Connection => "LLMConnectionError",
            LlmErrorKind::Timeout => "LLMTimeoutError",
            LlmErrorKind::BadRequest => "LLMBadRequestError",
            LlmErrorKind::BadResponse => "LLMResponseError",
        }
    }

    /// The text recorded with the error.
    pub fn detail(&self) -> String {
        match self.status {
            Some(status) => format!("HTTP {status} from the LLM provider: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// A client bound to one LLM configuration.
pub struct LlmClient<'a> {
    http: &'a reqwest::Client,
    config: &'a LlmConfig,
    endpoint: Endpoint,
    timeout: Duration,
}

impl<'a> LlmClient<'a> {
    pub fn new(
        http: &'a reqwest::Client,
        config: &'a LlmConfig,
        timeout_cap: Duration,
    ) -> Result<LlmClient<'a>, LlmError> {
        let endpoint = provider::endpoint(config)?;
        let timeout = config
            .timeout_secs
            .map(Duration::from_secs_f64)
            .unwrap_or(timeout_cap)
            .min(timeout_cap);
        Ok(LlmClient {
            http,
            config,
            endpoint,
            timeout,
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// One completion, retried per the agent's `num_retries` and backoff settings.
    pub async fn complete(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
    ) -> Result<ChatResponse, LlmError> {
        let policy = retry::Policy::of(self.config);
        retry::with_retries(&policy, || self.attempt(messages, tools)).await
    }

    async fn attempt(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
    ) -> Result<ChatResponse, LlmError> {
        match self.endpoint.wire {
            Wire::OpenAi => {
                openai::complete(
                    self.http,
                    &self.endpoint,
                    self.config,
                    self.timeout,
                    messages,
                    tools,
                )
                .await
            }
            Wire::Anthropic => {
                anthropic::complete(
                    self.http,
                    &self.endpoint,
                    self.config,
                    self.timeout,
                    messages,
                    tools,
                )
                .await
            }
        }
    }
}

/// Classifies a failed HTTP answer.
pub(crate) fn status_error(status: u16, body: &str, retry_after: Option<Duration>) -> LlmError {
    let kind = match status {
        401 | 403 => LlmErrorKind::Auth,
        429 => LlmErrorKind::RateLimited,
        408 => LlmErrorKind::Timeout,
        500..=599 => LlmErrorKind::Server,
        _ => LlmErrorKind::BadRequest,
    };
    LlmError {
        kind,
        status: Some(status),
        message: provider_message(body),
        retry_after,
    }
}

/// Classifies a transport failure (no URL in the message).
pub(crate) fn transport_error(e: reqwest::Error) -> LlmError {
    let kind = if e.is_timeout() {
        LlmErrorKind::Timeout
    } else {
        LlmErrorKind::Connection
    };
    LlmError::new(
        kind,
        format!("request to the LLM provider failed: {}", e.without_url()),
    )
}

/// The `error.message` of a JSON error body, else the start of the text.
fn provider_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("error"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_owned());
    text.chars().take(300).collect()
}

/// The `Retry-After` header in seconds, if any.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_and_only_transient_ones_retried() {
        let e = status_error(401, r#"{"error":{"message":"Incorrect API key"}}"#, None);
        assert_eq!(
            (e.kind, e.code(), e.retryable()),
            (LlmErrorKind::Auth, "LLMAuthenticationError", false)
        );
        assert_eq!(
            e.detail(),
            "HTTP 401 from the LLM provider: Incorrect API key"
        );
        assert!(status_error(429, "slow down", None).retryable());
        assert!(status_error(503, "", None).retryable());
        assert!(status_error(529, "", None).retryable());
        assert!(!status_error(400, "bad", None).retryable());
        let long = "x".repeat(1000);
        assert_eq!(status_error(500, &long, None).message.len(), 300);
    }
}
