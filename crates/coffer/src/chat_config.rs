//! The Mafold chat configuration of `coffer serve`: dev tokens (`COFFER_DEV=1`, loopback
//! only), the provider endpoints, models and timeouts (flags or `COFFER_ANTHROPIC_*`,
//! `COFFER_DEEPSEEK_*`, `COFFER_PROVIDER_TIMEOUT_SECS`), and the platform keys the house
//! agents run on (`COFFER_ANTHROPIC_API_KEY`, `COFFER_DEEPSEEK_API_KEY`; environment
//! only, never flags, never logged).

use std::collections::HashMap;
use std::time::Duration;

use coffer_core::domain::Provider;
use coffer_core::ops::ChatOptions;
use coffer_crypto::SecretString;
use coffer_llm::{AnthropicConfig, OpenAiConfig, Timeouts};
use coffer_server::providers::{ProviderSettings, brain};

use crate::cli::ProviderArgs;

pub fn options(args: &ProviderArgs, dev_tokens: bool) -> anyhow::Result<ChatOptions> {
    let wait = Duration::from_secs(args.provider_timeout_secs.max(1));
    let settings = ProviderSettings {
        anthropic: AnthropicConfig {
            base_url: args.anthropic_base_url.clone(),
            model: args.anthropic_model.clone(),
            max_tokens: args.anthropic_max_tokens,
            ..AnthropicConfig::default()
        },
        deepseek: OpenAiConfig {
            base_url: args.deepseek_base_url.clone(),
            model: args.deepseek_model.clone(),
            max_tokens: Some(args.deepseek_max_tokens),
        },
        timeouts: Timeouts {
            response: wait,
            idle: wait,
            ..Timeouts::default()
        },
    };
    let mut platform_keys = HashMap::new();
    for (provider, var) in [
        (Provider::Claude, "COFFER_ANTHROPIC_API_KEY"),
        (Provider::Deepseek, "COFFER_DEEPSEEK_API_KEY"),
    ] {
        if let Some(key) = std::env::var(var).ok().filter(|k| !k.trim().is_empty()) {
            platform_keys.insert(provider, SecretString::from(key.trim().to_owned()));
        }
    }
    tracing::info!(
        anthropic.base_url = %settings.anthropic.base_url,
        deepseek.base_url = %settings.deepseek.base_url,
        platform_keys = ?platform_keys.keys().map(|p| p.as_str()).collect::<Vec<_>>(),
        dev_tokens,
        "agent providers configured"
    );
    Ok(ChatOptions {
        dev_tokens,
        brain: brain(&settings)?,
        platform_keys,
        ..ChatOptions::default()
    })
}
