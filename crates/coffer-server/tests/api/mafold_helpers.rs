//! Mafold test helpers: scripted providers for both protocols wired into the test server,
//! accounts with issued tokens, method calls with envelope checks, bounded polling for
//! agent replies, and a WebSocket client.

use std::time::Duration;

use coffer_core::domain::Provider;
use coffer_core::ops::ChatOptions;
use coffer_crypto::SecretString;
use coffer_llm::scripted::{Protocol, ScriptedProvider};
use coffer_llm::{AnthropicConfig, OpenAiConfig, Timeouts};
use coffer_server::providers::{ProviderSettings, brain};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::helpers::{Backend, Options, TestApp};

/// Mafold options of a test server (see `Options::mafold`).
#[derive(Clone, Debug, Default)]
pub struct MafoldOptions {
    pub providers: Option<ProviderSettings>,
    pub platform_keys: Vec<(Provider, String)>,
}

impl MafoldOptions {
    pub fn chat_options(&self, dev_tokens: bool) -> ChatOptions {
        let mut options = ChatOptions {
            dev_tokens,
            ..ChatOptions::default()
        };
        if let Some(settings) = &self.providers {
            options.brain = brain(settings).expect("brain");
            options.reply_timeout = Duration::from_secs(20);
        }
        for (provider, key) in &self.platform_keys {
            options
                .platform_keys
                .insert(*provider, SecretString::from(key.clone()));
        }
        options
    }
}

/// A scripted Anthropic server for `claude` agents and an OpenAI-compatible one for
/// `deepseek` agents.
pub struct Providers {
    pub claude: ScriptedProvider,
    pub deepseek: ScriptedProvider,
}

/// How long a test waits for something asynchronous before failing.
pub const WAIT: Duration = Duration::from_secs(15);

impl Providers {
    pub async fn start() -> Providers {
        Providers {
            claude: ScriptedProvider::start(Protocol::Anthropic).await,
            deepseek: ScriptedProvider::start(Protocol::OpenAi).await,
        }
    }

    /// Default options, dev tokens on, agents pointed at these servers (1 s timeouts).
    pub fn options(&self) -> Options {
        let wait = Duration::from_millis(1000);
        let settings = ProviderSettings {
            anthropic: AnthropicConfig {
                base_url: self.claude.base_url(),
                model: "claude-test".into(),
                ..AnthropicConfig::default()
            },
            deepseek: OpenAiConfig {
                base_url: self.deepseek.base_url(),
                model: "deepseek-test".into(),
                max_tokens: Some(256),
            },
            timeouts: Timeouts {
                response: wait,
                idle: wait,
                ..Timeouts::default()
            },
        };
        let mut options = Options {
            dev_mode: true,
            ..Options::default()
        };
        options.mafold.providers = Some(settings);
        options
    }

    pub fn requests(&self) -> usize {
        self.claude.requests().len() + self.deepseek.requests().len()
    }
}

/// A server with scripted providers and dev tokens on.
pub async fn spawn(backend: Backend) -> Option<(TestApp, Providers)> {
    let providers = Providers::start().await;
    let app = TestApp::spawn_with(backend, providers.options()).await?;
    Some((app, providers))
}

/// Creates a human (and its forks) and returns an issued bearer token for it.
pub async fn human(app: &TestApp, name: &str) -> String {
    use coffer_crypto::ExposeSecret;
    let system = coffer_core::principal::Principal::System;
    app.core
        .create_account(&system, name, None)
        .await
        .expect("create account");
    let issued = app
        .core
        .issue_account_token(&system, name)
        .await
        .expect("issue token");
    issued.token.expose_secret().to_owned()
}

/// `POST /api/<method>` with `body` (none when `Null`) and the bearer `token`.
pub async fn call(app: &TestApp, token: Option<&str>, method: &str, body: Value) -> (u16, Value) {
    let mut req = app.anonymous(reqwest::Method::POST, &format!("/api/{method}"));
    if let Some(token) = token {
        req = req.header("Authorization", format!("Bearer {token}"));
    }
    if !body.is_null() {
        req = req.json(&body);
    }
    crate::helpers::send(req).await
}

/// A call that must succeed; returns its `result`.
#[track_caller]
pub fn result((status, body): (u16, Value)) -> Value {
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(2),
        "only ok and result: {body}"
    );
    body["result"].clone()
}

pub async fn ok(app: &TestApp, token: &str, method: &str, body: Value) -> Value {
    result(call(app, Some(token), method, body).await)
}

/// A failure: the status equals `error_code`, and the description is exactly `description`.
#[track_caller]
pub fn failed((status, body): (u16, Value), code: u16, description: &str) {
    assert_eq!(
        body,
        json!({"ok": false, "error_code": code, "description": description}),
        "status {status}"
    );
    assert_eq!(status, code, "{body}");
}

/// Starts a conversation of the caller and `others`; returns its id.
pub async fn chat(app: &TestApp, token: &str, others: &[&str]) -> String {
    let chat = ok(app, token, "startChat", json!({"user_ids": others})).await;
    chat["id"].as_str().expect("chat id").to_owned()
}

pub async fn send(app: &TestApp, token: &str, chat_id: &str, text: &str) -> Value {
    ok(
        app,
        token,
        "sendMessage",
        json!({"chat_id": chat_id, "text": text}),
    )
    .await
}

pub async fn messages(app: &TestApp, token: &str, chat_id: &str) -> Vec<Value> {
    let page = ok(
        app,
        token,
        "getMessages",
        json!({"chat_id": chat_id, "limit": 200}),
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// Polls history (bounded) until `n` finalized messages from agents are there; returns
/// them, oldest first.
pub async fn agent_replies(app: &TestApp, token: &str, chat_id: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let done: Vec<Value> = messages(app, token, chat_id)
            .await
            .into_iter()
            .filter(|m| m["sender"]["kind"] == "agent" && m.get("finalized_at").is_some())
            .collect();
        if done.len() >= n {
            return done;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {n} agent replies after {WAIT:?}: {done:?}",
            done.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A WebSocket client on `/api/ws`.
pub struct Socket {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

pub fn ws_url(app: &TestApp, token: &str) -> String {
    format!(
        "{}/api/ws?token={token}",
        app.base.replacen("http://", "ws://", 1)
    )
}

pub async fn socket(app: &TestApp, token: &str) -> Socket {
    let (stream, response) = tokio_tungstenite::connect_async(ws_url(app, token))
        .await
        .expect("websocket connect");
    assert_eq!(response.status(), 101);
    Socket { stream }
}

impl Socket {
    /// The next event frame (pings skipped), within [`WAIT`].
    pub async fn next(&mut self) -> Value {
        self.next_within(WAIT).await.expect("an event frame")
    }

    /// The next event frame, or `None` if none arrives within `within`.
    pub async fn next_within(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match frame.expect("socket open").expect("frame") {
                tokio_tungstenite::tungstenite::Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("JSON frame"));
                }
                _ => continue,
            }
        }
    }

    /// Skips frames until one with `method`; returns it.
    pub async fn until(&mut self, method: &str) -> Value {
        loop {
            let frame = self.next().await;
            if frame["method"] == method {
                return frame;
            }
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(tokio_tungstenite::tungstenite::Message::Text(text.into()))
            .await
            .expect("send");
    }
}
