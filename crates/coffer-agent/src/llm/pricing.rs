//! What a call costs: `prompt_tokens × input price + completion_tokens × output price`,
//! from the agent's `input_cost_per_token`/`output_cost_per_token` when set, else from a
//! small table of list prices (USD per token, matched by model-name prefix); unknown
//! models cost 0. Also the context window the original reports per model.

use coffer_core::domain::conversation::LlmConfig;

use super::Usage;

/// (model-name prefix, input per token, output per token, context window).
const PRICES: &[(&str, f64, f64, u64)] = &[
    ("gpt-4o-mini", 0.15e-6, 0.6e-6, 128_000),
    ("gpt-4o", 2.5e-6, 10e-6, 128_000),
    ("gpt-4.1-nano", 0.1e-6, 0.4e-6, 1_047_576),
    ("gpt-4.1-mini", 0.4e-6, 1.6e-6, 1_047_576),
    ("gpt-4.1", 2e-6, 8e-6, 1_047_576),
    ("gpt-5-mini", 0.25e-6, 2e-6, 400_000),
    ("gpt-5", 1.25e-6, 10e-6, 400_000),
    ("o4-mini", 1.1e-6, 4.4e-6, 200_000),
    ("claude-3-5-haiku", 0.8e-6, 4e-6, 200_000),
    ("claude-haiku-4-5", 1e-6, 5e-6, 200_000),
    ("claude-3-5-sonnet", 3e-6, 15e-6, 200_000),
    ("claude-3-7-sonnet", 3e-6, 15e-6, 200_000),
    ("claude-sonnet-4", 3e-6, 15e-6, 200_000),
    ("claude-opus-4", 15e-6, 75e-6, 200_000),
    ("deepseek-chat", 0.27e-6, 1.1e-6, 64_000),
    ("deepseek-reasoner", 0.55e-6, 2.19e-6, 64_000),
];

/// The model name without provider prefixes (`openrouter/anthropic/claude-x` →
/// `claude-x`).
fn bare(model: &str) -> &str {
    model.rsplit('/').next().unwrap_or(model)
}

fn entry(model: &str) -> Option<&'static (&'static str, f64, f64, u64)> {
    let name = bare(model);
    PRICES
        .iter()
        .filter(|(prefix, ..)| name.starts_with(prefix))
        .max_by_key(|(prefix, ..)| prefix.len())
}

pub fn cost(config: &LlmConfig, usage: &Usage) -> f64 {
    let listed = entry(&config.model);
    let input = config
        .input_cost_per_token
        .or(listed.map(|e| e.1))
        .unwrap_or(0.0);
    let output = config
        .output_cost_per_token
        .or(listed.map(|e| e.2))
        .unwrap_or(0.0);
    usage.prompt_tokens as f64 * input + usage.completion_tokens as f64 * output
}

pub fn context_window(model: &str) -> u64 {
    entry(model).map_or(0, |e| e.3)
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

    #[test]
    fn prices_come_from_the_agent_then_the_table_and_unknown_is_free() {
        let usage = Usage {
            prompt_tokens: 1000,
            completion_tokens: 50,
            ..Usage::default()
        };
        let mini = cost(&config(json!({"model": "openai/gpt-4o-mini"})), &usage);
        assert!((mini - (1000.0 * 0.15e-6 + 50.0 * 0.6e-6)).abs() < 1e-12);
        let own = cost(
            &config(
                json!({"model": "x/y", "input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}),
            ),
            &usage,
        );
        assert!((own - 0.0011).abs() < 1e-12);
        assert_eq!(
            cost(&config(json!({"model": "ollama/llama3"})), &usage),
            0.0
        );
        assert_eq!(
            context_window("openrouter/anthropic/claude-sonnet-4-5"),
            200_000
        );
        assert_eq!(context_window("gpt-4o-2024-08-06"), 128_000);
    }
}
