//! The Anthropic Messages API, streamed: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version`, body `{model, max_tokens, system, messages, tools?, stream: true}`,
//! answered by named server-sent events: `message_start`, `content_block_start`,
//! `content_block_delta` (`text_delta`, `input_json_delta`), `content_block_stop`,
//! `message_delta` (the stop reason), `message_stop`; `ping` anytime; `error` (e.g.
//! `overloaded_error`) in place of the rest. The reply is complete only at
//! `message_stop`: a body that ends before it is a cut stream.

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::config::{AnthropicConfig, Timeouts, join};
use crate::error::{LlmError, stream_error};
use crate::event::{Finish, StopReason, StreamEvent};
use crate::http::{client, post_events, secret_header};
use crate::request::ChatRequest;

#[derive(Clone, Debug)]
pub struct AnthropicClient {
    http: reqwest::Client,
    config: AnthropicConfig,
    timeouts: Timeouts,
}

impl AnthropicClient {
    pub fn new(config: AnthropicConfig, timeouts: Timeouts) -> Result<AnthropicClient, LlmError> {
        Ok(AnthropicClient {
            http: client(&timeouts)?,
            config,
            timeouts,
        })
    }

    pub fn config(&self) -> &AnthropicConfig {
        &self.config
    }

    /// The request body for `request`.
    pub fn body(&self, request: &ChatRequest) -> Value {
        let messages: Vec<Value> = request
            .turns()
            .into_iter()
            .map(|(role, text)| json!({"role": role.as_str(), "content": text}))
            .collect();
        let mut body = json!({
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "messages": messages,
            "stream": true,
        });
        if let Some(system) = &request.system {
            body["system"] = json!(system);
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
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
        headers.insert("x-api-key", secret_header(api_key.expose_secret())?);
        let version = HeaderValue::from_str(&self.config.api_version)
            .map_err(|_| LlmError::Config("anthropic-version is not a header value".into()))?;
        headers.insert("anthropic-version", version);
        let body = serde_json::to_vec(&self.body(request))
            .map_err(|_| LlmError::Config("the request does not serialize".into()))?;
        let url = join(&self.config.base_url, "/v1/messages");
        let mut stream = post_events(&self.http, &url, headers, body, &self.timeouts).await?;
        let mut stop_reason = None;
        while let Some(event) = stream.next().await? {
            let data: Value = serde_json::from_str(&event.data)
                .map_err(|_| LlmError::Protocol("an event's data is not JSON"))?;
            let kind = event
                .event
                .as_deref()
                .or_else(|| data["type"].as_str())
                .unwrap_or_default();
            let out = match kind {
                "content_block_delta" => match data["delta"]["type"].as_str() {
                    Some("text_delta") => data["delta"]["text"]
                        .as_str()
                        .map(|t| StreamEvent::TextDelta(t.to_owned())),
                    Some("input_json_delta") => Some(StreamEvent::ToolCallArgumentsDelta {
                        index: index(&data),
                        json: data["delta"]["partial_json"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    }),
                    _ => None, // thinking and signature deltas are not part of the reply text
                },
                "content_block_start" if data["content_block"]["type"] == "tool_use" => {
                    Some(StreamEvent::ToolCallStart {
                        index: index(&data),
                        id: data["content_block"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        name: data["content_block"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    })
                }
                "message_delta" => {
                    if let Some(reason) = data["delta"]["stop_reason"].as_str() {
                        stop_reason = Some(StopReason::parse(reason));
                    }
                    None
                }
                "message_stop" => return Ok(Finish { stop_reason }),
                "error" => return Err(stream_error(&data)),
                _ => None, // message_start, ping, content_block_stop, future events
            };
            if let Some(out) = out {
                events.send(out).await.map_err(|_| LlmError::Cancelled)?;
            }
        }
        Err(LlmError::StreamCut)
    }
}

fn index(data: &Value) -> usize {
    data["index"]
        .as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{ChatMessage, Role, ToolSpec};

    #[test]
    fn the_body_has_model_max_tokens_system_alternating_messages_and_stream() {
        let client = AnthropicClient::new(AnthropicConfig::default(), Timeouts::default()).unwrap();
        let request = ChatRequest {
            system: Some("be brief".into()),
            messages: vec![
                ChatMessage {
                    role: Role::User,
                    content: "@ann: hi".into(),
                },
                ChatMessage {
                    role: Role::User,
                    content: "@bob: yo".into(),
                },
            ],
            tools: vec![ToolSpec {
                name: "t".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
        };
        assert_eq!(
            client.body(&request),
            json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 1024,
                "system": "be brief",
                "messages": [{"role": "user", "content": "@ann: hi\n\n@bob: yo"}],
                "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}],
                "stream": true,
            })
        );
    }
}
