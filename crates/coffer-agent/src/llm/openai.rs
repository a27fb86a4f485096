//! OpenAI-compatible chat completions with function tools (non-streaming):
//! `POST <base>/chat/completions`, `messages` with `tool_calls` and `role: tool`
//! answers, `tools: [{type: function, function: {name, description, parameters}}]`.

use std::time::Duration;

use coffer_core::domain::conversation::LlmConfig;
use serde_json::{Map, Value, json};

use super::{
    ChatMessage, ChatResponse, Endpoint, LlmError, LlmErrorKind, ToolCall, ToolSpec, Usage,
    retry_after, status_error, transport_error,
};

/// The request body.
pub fn body(
    endpoint: &Endpoint,
    config: &LlmConfig,
    messages: &[ChatMessage],
    tools: &[ToolSpec],
) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(endpoint.model));
    body.insert(
        "messages".into(),
        Value::Array(messages.iter().map(message).collect()),
    );
    if !tools.is_empty() {
        let tools: Vec<Value> = tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(t) = config.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = config.top_p {
        body.insert("top_p".into(), json!(p));
    }
    if let Some(max) = config.max_output_tokens {
        body.insert("max_tokens".into(), json!(max));
    }
    Value::Object(body)
}

fn message(m: &ChatMessage) -> Value {
    match m {
        ChatMessage::System(text) => json!({"role": "system", "content": text}),
        ChatMessage::User(text) => json!({"role": "user", "content": text}),
        ChatMessage::Assistant { text, tool_calls } => {
            let mut msg = Map::new();
            msg.insert("role".into(), json!("assistant"));
            msg.insert(
                "content".into(),
                if text.is_empty() {
                    Value::Null
                } else {
                    json!(text)
                },
            );
            if !tool_calls.is_empty() {
                let calls: Vec<Value> = tool_calls
                    .iter()
                    .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
                    .collect();
                msg.insert("tool_calls".into(), Value::Array(calls));
            }
            Value::Object(msg)
        }
        ChatMessage::Tool {
            call_id, content, ..
        } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
    }
}

/// Reads a 2xx answer.
pub fn parse(answer: &Value) -> Result<ChatResponse, LlmError> {
    let bad = |what: &str| {
        LlmError::new(
            LlmErrorKind::BadResponse,
            format!("the LLM answer has no {what}"),
        )
    };
    let message = answer
        .pointer("/choices/0/message")
        .ok_or_else(|| bad("choices[0].message"))?;
    let text = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        // Some servers answer content as a list of parts.
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    };
    let mut tool_calls = Vec::new();
    if let Some(calls) = message.get("tool_calls").and_then(Value::as_array) {
        for (i, call) in calls.iter().enumerate() {
            let function = call
                .get("function")
                .ok_or_else(|| bad("tool_calls[].function"))?;
            let name = function
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("tool_calls[].function.name"))?;
            let arguments = match function.get("arguments") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let id = call
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("call_{i}"), str::to_owned);
            tool_calls.push(ToolCall {
                id,
                name: name.to_owned(),
                arguments,
            });
        }
    }
    let count = |ptr: &str| answer.pointer(ptr).and_then(Value::as_u64).unwrap_or(0);
    Ok(ChatResponse {
        id: answer
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        text,
        tool_calls,
        usage: Usage {
            prompt_tokens: count("/usage/prompt_tokens"),
            completion_tokens: count("/usage/completion_tokens"),
            cache_read_tokens: count("/usage/prompt_tokens_details/cached_tokens"),
            cache_write_tokens: 0,
            reasoning_tokens: count("/usage/completion_tokens_details/reasoning_tokens"),
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

    #[test]
    fn tool_calls_usage_and_text_are_read() {
        let answer = json!({
            "id": "chatcmpl-1",
            "choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "terminal", "arguments": "{\"command\":\"ls\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "think", "arguments": {"thought": "x"}}}
            ]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 3}}
        });
        let r = parse(&answer).unwrap();
        assert_eq!(r.id, "chatcmpl-1");
        assert_eq!(r.text, "");
        assert_eq!(r.tool_calls[0].arguments, "{\"command\":\"ls\"}");
        assert_eq!(r.tool_calls[1].arguments, "{\"thought\":\"x\"}");
        assert_eq!(
            (
                r.usage.prompt_tokens,
                r.usage.completion_tokens,
                r.usage.cache_read_tokens
            ),
            (10, 5, 3)
        );
        assert_eq!(
            parse(&json!({"choices": []})).unwrap_err().kind,
            LlmErrorKind::BadResponse
        );
    }

    #[test]
    fn assistant_tool_calls_and_tool_answers_are_written_back() {
        let m = message(&ChatMessage::Assistant {
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "c1".into(),
                name: "terminal".into(),
                arguments: "{}".into(),
            }],
        });
        assert_eq!(m["content"], Value::Null);
        assert_eq!(m["tool_calls"][0]["function"]["name"], "terminal");
        let t = message(&ChatMessage::Tool {
            call_id: "c1".into(),
            name: "terminal".into(),
            content: "out".into(),
        });
        assert_eq!(
            t,
            json!({"role": "tool", "tool_call_id": "c1", "content": "out"})
        );
    }
}
