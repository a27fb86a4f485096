//! What a conversation's LLM calls cost: per LLM `usage_id`, the accumulated cost and
//! token usage plus one entry per call. Field names are the OpenHands ones (the
//! dialect serialises this as `stats`); the same form is stored as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationStats {
    pub usage_to_metrics: BTreeMap<String, Metrics>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub model_name: String,
    pub accumulated_cost: f64,
    pub max_budget_per_task: Option<f64>,
    pub accumulated_token_usage: TokenUsage,
    pub costs: Vec<Cost>,
    pub response_latencies: Vec<Latency>,
    pub token_usages: Vec<TokenUsage>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    pub context_window: u64,
    pub per_turn_token: u64,
    pub response_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub model: String,
    pub cost: f64,
    /// Unix seconds.
    pub timestamp: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub model: String,
    /// Seconds.
    pub latency: f64,
    pub response_id: String,
}

/// One LLM call, as the runner reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LlmCall {
    pub usage_id: String,
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    pub context_window: u64,
    pub cost: f64,
    pub latency_secs: f64,
    pub response_id: String,
    /// Unix seconds when the call ended.
    pub at_secs: f64,
}

impl ConversationStats {
    /// Makes sure `usage_id` has an entry (zeros), as the original does once an LLM is
    /// registered for a run.
    pub fn register(&mut self, usage_id: &str, model: &str) {
        self.usage_to_metrics
            .entry(usage_id.to_owned())
            .or_insert_with(|| Metrics {
                model_name: model.to_owned(),
                accumulated_token_usage: TokenUsage {
                    model: model.to_owned(),
                    ..TokenUsage::default()
                },
                ..Metrics::default()
            });
    }

    /// Adds one call to its usage id's metrics.
    pub fn record(&mut self, call: &LlmCall) {
        self.register(&call.usage_id, &call.model);
        let metrics = self
            .usage_to_metrics
            .get_mut(&call.usage_id)
            .expect("registered above");
        let per_turn = call.prompt_tokens + call.completion_tokens;
        let usage = TokenUsage {
            model: call.model.clone(),
            prompt_tokens: call.prompt_tokens,
            completion_tokens: call.completion_tokens,
            cache_read_tokens: call.cache_read_tokens,
            cache_write_tokens: call.cache_write_tokens,
            reasoning_tokens: call.reasoning_tokens,
            context_window: call.context_window,
            per_turn_token: per_turn,
            response_id: call.response_id.clone(),
        };
        let total = &mut metrics.accumulated_token_usage;
        total.prompt_tokens += usage.prompt_tokens;
        total.completion_tokens += usage.completion_tokens;
        total.cache_read_tokens += usage.cache_read_tokens;
        total.cache_write_tokens += usage.cache_write_tokens;
        total.reasoning_tokens += usage.reasoning_tokens;
        total.context_window = total.context_window.max(usage.context_window);
        total.per_turn_token = per_turn;
        metrics.accumulated_cost += call.cost;
        metrics.costs.push(Cost {
            model: call.model.clone(),
            cost: call.cost,
            timestamp: call.at_secs,
        });
        metrics.response_latencies.push(Latency {
            model: call.model.clone(),
            latency: call.latency_secs,
            response_id: call.response_id.clone(),
        });
        metrics.token_usages.push(usage);
    }

    /// The summed cost over every usage id.
    pub fn total_cost(&self) -> f64 {
        self.usage_to_metrics
            .values()
            .map(|m| m.accumulated_cost)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_accumulate_per_usage_id() {
        let mut stats = ConversationStats::default();
        stats.register("agent", "openai/gpt-4o-mini");
        assert_eq!(stats.total_cost(), 0.0);
        let call = LlmCall {
            usage_id: "agent".into(),
            model: "openai/gpt-4o-mini".into(),
            prompt_tokens: 1000,
            completion_tokens: 50,
            cost: 0.0011,
            response_id: "r1".into(),
            ..LlmCall::default()
        };
        stats.record(&call);
        stats.record(&call);
        let m = &stats.usage_to_metrics["agent"];
        assert_eq!(m.accumulated_token_usage.prompt_tokens, 2000);
        assert_eq!(m.accumulated_token_usage.per_turn_token, 1050);
        assert_eq!((m.costs.len(), m.token_usages.len()), (2, 2));
        assert!((stats.total_cost() - 0.0022).abs() < 1e-12);
        let json = serde_json::to_value(&stats).unwrap();
        assert_eq!(
            json["usage_to_metrics"]["agent"]["max_budget_per_task"],
            serde_json::Value::Null
        );
    }
}
