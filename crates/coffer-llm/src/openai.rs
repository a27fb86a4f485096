//! OpenAI-compatible chat completions, streamed: `POST {base}/chat/completions` with
//! `Authorization: Bearer`, body `{model, messages (system first), max_tokens?, tools?,
//! stream: true}`, answered by unnamed server-sent events whose data is a chunk
//! `{choices: [{delta: {content?, tool_calls?}, finish_reason?}]}`, ending with
//! `data: [DONE]`. An error may arrive as `{"error": {...}}` in place of a chunk. The
//! reply is complete at `[DONE]` (or, for servers that omit it, once a `finish_reason`
//! was sent before the body ended); otherwise the stream was cut.

use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::config::{OpenAiConfig, Timeouts, join};
use crate::error::{LlmError, stream_error};
use crate::event::{Finish, StopReason, StreamEvent};
use crate::http::{client, post_events, secret_header};
use crate::request::ChatRequest;

#[derive(Clone, Debug)]
pub struct OpenAiClient {
    http: reqwest::Client,
    config: OpenAiConfig,
    timeouts: Timeouts,
}

impl OpenAiClient {
    pub fn new(config: OpenAiConfig, timeouts: Timeouts) -> Result<OpenAiClient, LlmError> {
        Ok(OpenAiClient {
            http: client(&timeouts)?,
            config,
            timeouts,
        })
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// The request body for `request`.
    pub fn body(&self, request: &ChatRequest) -> Value {
        let system = request
            .system
            .iter()
            .map(|s| json!({"role": "system", "content": s}));
        let turns = request
            .turns()
            .into_iter()
            .map(|(role, text)| json!({"role": role.as_str(), "content": text}));
        let mut body = json!({
            "model": self.config.model,
            "messages": system.chain(turns).collect::<Vec<_>>(),
            "stream": true,
        });
        if let Some(max) = self.config.max_tokens {
            body["max_tokens"] = json!(max);
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
                .collect();
        }
        body
    }

    /// Streams the reply to `request` into `events`.
    pub async fn stream(
        &self,
        request: &ChatRequest,
        api_key: &SecretString,
        events: &mpsc::Sender<StreamEvent>,
    ) -> Result<Finish, LlmError> {
        let mut headers = HeaderMap::new();
        let bearer = SecretString::from(format!("Bearer {}", api_key.expose_secret()));
        headers.insert("authorization", secret_header(bearer.expose_secret())?);
        let body = serde_json::to_vec(&self.body(request))
            .map_err(|_| LlmError::Config("the request does not serialize".into()))?;
        let url = join(&self.config.base_url, "/chat/completions");
        let mut stream = post_events(&self.http, &url, headers, body, &self.timeouts).await?;
        let mut stop_reason = None;
        while let Some(event) = stream.next().await? {
            if event.data.trim() == "[DONE]" {
                return Ok(Finish { stop_reason });
            }
            let chunk: Value = serde_json::from_str(&event.data)
                .map_err(|_| LlmError::Protocol("a chunk is not JSON"))?;
            if chunk.get("error").is_some() {
                return Err(stream_error(&chunk));
            }
            let choice = &chunk["choices"][0];
            for out in deltas(&choice["delta"]) {
                events.send(out).await.map_err(|_| LlmError::Cancelled)?;
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                stop_reason = Some(StopReason::parse(reason));
            }
        }
        match stop_reason {
            Some(stop_reason) => Ok(Finish {
                stop_reason: Some(stop_reason),
            }),
            None => Err(LlmError::StreamCut),
        }
    }
}

/// The events in one chunk's `delta` (text first, then tool-call pieces). DeepSeek's
/// `reasoning_content` is the model's thinking, not its reply, and is skipped.
fn deltas(delta: &Value) -> Vec<StreamEvent> {
    let mut out = Vec::new();
    if let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) {
        out.push(StreamEvent::TextDelta(text.to_owned()));
    }
    for call in delta["tool_calls"].as_array().into_iter().flatten() {
        let index = call["index"]
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .unwrap_or(0);
        if let (Some(id), Some(name)) = (call["id"].as_str(), call["function"]["name"].as_str()) {
            out.push(StreamEvent::ToolCallStart {
                index,
                id: id.to_owned(),
                name: name.to_owned(),
            });
        }
        if let Some(json) = call["function"]["arguments"]
            .as_str()
            .filter(|a| !a.is_empty())
        {
            out.push(StreamEvent::ToolCallArgumentsDelta {
                index,
                json: json.to_owned(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{ChatMessage, Role};

    #[test]
    fn the_body_puts_the_system_prompt_first() {
        let client = OpenAiClient::new(OpenAiConfig::deepseek(), Timeouts::default()).unwrap();
        let request = ChatRequest {
            system: Some("be brief".into()),
            messages: vec![ChatMessage {
                role: Role::User,
                content: "hi".into(),
            }],
            tools: vec![],
        };
        assert_eq!(
            client.body(&request),
            json!({
                "model": "deepseek-chat",
                "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
                "max_tokens": 1024,
                "stream": true,
            })
        );
    }

    #[test]
    fn deltas_carry_text_and_tool_call_pieces() {
        let delta = json!({"content": "Hel", "reasoning_content": "hmm", "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": ""}},
            {"index": 0, "function": {"arguments": "{\"q\":"}}
        ]});
        assert_eq!(
            deltas(&delta),
            [
                StreamEvent::TextDelta("Hel".into()),
                StreamEvent::ToolCallStart {
                    index: 0,
                    id: "call_1".into(),
                    name: "lookup".into()
                },
                StreamEvent::ToolCallArgumentsDelta {
                    index: 0,
                    json: "{\"q\":".into()
                },
            ]
        );
        assert!(deltas(&json!({"role": "assistant", "content": ""})).is_empty());
    }
}
