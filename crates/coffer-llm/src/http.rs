//! The HTTP part both protocols share: one `reqwest::Client` per provider, a POST that
//! expects an event stream, status classification, and reading the stream chunk by
//! chunk under the idle and total timeouts.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use tokio::time::{Instant, timeout};

use crate::config::Timeouts;
use crate::error::{LlmError, TimeoutPhase, error_kind};
use crate::sse::{SseDecoder, SseEvent};

/// A provider's error body is read only this far (to find its error type).
const MAX_ERROR_BODY: usize = 64 * 1024;

pub(crate) fn client(timeouts: &Timeouts) -> Result<reqwest::Client, LlmError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .user_agent(concat!("coffer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))
}

/// A header value holding a secret: refused if not sendable, hidden from `Debug`.
pub(crate) fn secret_header(value: &str) -> Result<HeaderValue, LlmError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| LlmError::UnusableKey)?;
    header.set_sensitive(true);
    Ok(header)
}

/// An open event stream with its deadlines.
pub(crate) struct EventStream {
    response: reqwest::Response,
    decoder: SseDecoder,
    pending: std::collections::VecDeque<SseEvent>,
    idle: Duration,
    deadline: Instant,
}

/// POSTs `body` to `url` and returns the event stream, or what the status says failed.
pub(crate) async fn post_events(
    http: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    body: Vec<u8>,
    timeouts: &Timeouts,
) -> Result<EventStream, LlmError> {
    let deadline = Instant::now() + timeouts.total;
    let request = http
        .post(url)
        .headers(headers)
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .body(body);
    let wait = timeouts
        .response
        .min(deadline.saturating_duration_since(Instant::now()));
    let response = match timeout(wait, request.send()).await {
        Err(_) => return Err(LlmError::Timeout(TimeoutPhase::Response)),
        Ok(Err(e)) => return Err(classify_send_error(&e)),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    if !status.is_success() {
        return Err(status_error(response, timeouts.idle).await);
    }
    Ok(EventStream {
        response,
        decoder: SseDecoder::default(),
        pending: Default::default(),
        idle: timeouts.idle,
        deadline,
    })
}

impl EventStream {
    /// The next event; `None` when the body ended (whether the reply was complete is
    /// for the protocol to say).
    pub(crate) async fn next(&mut self) -> Result<Option<SseEvent>, LlmError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            let now = Instant::now();
            if now >= self.deadline {
                return Err(LlmError::Timeout(TimeoutPhase::Total));
            }
            let left = self.deadline - now;
            let (wait, phase) = if self.idle < left {
                (self.idle, TimeoutPhase::Idle)
            } else {
                (left, TimeoutPhase::Total)
            };
            let chunk = match timeout(wait, self.response.chunk()).await {
                Err(_) => return Err(LlmError::Timeout(phase)),
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "provider stream broke");
                    return Err(if e.is_timeout() {
                        LlmError::Timeout(phase)
                    } else {
                        LlmError::StreamCut
                    });
                }
                Ok(Ok(None)) => return Ok(None),
                Ok(Ok(Some(chunk))) => chunk,
            };
            let events = self.decoder.push(&chunk).map_err(LlmError::Protocol)?;
            self.pending.extend(events);
        }
    }
}

fn classify_send_error(e: &reqwest::Error) -> LlmError {
    tracing::debug!(error = %e, "provider request failed");
    if e.is_timeout() {
        LlmError::Timeout(TimeoutPhase::Response)
    } else if e.is_connect() || e.is_builder() || (e.is_request() && !e.is_body()) {
        LlmError::Unreachable
    } else {
        LlmError::StreamCut
    }
}

/// Maps a non-2xx response; the body is read (bounded) only for the error type and
/// `Retry-After`, and never kept.
async fn status_error(mut response: reqwest::Response, idle: Duration) -> LlmError {
    let status = response.status().as_u16();
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let kind = serde_json::from_slice(&body)
        .ok()
        .as_ref()
        .and_then(error_kind);
    match status {
        401 | 403 => LlmError::Unauthorized { status },
        429 => LlmError::RateLimited { retry_after_secs },
        500..=599 => LlmError::Server { status },
        _ => LlmError::Rejected { status, kind },
    }
}
