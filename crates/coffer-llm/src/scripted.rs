//! A scripted provider for tests (feature `scripted`): a real HTTP/1.1 server on
//! 127.0.0.1 that speaks the Anthropic Messages or the OpenAI chat-completions streaming
//! protocol, answers each request as scripted, and records what it received — the
//! headers (so a test can check which API key arrived), the JSON body and the instant the
//! request arrived.
//!
//! Replies come from the queue ([`ScriptedProvider::push`]), else from the responder
//! ([`ScriptedProvider::respond_with`]), else a default two-delta reply.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Which protocol the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Anthropic,
    OpenAi,
}

/// How to answer one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete streamed reply made of these text deltas, `delay` apart.
    Stream {
        deltas: Vec<String>,
        delay: Duration,
    },
    /// These deltas, then the connection closes without the end-of-reply marker.
    Cut { deltas: Vec<String> },
    /// An error status with the provider's error body (`{"error":{"type":kind}}`).
    Status { status: u16, kind: String },
    /// A 200 stream whose first event is the provider's error event.
    StreamError { kind: String },
    /// Headers are never sent (the client's response timeout fires).
    Hang,
}

impl Reply {
    pub fn text(deltas: &[&str]) -> Reply {
        Reply::Stream {
            deltas: deltas.iter().map(|d| d.to_string()).collect(),
            delay: Duration::ZERO,
        }
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub at: Instant,
    /// The same moment on the wall clock (to compare with stored timestamps).
    pub at_wall: std::time::SystemTime,
    pub path: String,
    /// Lowercased names.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The API key as the protocol carries it (`x-api-key`, or the bearer token).
    pub fn api_key(&self) -> Option<&str> {
        self.header("x-api-key").or_else(|| {
            self.header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
        })
    }

    /// The text of the last message sent (what the agent is asked to answer).
    pub fn last_message(&self) -> String {
        self.body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned()
    }
}

type Responder = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

struct State {
    queue: VecDeque<Reply>,
    responder: Option<Responder>,
    received: Vec<Recorded>,
}

pub struct ScriptedProvider {
    protocol: Protocol,
    base: String,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedProvider {
    pub async fn start(protocol: Protocol) -> ScriptedProvider {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            queue: VecDeque::new(),
            responder: None,
            received: Vec::new(),
        }));
        let arrived = Arc::new(Notify::new());
        let (s, a) = (state.clone(), arrived.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, protocol, s.clone(), a.clone()));
            }
        });
        ScriptedProvider {
            protocol,
            base,
            state,
            arrived,
            task,
        }
    }

    /// The base URL to configure (`COFFER_ANTHROPIC_BASE_URL`, `COFFER_DEEPSEEK_BASE_URL`).
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    pub fn push(&self, reply: Reply) {
        self.lock().queue.push_back(reply);
    }

    pub fn respond_with(&self, f: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) {
        self.lock().responder = Some(Arc::new(f));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().received.clone()
    }

    /// Waits (up to `within`) until at least `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Recorded> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            let seen = self.requests();
            if seen.len() >= n {
                return seen;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "{:?} provider: {} requests after {within:?}, wanted {n}",
                    self.protocol,
                    seen.len()
                );
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ScriptedProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut socket: TcpStream,
    protocol: Protocol,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
) {
    let Some(recorded) = read_request(&mut socket).await else {
        return;
    };
    let reply = {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        let reply = match s.queue.pop_front() {
            Some(reply) => reply,
            None => match &s.responder {
                Some(f) => f(&recorded),
                None => Reply::text(&["Hello", " there"]),
            },
        };
        s.received.push(recorded);
        reply
    };
    arrived.notify_waiters();
    let _ = answer(&mut socket, protocol, reply).await;
}

async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let (at, at_wall) = (Instant::now(), std::time::SystemTime::now());
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        at,
        at_wall,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    })
}

async fn answer(socket: &mut TcpStream, protocol: Protocol, reply: Reply) -> std::io::Result<()> {
    let (deltas, delay, complete) = match reply {
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        Reply::Status { status, kind } => {
            let body =
                json!({"type": "error", "error": {"type": kind, "message": "scripted failure"}})
                    .to_string();
            let head = format!(
                "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 7\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            return socket.write_all(body.as_bytes()).await;
        }
        Reply::StreamError { kind } => {
            start_stream(socket).await?;
            let data = json!({"type": "error", "error": {"type": kind, "message": "scripted"}});
            let frame = match protocol {
                Protocol::Anthropic => format!("event: error\ndata: {data}\n\n"),
                Protocol::OpenAi => format!("data: {data}\n\n"),
            };
            chunk(socket, &frame).await?;
            return chunk(socket, "").await;
        }
        Reply::Stream { deltas, delay } => (deltas, delay, true),
        Reply::Cut { deltas } => (deltas, Duration::ZERO, false),
    };
    start_stream(socket).await?;
    if protocol == Protocol::Anthropic {
        chunk(socket, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[]}}\n\n").await?;
        chunk(socket, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n").await?;
        chunk(socket, "event: ping\ndata: {\"type\": \"ping\"}\n\n").await?;
    }
    for delta in deltas {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let frame = match protocol {
            Protocol::Anthropic => {
                let data = json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": delta}});
                format!("event: content_block_delta\ndata: {data}\n\n")
            }
            Protocol::OpenAi => {
                let data = json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": null}]});
                format!("data: {data}\n\n")
            }
        };
        chunk(socket, &frame).await?;
    }
    if !complete {
        socket.flush().await?;
        return Ok(()); // dropping the socket cuts the chunked body short
    }
    match protocol {
        Protocol::Anthropic => {
            chunk(socket, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n").await?;
            chunk(socket, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n").await?;
            chunk(
                socket,
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
            )
            .await?;
        }
        Protocol::OpenAi => {
            chunk(
                socket,
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            )
            .await?;
            chunk(socket, "data: [DONE]\n\n").await?;
        }
    }
    chunk(socket, "").await
}

async fn start_stream(socket: &mut TcpStream) -> std::io::Result<()> {
    socket
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
        .await
}

/// One HTTP chunk; an empty one ends the body.
async fn chunk(socket: &mut TcpStream, data: &str) -> std::io::Result<()> {
    let framed = format!("{:x}\r\n{data}\r\n", data.len());
    socket.write_all(framed.as_bytes()).await?;
    socket.flush().await
}
