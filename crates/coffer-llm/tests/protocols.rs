//! Both clients against the scripted provider, over real HTTP: complete replies, the key
//! in the right header, and every failure the issue names (401, 429, 5xx, an error event,
//! a hang, a cut stream) mapped to what failed.

use std::time::Duration;

use coffer_llm::scripted::{Protocol, Reply, ScriptedProvider};
use coffer_llm::{
    AnthropicClient, AnthropicConfig, ChatMessage, ChatRequest, LlmError, OpenAiClient,
    OpenAiConfig, Role, StopReason, StreamEvent, TimeoutPhase, Timeouts,
};
use secrecy::SecretString;
use tokio::sync::mpsc;

const KEY: &str = "sk-test-0123456789-abcd";

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        response: Duration::from_millis(400),
        idle: Duration::from_millis(400),
        total: Duration::from_secs(5),
    }
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("be brief".into()),
        messages: vec![ChatMessage {
            role: Role::User,
            content: "@ops: hello".into(),
        }],
        tools: vec![],
    }
}

/// Runs one call; returns its result and the text it streamed.
async fn call(
    provider: &ScriptedProvider,
    protocol: Protocol,
) -> (Result<Option<StopReason>, LlmError>, String) {
    let (tx, mut rx) = mpsc::channel(64);
    let key = SecretString::from(KEY.to_owned());
    let result = match protocol {
        Protocol::Anthropic => {
            let config = AnthropicConfig {
                base_url: provider.base_url(),
                ..AnthropicConfig::default()
            };
            let client = AnthropicClient::new(config, timeouts()).unwrap();
            client.stream(&request(), &key, &tx).await
        }
        Protocol::OpenAi => {
            let config = OpenAiConfig {
                base_url: provider.base_url(),
                ..OpenAiConfig::deepseek()
            };
            let client = OpenAiClient::new(config, timeouts()).unwrap();
            client.stream(&request(), &key, &tx).await
        }
    };
    drop(tx);
    let mut text = String::new();
    while let Some(event) = rx.recv().await {
        if let StreamEvent::TextDelta(t) = event {
            text.push_str(&t);
        }
    }
    (result.map(|f| f.stop_reason), text)
}

const BOTH: [Protocol; 2] = [Protocol::Anthropic, Protocol::OpenAi];

#[tokio::test]
async fn a_streamed_reply_arrives_whole_with_the_key_in_the_protocols_header() {
    for protocol in BOTH {
        let provider = ScriptedProvider::start(protocol).await;
        provider.push(Reply::text(&["Hel", "lo, ", "wörld 🦀"]));
        let (result, text) = call(&provider, protocol).await;
        assert_eq!(result, Ok(Some(StopReason::EndTurn)), "{protocol:?}");
        assert_eq!(text, "Hello, wörld 🦀");
        let seen = provider.requests();
        assert_eq!(seen.len(), 1);
        let r = &seen[0];
        assert_eq!(r.api_key(), Some(KEY));
        assert_eq!(r.body["stream"], true);
        match protocol {
            Protocol::Anthropic => {
                assert_eq!(r.path, "/v1/messages");
                assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(r.header("authorization"), None);
                assert_eq!(r.body["system"], "be brief");
                assert_eq!(r.body["max_tokens"], 1024);
            }
            Protocol::OpenAi => {
                assert_eq!(r.path, "/chat/completions");
                assert_eq!(r.header("x-api-key"), None);
                assert_eq!(r.body["messages"][0]["role"], "system");
                assert_eq!(r.body["model"], "deepseek-chat");
            }
        }
        assert_eq!(r.last_message(), "@ops: hello");
    }
}

#[tokio::test]
async fn error_statuses_say_what_failed() {
    for protocol in BOTH {
        let provider = ScriptedProvider::start(protocol).await;
        for (status, kind) in [
            (401, "authentication_error"),
            (429, "rate_limit_error"),
            (500, "api_error"),
            (529, "overloaded_error"),
            (400, "invalid_request_error"),
        ] {
            provider.push(Reply::Status {
                status,
                kind: kind.into(),
            });
            let (result, text) = call(&provider, protocol).await;
            let expected = match status {
                401 => LlmError::Unauthorized { status },
                429 => LlmError::RateLimited {
                    retry_after_secs: Some(7),
                },
                400 => LlmError::Rejected {
                    status,
                    kind: Some(kind.into()),
                },
                _ => LlmError::Server { status },
            };
            assert_eq!(result, Err(expected), "{protocol:?} {status}");
            assert!(text.is_empty());
        }
    }
}

#[tokio::test]
async fn an_error_event_in_the_stream_is_the_providers_failure() {
    for protocol in BOTH {
        let provider = ScriptedProvider::start(protocol).await;
        provider.push(Reply::StreamError {
            kind: "overloaded_error".into(),
        });
        let (result, _) = call(&provider, protocol).await;
        assert_eq!(
            result,
            Err(LlmError::Server { status: 529 }),
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn a_cut_stream_keeps_what_arrived_and_says_it_was_cut() {
    for protocol in BOTH {
        let provider = ScriptedProvider::start(protocol).await;
        provider.push(Reply::Cut {
            deltas: vec!["partial ".into(), "answer".into()],
        });
        let (result, text) = call(&provider, protocol).await;
        assert_eq!(result, Err(LlmError::StreamCut), "{protocol:?}");
        assert_eq!(text, "partial answer");
    }
}

#[tokio::test]
async fn silence_is_a_timeout_of_the_phase_it_happened_in() {
    for protocol in BOTH {
        let provider = ScriptedProvider::start(protocol).await;
        provider.push(Reply::Hang);
        let (result, _) = call(&provider, protocol).await;
        assert_eq!(
            result,
            Err(LlmError::Timeout(TimeoutPhase::Response)),
            "{protocol:?}"
        );
        provider.push(Reply::Stream {
            deltas: vec!["slow".into(), "er".into()],
            delay: Duration::from_millis(900),
        });
        let (result, _) = call(&provider, protocol).await;
        assert_eq!(
            result,
            Err(LlmError::Timeout(TimeoutPhase::Idle)),
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_provider_and_an_unsendable_key_are_named() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let config = AnthropicConfig {
        base_url: base,
        ..AnthropicConfig::default()
    };
    let client = AnthropicClient::new(config, timeouts()).unwrap();
    let (tx, _rx) = mpsc::channel(4);
    let key = SecretString::from(KEY.to_owned());
    assert_eq!(
        client.stream(&request(), &key, &tx).await,
        Err(LlmError::Unreachable)
    );
    let bad = SecretString::from("sk-\nbad".to_owned());
    assert_eq!(
        client.stream(&request(), &bad, &tx).await,
        Err(LlmError::UnusableKey)
    );
}
