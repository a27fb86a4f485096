//! How accounts and chats behave in this process: whether dev tokens are accepted, which
//! brain produces agent replies, the platform keys of the house agents, and the limits
//! that keep a reply from hanging or agents from pinging each other forever.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use coffer_crypto::SecretString;

use crate::brain::{Brain, NoBrain};
use crate::domain::Provider;

pub struct ChatOptions {
    /// `COFFER_DEV=1`: `signIn` hands out `dev:<username>` tokens and they are accepted.
    pub dev_tokens: bool,
    /// Produces agent replies (the provider clients).
    pub brain: Arc<dyn Brain>,
    /// The shared keys house agents (`claude`, `deepseek`) run on; a house agent with
    /// none configured answers that it has no key.
    pub platform_keys: HashMap<Provider, SecretString>,
    /// The longest a whole reply may take before it is finalized as timed out (the
    /// brain's own timeouts are usually shorter).
    pub reply_timeout: Duration,
    /// How many earlier messages of the conversation an agent sees.
    pub history_messages: i64,
    /// How many agent replies in a row one human message may set off (agents answering
    /// agents that mention them); deeper mentions are ignored.
    pub max_agent_chain: u32,
}

impl Default for ChatOptions {
    fn default() -> Self {
        ChatOptions {
            dev_tokens: false,
            brain: Arc::new(NoBrain),
            platform_keys: HashMap::new(),
            reply_timeout: Duration::from_secs(600),
            history_messages: 30,
            max_agent_chain: 4,
        }
    }
}

impl std::fmt::Debug for ChatOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let platform: Vec<&str> = self.platform_keys.keys().map(|p| p.as_str()).collect();
        f.debug_struct("ChatOptions")
            .field("dev_tokens", &self.dev_tokens)
            .field("platform_keys", &platform)
            .field("reply_timeout", &self.reply_timeout)
            .finish_non_exhaustive()
    }
}
