//! The [`Brain`] port: how the core asks a provider for an agent's reply, without
//! knowing HTTP. The server implements it with `coffer-llm` (Anthropic Messages API and
//! OpenAI-compatible chat completions, both streamed); tests may script it.
//!
//! The core hands over the API key it has just opened, as a [`SecretString`] that the
//! brain owns and drops (zeroizing it) when the call ends; text deltas go back through
//! a channel as they arrive, so the core can publish them while the call runs.

use async_trait::async_trait;
use coffer_crypto::SecretString;
use tokio::sync::mpsc;

use crate::domain::Provider;

/// Who said a turn of the transcript, from the agent's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnRole {
    /// Anyone but the agent (people and other agents), prefixed with their handle.
    User,
    /// The agent itself.
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turn {
    pub role: TurnRole,
    pub text: String,
}

/// One reply to produce.
#[derive(Clone, Debug)]
pub struct AgentCall {
    pub provider: Provider,
    /// The agent's handle (for logs; never a key).
    pub agent: String,
    pub system_prompt: String,
    /// Oldest first; the last turn is the message being answered.
    pub transcript: Vec<Turn>,
}

/// Why a reply failed. Texts (see `describe`) say what failed, never the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentFailure {
    /// The provider refused the key (HTTP 401/403).
    Unauthorized { status: u16 },
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx, or the provider's own overload/error event in the stream.
    ProviderError { status: u16 },
    /// Another 4xx; `kind` is the provider's error type, when it gave a short one.
    Rejected { status: u16, kind: Option<String> },
    /// No answer, or a silence mid-stream, longer than the configured timeout.
    Timeout,
    /// The connection or stream ended before the reply was complete.
    StreamCut,
    /// The provider could not be reached (DNS, connection refused, TLS).
    Unreachable,
    /// The provider answered something that is not its protocol.
    Protocol,
    /// No brain is configured for this provider.
    NotConfigured,
}

impl AgentFailure {
    /// A sentence for the finalized agent message.
    pub fn describe(&self, provider: Provider) -> String {
        match self {
            AgentFailure::Unauthorized { status } => {
                format!(
                    "{provider} refused the API key (HTTP {status}); its owner can replace it with setAgentKey"
                )
            }
            AgentFailure::RateLimited => {
                format!("{provider} is rate limiting this key (HTTP 429); try again later")
            }
            AgentFailure::ProviderError { status } => {
                format!("{provider} had a server error (HTTP {status}); try again later")
            }
            AgentFailure::Rejected { status, kind } => match kind {
                Some(kind) => format!("{provider} rejected the request (HTTP {status}, {kind})"),
                None => format!("{provider} rejected the request (HTTP {status})"),
            },
            AgentFailure::Timeout => format!("{provider} did not answer in time"),
            AgentFailure::StreamCut => {
                format!("the connection to {provider} ended before the reply was complete")
            }
            AgentFailure::Unreachable => format!("{provider} could not be reached"),
            AgentFailure::Protocol => format!("{provider} answered in an unexpected format"),
            AgentFailure::NotConfigured => {
                format!("no provider endpoint is configured for {provider}")
            }
        }
    }
}

#[async_trait]
pub trait Brain: Send + Sync + 'static {
    /// Streams the reply's text into `deltas` as it arrives and returns once it is
    /// complete. `api_key` is dropped (zeroized) when the call ends.
    async fn run(
        &self,
        call: AgentCall,
        api_key: SecretString,
        deltas: mpsc::Sender<String>,
    ) -> Result<(), AgentFailure>;
}

/// The brain used when none is configured: every call fails as not configured.
pub struct NoBrain;

#[async_trait]
impl Brain for NoBrain {
    async fn run(
        &self,
        _call: AgentCall,
        _api_key: SecretString,
        _deltas: mpsc::Sender<String>,
    ) -> Result<(), AgentFailure> {
        Err(AgentFailure::NotConfigured)
    }
}
