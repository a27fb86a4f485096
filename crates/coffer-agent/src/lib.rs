//! coffer-agent: the runtime that runs OpenHands conversations for coffer-core. It does
//! the I/O — LLM requests, bash, files, LookupSecret requests — behind the core's ports
//! ([`coffer_core::ops::conversations::AgentRunner`] and
//! [`coffer_core::ops::conversations::SecretFetcher`]); the rules (status transitions,
//! which secrets a command gets, masking, what is stored) stay in the core, reached
//! through the [`RunSession`] every run gets.
//!
//! Layout:
//! - [`agent_loop`]: one run: ask the LLM, run the tool calls, record, repeat;
//! - [`history`]: the event log as LLM messages; [`prompt`]: the system prompt;
//! - [`llm`]: the provider-neutral client (`openai`, `anthropic` wire formats, retries
//!   with backoff, prices);
//! - [`tools`]: `terminal`, `file_editor`, and the built-in `finish` and `think`;
//! - [`lookup`]: LookupSecret GETs.
//!
//! Note: `coffer-llm` (the Mafold dialect's streaming chat client) overlaps with [`llm`];
//! the two should be unified (see docs/ARCHITECTURE.md).
#![forbid(unsafe_code)]

pub mod agent_loop;
pub mod history;
pub mod llm;
pub mod lookup;
pub mod prompt;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use coffer_core::ops::conversations::{AgentPorts, AgentRunner, RunSession};

/// Limits of the runtime (the binary's `--agent-*` flags).
#[derive(Clone, Debug)]
pub struct AgentConfig {
    /// A terminal command's timeout when the call names none.
    pub terminal_timeout: Duration,
    /// The longest timeout a terminal call may ask for.
    pub terminal_max_timeout: Duration,
    /// Tool output kept per call (bytes); the rest is cut with a note.
    pub output_limit_bytes: usize,
    /// Upper bound on an LLM request's timeout (the agent's `llm.timeout` applies below it).
    pub llm_timeout_cap: Duration,
    /// Timeout of one LookupSecret request.
    pub lookup_timeout: Duration,
    /// A failed lookup is retried no sooner than this.
    pub lookup_retry_after: Duration,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            terminal_timeout: Duration::from_secs(120),
            terminal_max_timeout: Duration::from_secs(600),
            output_limit_bytes: 30_000,
            llm_timeout_cap: Duration::from_secs(600),
            lookup_timeout: Duration::from_secs(30),
            lookup_retry_after: Duration::from_secs(60),
        }
    }
}

/// The agent runtime: one HTTP client shared by every run.
pub struct AgentRuntime {
    config: AgentConfig,
    http: reqwest::Client,
}

impl AgentRuntime {
    pub fn new(config: AgentConfig) -> Arc<AgentRuntime> {
        let http = reqwest::Client::builder()
            .build()
            .expect("the HTTP client builds with default settings");
        Arc::new(AgentRuntime { config, http })
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// The ports to hand to `Core::with_agent_runtime`.
    pub fn ports(self: &Arc<Self>) -> AgentPorts {
        AgentPorts {
            runner: self.clone(),
            fetcher: Arc::new(lookup::HttpSecretFetcher::new()),
            lookup_timeout: self.config.lookup_timeout,
            lookup_retry_after: self.config.lookup_retry_after,
        }
    }
}

#[async_trait]
impl AgentRunner for AgentRuntime {
    async fn run(&self, session: RunSession) {
        agent_loop::run(self, session).await
    }
}
