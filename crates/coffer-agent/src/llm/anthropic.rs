//! The Anthropic Messages API with tool use (non-streaming): `POST …/v1/messages`, the
//! system prompt apart, `tool_use` blocks in assistant turns and `tool_result` blocks in
//! the next user turn; consecutive turns of one role are merged (the API wants them to
//! alternate).

use std::time::Duration;

use coffer_core::domain::conversation::LlmConfig;
use serde_json::{Map, Value, json};

use super::{
    ChatMessage, ChatResponse, Endpoint, LlmError, LlmErrorKind, ToolCall, ToolSpec, Usage,
    retry_after, status_error, transport_error,
};

/// Used when the agent sets no `max_output_tokens` (the API requires one).
const DEFAULT_MAX_TOKENS: u64 = 4096;

pub fn body(
    endpoint: &Endpoint,
    config: &LlmConfig,
    messages: &[ChatMessage],
    tools: &[ToolSpec],
) -> Value {
    let mut system = Vec::new();
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    let mut push = |role: &'static str, block: Value| match turns.last_mut() {
        Some((last, blocks)) if *last == role => blocks.push(block),
        _ => turns.push((role, vec![block])),
    };
    for m in messages {
        match m {
            ChatMessage::System(text) => system.push(text.clone()),
            ChatMessage::User(text) => push("user", json!({"type": "text", "text": text})),
            ChatMessage::Assistant { text, tool_calls } => {
                if !text.is_empty() || tool_calls.is_empty() {
                    let text = if text.is_empty() { "(no text)" } else { text };
                    push("assistant", json!({"type": "text", "text": text}));
                }
                for call in tool_calls {
                    let input = serde_json::from_str::<Value>(&call.arguments)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({}));
                    push(
                        "assistant",
                        json!({"type": "tool_use", "id": call.id, "name": call.name, "input": input}),
                    );
                }
            }
            ChatMessage::Tool {
                call_id, content, ..
            } => push(
                "user",
                json!({"type": "tool_result", "tool_use_id": call_id, "content": content}),
            ),
        }
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(endpoint.model));
    body.insert(
        "max_tokens".into(),
        json!(config.max_output_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
    );
    if !system.is_empty() {
        body.insert("system".into(), json!(system.join("\n\n")));
    }
    let turns: Vec<Value> = turns
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    body.insert("messages".into(), Value::Array(turns));
    if !tools.is_empty() {
        let tools: Vec<Value> = tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(t) = config.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = config.top_p {
        body.insert("top_p".into(), json!(p));
    }
    Value::Object(body)
}

pub fn parse(answer: &Value) -> Result<ChatResponse, LlmError> {
    let blocks = answer
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| LlmError::new(LlmErrorKind::BadResponse, "the LLM answer has no content"))?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for block in blocks {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(block.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("tool_use") => tool_calls.push(ToolCall {
                id: block
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                name: block
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                arguments: block
                    .get("input")
                    .map_or_else(String::new, Value::to_string),
            }),
            _ => {}
        }
    }
    let count = |key: &str| answer.pointer(key).and_then(Value::as_u64).unwrap_or(0);
    Ok(ChatResponse {
        id: answer
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        text,
        tool_calls,
        usage: Usage {
            prompt_tokens: count("/usage/input_tokens"),
            completion_tokens: count("/usage/output_tokens"),
            cache_read_tokens: count("/usage/cache_read_input_tokens"),
            cache_write_tokens: count("/usage/cache_creation_input_tokens"),
            reasoning_tokens: 0,
        },
    })
}

pub async fn complete(
    http: &reqwest::Client,
    endpoint: &Endpoint,
    config: &LlmConfig,
    timeout: Duration,
    messages: &[ChatMessage],
    tools: &[ToolSpec],
) -> Result<ChatResponse, LlmError> {
    let mut request = http
        .post(&endpoint.url)
        .timeout(timeout)
        .json(&body(endpoint, config, messages, tools));
    for (name, value) in &endpoint.headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let after = retry_after(response.headers());
    let text = response.text().await.map_err(transport_error)?;
    if !(200..300).contains(&status) {
        return Err(status_error(status, &text, after));
    }
    let answer: Value = serde_json::from_str(&text).map_err(|_| {
        LlmError::new(
            LlmErrorKind::BadResponse,
            "the LLM answer is not valid JSON",
        )
    })?;
    parse(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::provider::Wire;

    fn endpoint() -> Endpoint {
        Endpoint {
            wire: Wire::Anthropic,
            url: "http://x/v1/messages".into(),
            model: "claude-x".into(),
            headers: Vec::new(),
        }
    }

    #[test]
    fn tool_results_follow_tool_use_in_alternating_turns() {
        let source = coffer_core::domain::conversation::AgentSource::Agent(
            json!({"llm": {"model": "anthropic/claude-x"}})
                .as_object()
                .unwrap()
                .clone(),
        );
        let built = coffer_core::domain::conversation::build_agent(&source).unwrap();
        let config =
            coffer_core::domain::conversation::llm_config(&built.doc, &built.secrets).unwrap();
        let messages = [
            ChatMessage::System("sys".into()),
            ChatMessage::User("hi".into()),
            ChatMessage::Assistant {
                text: String::new(),
                tool_calls: vec![
                    ToolCall {
                        id: "t1".into(),
                        name: "terminal".into(),
                        arguments: "{\"command\":\"ls\"}".into(),
                    },
                    ToolCall {
                        id: "t2".into(),
                        name: "terminal".into(),
                        arguments: "not json".into(),
                    },
                ],
            },
            ChatMessage::Tool {
                call_id: "t1".into(),
                name: "terminal".into(),
                content: "a".into(),
            },
            ChatMessage::Tool {
                call_id: "t2".into(),
                name: "terminal".into(),
                content: "b".into(),
            },
        ];
        let b = body(&endpoint(), &config, &messages, &[]);
        assert_eq!(b["system"], "sys");
        assert_eq!(b["max_tokens"], 4096);
        let turns = b["messages"].as_array().unwrap();
        let roles: Vec<&str> = turns.iter().map(|t| t["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["user", "assistant", "user"]);
        assert_eq!(turns[1]["content"][0]["input"], json!({"command": "ls"}));
        assert_eq!(turns[1]["content"][1]["input"], json!({}));
        assert_eq!(turns[2]["content"][1]["tool_use_id"], "t2");
    }

    #[test]
    fn tool_use_blocks_become_tool_calls() {
        let r = parse(&json!({
            "id": "msg_1",
            "content": [{"type": "text", "text": "Let me look."},
                        {"type": "tool_use", "id": "tu_1", "name": "terminal", "input": {"command": "ls"}}],
            "usage": {"input_tokens": 7, "output_tokens": 3}
        }))
        .unwrap();
        assert_eq!(r.text, "Let me look.");
        assert_eq!(r.tool_calls[0].arguments, "{\"command\":\"ls\"}");
        assert_eq!(r.usage.prompt_tokens, 7);
        assert!(parse(&json!({"type": "error"})).is_err());
    }
}
