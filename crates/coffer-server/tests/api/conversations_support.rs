//! Test support for conversations: scripted LLM servers that speak the real OpenAI
//! chat-completions and Anthropic Messages protocols (each request recorded, each answer
//! computed by the test's script), a LookupSecret target that records headers, request
//! bodies, bounded polling, and a log capture.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, send};

/// One request a fake server received.
#[derive(Clone, Debug)]
pub struct Seen {
    /// When the request arrived.
    pub at: std::time::Instant,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The tool names offered (either protocol).
    pub fn tool_names(&self) -> Vec<String> {
        self.body["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                t.pointer("/function/name")
                    .or_else(|| t.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect()
    }

    /// The text of every tool answer in the request (either protocol), in order.
    pub fn tool_results(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in self.body["messages"].as_array().into_iter().flatten() {
            if m["role"] == "tool" {
                out.push(m["content"].as_str().unwrap_or_default().to_owned());
            }
            for block in m["content"].as_array().into_iter().flatten() {
                if block["type"] == "tool_result" {
                    out.push(block["content"].as_str().unwrap_or_default().to_owned());
                }
            }
        }
        out
    }
}

/// How a fake server answers.
pub enum Reply {
    Json(u16, Value),
    /// A status with a raw body.
    Raw(u16, String),
    /// Starts a 200 answer, then drops the connection mid-body.
    Cut,
    /// Waits, then answers.
    Delayed(Duration, Box<Reply>),
}

type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

#[derive(Clone)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Script>,
}

/// A local server answering per script; `turn` counts the requests so far.
pub struct FakeServer {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    pub async fn start(
        script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static,
    ) -> FakeServer {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let fake = Fake {
            seen: seen.clone(),
            script: Arc::new(script),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .route("/v1/messages", post(answer))
            .route("/lookup/{name}", get(answer_get))
            .with_state(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeServer { base, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn answer(
    State(fake): State<Fake>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let seen = Seen {
        at: std::time::Instant::now(),
        path: uri.path().to_owned(),
        headers,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    };
    respond(&fake, seen).await
}

async fn answer_get(
    State(fake): State<Fake>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let seen = Seen {
        at: std::time::Instant::now(),
        path: format!("/lookup/{name}"),
        headers,
        body: Value::Null,
    };
    respond(&fake, seen).await
}

async fn respond(fake: &Fake, seen: Seen) -> Response {
    let turn = {
        let mut all = fake.seen.lock().unwrap();
        all.push(seen.clone());
        all.len() - 1
    };
    let mut reply = (fake.script)(turn, &seen);
    loop {
        return match reply {
            Reply::Delayed(wait, next) => {
                tokio::time::sleep(wait).await;
                reply = *next;
                continue;
            }
            Reply::Json(status, body) => {
                (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
            }
            Reply::Raw(status, body) => {
                (StatusCode::from_u16(status).unwrap(), body).into_response()
            }
            Reply::Cut => {
                let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                    Ok("{\"id\": \"chatcmpl-cut\", \"choi"),
                    Err(std::io::Error::other("cut")),
                ];
                Response::new(Body::from_stream(futures::stream::iter(chunks)))
            }
        };
    }
}

/// An OpenAI answer with one tool call.
pub fn openai_call(n: usize, name: &str, arguments: &str) -> Reply {
    Reply::Json(
        200,
        json!({
            "id": format!("chatcmpl-{n}"),
            "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
                "tool_calls": [{"id": format!("call_{n}"), "type": "function", "function": {"name": name, "arguments": arguments}}]}}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050}
        }),
    )
}

/// An OpenAI answer without tool calls.
pub fn openai_text(n: usize, text: &str) -> Reply {
    Reply::Json(
        200,
        json!({
            "id": format!("chatcmpl-{n}"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 50}
        }),
    )
}

pub fn openai_finish(n: usize, message: &str) -> Reply {
    openai_call(n, "finish", &json!({ "message": message }).to_string())
}

/// An Anthropic answer with one tool use.
pub fn anthropic_call(n: usize, name: &str, input: Value) -> Reply {
    Reply::Json(
        200,
        json!({
            "id": format!("msg_{n}"), "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "tool_use", "id": format!("toolu_{n}"), "name": name, "input": input}],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 1000, "output_tokens": 50}
        }),
    )
}

/// The seed example's scripted model: first a terminal call that echoes `$<secret>`,
/// then `finish` with `YES` if the observation it got back hides the value (`NO`
/// otherwise), over the OpenAI protocol.
pub fn echo_secret_openai(
    secret: &'static str,
    value: &'static str,
) -> impl Fn(usize, &Seen) -> Reply {
    move |turn, seen| match turn {
        0 => openai_call(
            0,
            "terminal",
            &json!({ "command": format!("echo ${secret}") }).to_string(),
        ),
        n => openai_finish(n, verdict(seen, value)),
    }
}

/// The same over the Anthropic protocol.
pub fn echo_secret_anthropic(
    secret: &'static str,
    value: &'static str,
) -> impl Fn(usize, &Seen) -> Reply {
    move |turn, seen| match turn {
        0 => anthropic_call(
            0,
            "terminal",
            json!({ "command": format!("echo ${secret}") }),
        ),
        n => anthropic_call(n, "finish", json!({ "message": verdict(seen, value) })),
    }
}

/// `YES` when the last tool answer hides the value and does not show it.
pub fn verdict(seen: &Seen, value: &str) -> &'static str {
    let results = seen.tool_results();
    match results.last() {
        Some(r) if r.contains("<secret-hidden>") && !r.contains(value) => "YES",
        _ => "NO",
    }
}

/// A conversation request with an OpenAI-protocol LLM at `llm_base`.
pub fn start_body(llm_base: &str, working_dir: &str, secrets: Value, message: &str) -> Value {
    json!({
        "agent": {
            "kind": "Agent",
            "llm": {"model": "openai/gpt-4o-mini", "base_url": format!("{llm_base}/v1"), "api_key": "sk-test-llm-key",
                    "usage_id": "agent", "num_retries": 0},
            "tools": [{"name": "terminal"}, {"name": "file_editor"}]
        },
        "workspace": {"working_dir": working_dir},
        "secrets": secrets,
        "initial_message": {"role": "user", "content": [{"type": "text", "text": message}], "run": true}
    })
}

pub async fn create(app: &TestApp, body: &Value) -> (u16, Value) {
    send(app.request(Method::POST, "/api/conversations").json(body)).await
}

pub async fn get_conversation(app: &TestApp, id: &str) -> (u16, Value) {
    send(app.request(Method::GET, &format!("/api/conversations/{id}"))).await
}

/// Polls until the status is one of `wanted` (20 s at most); returns the conversation.
pub async fn wait_for(app: &TestApp, id: &str, wanted: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get_conversation(app, id).await;
        assert_eq!(status, 200, "{body}");
        if wanted.contains(&body["execution_status"].as_str().unwrap_or_default()) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "conversation {id} still {} (wanted {wanted:?})",
            body["execution_status"]
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls until `check` holds for the fake server's requests (10 s at most).
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn final_response(app: &TestApp, id: &str) -> (u16, Value) {
    send(app.request(
        Method::GET,
        &format!("/api/conversations/{id}/agent_final_response"),
    ))
    .await
}

/// Every event of a conversation (oldest first).
pub async fn events(app: &TestApp, id: &str) -> Vec<Value> {
    let (status, body) = send(app.request(
        Method::GET,
        &format!("/api/conversations/{id}/events/search?limit=100"),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

/// The observation texts of a conversation's events.
pub async fn observations(app: &TestApp, id: &str) -> Vec<String> {
    events(app, id)
        .await
        .iter()
        .filter(|e| e["kind"] == "ObservationEvent")
        .map(|e| {
            e["observation"]["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Captures this thread's log lines while alive (the tests' runtime is single-threaded,
/// so the server's tasks log here too).
pub struct LogCapture {
    lines: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn start() -> LogCapture {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink(lines.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        LogCapture {
            lines,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lines.lock().unwrap()).into_owned()
    }
}
