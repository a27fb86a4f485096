//! Flags of the agent runtime that runs OpenHands conversations (`coffer-agent`): tool
//! limits, LLM and LookupSecret timeouts, and coffer's own URL for LookupSecrets.

use std::time::Duration;

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct AgentArgs {
    /// Timeout of a terminal command when the agent names none (seconds).
    #[arg(long, env = "COFFER_AGENT_TERMINAL_TIMEOUT", default_value_t = 120)]
    pub agent_terminal_timeout: u64,
    /// The longest timeout an agent may ask for a terminal command (seconds).
    #[arg(long, env = "COFFER_AGENT_TERMINAL_MAX_TIMEOUT", default_value_t = 600)]
    pub agent_terminal_max_timeout: u64,
    /// Tool output kept per call (bytes); the rest is cut with a note.
    #[arg(long, env = "COFFER_AGENT_OUTPUT_LIMIT", default_value_t = 30_000)]
    pub agent_output_limit: usize,
    /// Upper bound on one LLM request (seconds); the agent's `llm.timeout` applies below it.
    #[arg(long, env = "COFFER_AGENT_LLM_TIMEOUT", default_value_t = 600)]
    pub agent_llm_timeout: u64,
    /// Timeout of one LookupSecret request (seconds).
    #[arg(long, env = "COFFER_AGENT_LOOKUP_TIMEOUT", default_value_t = 30)]
    pub agent_lookup_timeout: u64,
    /// coffer's own base URL, for relative LookupSecret URLs and for recognising its own
    /// `/api/settings/secrets/<name>` (read in-process). Default: the bound address.
    #[arg(long, env = "OH_INTERNAL_SERVER_URL")]
    pub internal_url: Option<String>,
}

impl AgentArgs {
    pub fn config(&self) -> coffer_agent::AgentConfig {
        coffer_agent::AgentConfig {
            terminal_timeout: Duration::from_secs(self.agent_terminal_timeout),
            terminal_max_timeout: Duration::from_secs(self.agent_terminal_max_timeout),
            output_limit_bytes: self.agent_output_limit,
            llm_timeout_cap: Duration::from_secs(self.agent_llm_timeout),
            lookup_timeout: Duration::from_secs(self.agent_lookup_timeout),
            ..coffer_agent::AgentConfig::default()
        }
    }
}
