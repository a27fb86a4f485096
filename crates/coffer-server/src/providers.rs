//! The agents' brain: coffer-core's [`Brain`] port implemented with coffer-llm's
//! streaming clients — `claude` on the Anthropic Messages API, `deepseek` on DeepSeek's
//! OpenAI-compatible chat completions. Endpoints, models and timeouts are configuration
//! (`COFFER_ANTHROPIC_BASE_URL`, `COFFER_DEEPSEEK_BASE_URL`, … in the binary), so tests
//! point them at a scripted local server.

use std::sync::Arc;

use async_trait::async_trait;
use coffer_core::brain::{AgentCall, AgentFailure, Brain, TurnRole};
use coffer_core::domain::Provider;
use coffer_crypto::SecretString;
use coffer_llm::{
    AnthropicClient, AnthropicConfig, ChatMessage, ChatRequest, LlmError, OpenAiClient,
    OpenAiConfig, Role, StreamEvent, Timeouts,
};
use tokio::sync::mpsc;

/// Where each provider lives and how long to wait for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSettings {
    pub anthropic: AnthropicConfig,
    /// An OpenAI-compatible endpoint (DeepSeek's by default).
    pub deepseek: OpenAiConfig,
    pub timeouts: Timeouts,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            anthropic: AnthropicConfig::default(),
            deepseek: OpenAiConfig::deepseek(),
            timeouts: Timeouts::default(),
        }
    }
}

/// The brain for these settings.
pub fn brain(settings: &ProviderSettings) -> anyhow::Result<Arc<dyn Brain>> {
    let anthropic = AnthropicClient::new(settings.anthropic.clone(), settings.timeouts)?;
    let deepseek = OpenAiClient::new(settings.deepseek.clone(), settings.timeouts)?;
    Ok(Arc::new(LlmBrain {
        anthropic,
        deepseek,
    }))
}

struct LlmBrain {
    anthropic: AnthropicClient,
    deepseek: OpenAiClient,
}

#[async_trait]
impl Brain for LlmBrain {
    async fn run(
        &self,
        call: AgentCall,
        api_key: SecretString,
        deltas: mpsc::Sender<String>,
    ) -> Result<(), AgentFailure> {
        let request = ChatRequest {
            system: Some(call.system_prompt),
            messages: call
                .transcript
                .into_iter()
                .map(|turn| ChatMessage {
                    role: match turn.role {
                        TurnRole::User => Role::User,
                        TurnRole::Assistant => Role::Assistant,
                    },
                    content: turn.text,
                })
                .collect(),
            tools: Vec::new(),
        };
        let (events, mut incoming) = mpsc::channel::<StreamEvent>(64);
        let stream = async {
            let result = match call.provider {
                Provider::Claude => self.anthropic.stream(&request, &api_key, &events).await,
                Provider::Deepseek => self.deepseek.stream(&request, &api_key, &events).await,
            };
            drop(events);
            result
        };
        let forward = async {
            while let Some(event) = incoming.recv().await {
                // Chats use the text; tool calls are for the conversations work.
                if let StreamEvent::TextDelta(text) = event
                    && deltas.send(text).await.is_err()
                {
                    return;
                }
            }
        };
        let (result, ()) = tokio::join!(stream, forward);
        drop(api_key); // zeroized here, as soon as the call is over
        match result {
            Ok(finish) => {
                tracing::debug!(agent = %call.agent, stop = ?finish.stop_reason, "agent reply complete");
                Ok(())
            }
            Err(e) => Err(failure(e)),
        }
    }
}

fn failure(e: LlmError) -> AgentFailure {
    match e {
        LlmError::Unauthorized { status } => AgentFailure::Unauthorized { status },
        LlmError::RateLimited { .. } => AgentFailure::RateLimited,
        LlmError::Server { status } => AgentFailure::ProviderError { status },
        LlmError::Rejected { status, kind } => AgentFailure::Rejected { status, kind },
        LlmError::Timeout(_) => AgentFailure::Timeout,
        LlmError::StreamCut | LlmError::Cancelled => AgentFailure::StreamCut,
        LlmError::Unreachable => AgentFailure::Unreachable,
        LlmError::Protocol(_) | LlmError::UnusableKey => AgentFailure::Protocol,
        LlmError::Config(_) => AgentFailure::NotConfigured,
    }
}
