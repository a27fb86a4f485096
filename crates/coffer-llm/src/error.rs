//! Why a call failed. Messages say what failed; they never carry a key or a body.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// No response (status line and headers) in time.
    Response,
    /// The stream went silent for longer than the idle timeout.
    Idle,
    /// The whole reply took longer than the total timeout.
    Total,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Response => "waiting for the response",
            TimeoutPhase::Idle => "while the stream was silent",
            TimeoutPhase::Total => "before the reply was complete",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// HTTP 401/403, or an authentication error in the stream.
    #[error("the provider refused the API key (HTTP {status})")]
    Unauthorized { status: u16 },
    #[error("rate limited (HTTP 429)")]
    RateLimited { retry_after_secs: Option<u64> },
    /// HTTP 5xx (Anthropic's 529 "overloaded" included), or a server error in the stream.
    #[error("provider error (HTTP {status})")]
    Server { status: u16 },
    /// Another 4xx; `kind` is the provider's short error type (`invalid_request_error`).
    #[error("request rejected (HTTP {status})")]
    Rejected { status: u16, kind: Option<String> },
    #[error("timed out {0}")]
    Timeout(TimeoutPhase),
    /// The connection or body ended before the provider's end-of-reply marker.
    #[error("the stream ended before the reply was complete")]
    StreamCut,
    /// DNS, connection refused, TLS: nothing was answered.
    #[error("the provider could not be reached")]
    Unreachable,
    /// Something that is not the provider's protocol (what, never the content).
    #[error("unexpected response: {0}")]
    Protocol(&'static str),
    /// The key has characters a header cannot carry.
    #[error("the API key cannot be sent in an HTTP header")]
    UnusableKey,
    /// Whoever reads the stream went away.
    #[error("the reply was abandoned")]
    Cancelled,
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A provider's error `type` (`overloaded_error`, `invalid_request_error`, …) in a form
/// safe to show: lowercase letters, digits and `_`, at most 40 of them.
pub(crate) fn error_kind(body: &serde_json::Value) -> Option<String> {
    let kind = body.pointer("/error/type").and_then(|v| v.as_str())?;
    let ok = !kind.is_empty()
        && kind.len() <= 40
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then(|| kind.to_owned())
}

/// An error event inside a stream (both APIs put `{"error":{"type":…}}` there).
pub(crate) fn stream_error(body: &serde_json::Value) -> LlmError {
    match error_kind(body).as_deref() {
        Some("authentication_error" | "permission_error" | "invalid_api_key") => {
            LlmError::Unauthorized { status: 401 }
        }
        Some("rate_limit_error" | "rate_limit_exceeded") => LlmError::RateLimited {
            retry_after_secs: None,
        },
        Some("overloaded_error") => LlmError::Server { status: 529 },
        Some("api_error" | "server_error") | None => LlmError::Server { status: 500 },
        Some(kind) => LlmError::Rejected {
            status: 400,
            kind: Some(kind.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_short_identifier_like_error_types_are_kept() {
        assert_eq!(
            error_kind(&json!({"error": {"type": "invalid_request_error"}})),
            Some("invalid_request_error".into())
        );
        for bad in [
            json!({"error": {"type": "Bad Type"}}),
            json!({"error": {"type": "x".repeat(41)}}),
            json!({"error": "flat"}),
            json!({}),
        ] {
            assert_eq!(error_kind(&bad), None, "{bad}");
        }
    }

    #[test]
    fn stream_errors_map_to_what_failed() {
        let of = |kind: &str| {
            stream_error(&json!({"type": "error", "error": {"type": kind, "message": "sk-secret"}}))
        };
        assert_eq!(of("overloaded_error"), LlmError::Server { status: 529 });
        assert_eq!(
            of("authentication_error"),
            LlmError::Unauthorized { status: 401 }
        );
        assert_eq!(
            of("rate_limit_error"),
            LlmError::RateLimited {
                retry_after_secs: None
            }
        );
        assert_eq!(
            of("invalid_request_error"),
            LlmError::Rejected {
                status: 400,
                kind: Some("invalid_request_error".into())
            }
        );
        assert!(!format!("{:?}", of("api_error")).contains("sk-secret"));
    }
}
