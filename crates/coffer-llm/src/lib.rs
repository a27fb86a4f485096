//! coffer-llm: streaming clients for the LLM providers coffer's agents run on, speaking
//! each provider's real wire protocol.
//!
//! - [`AnthropicClient`]: the Anthropic Messages API (`POST {base}/v1/messages`,
//!   `x-api-key`, `anthropic-version`, server-sent events).
//! - [`OpenAiClient`]: OpenAI-compatible chat completions (`POST {base}/chat/completions`,
//!   `Authorization: Bearer`, server-sent events ending in `data: [DONE]`) — DeepSeek,
//!   OpenAI and other compatible endpoints.
//!
//! Both take a provider-neutral [`ChatRequest`], send [`StreamEvent`]s into a channel as
//! they arrive, and end with a [`Finish`] or an [`LlmError`]. Text deltas are what chats
//! use today; tool calls are already decoded (start, argument deltas) and requests can
//! carry [`ToolSpec`]s, so agent tool use can be added on top without a new protocol
//! layer.
//!
//! Tests: the `scripted` feature adds [`scripted::ScriptedProvider`], a local server
//! speaking both protocols that records the requests (and keys) it receives.
//!
//! Secrets: the API key is borrowed as a `SecretString` for one call and sent as a
//! header marked sensitive (hidden from `Debug`). Errors say what failed (status, phase,
//! the provider's short error type) and never include a key or a response body.
#![forbid(unsafe_code)]

mod anthropic;
mod config;
mod error;
mod event;
mod http;
mod openai;
mod request;
#[cfg(feature = "scripted")]
pub mod scripted;
mod sse;

pub use anthropic::AnthropicClient;
pub use config::{AnthropicConfig, OpenAiConfig, Timeouts};
pub use error::{LlmError, TimeoutPhase};
pub use event::{Finish, StopReason, StreamEvent};
pub use openai::OpenAiClient;
pub use request::{ChatMessage, ChatRequest, Role, ToolSpec};
