//! How the Mafold dialect shows errors: HTTP status = `error_code`, body
//! `{"ok":false,"error_code":N,"description":"<error name with spaces>: <detail>"}`
//! (names: `invalid argument` 400, `unauthenticated` 401, `permission denied` 403,
//! `not found` 404, `already exists` 409, `internal` 500; coffer adds `method not
//! allowed` 405, `conflict` 409, `payload too large` 413 and `unavailable` 503).
//! [`CoreError`] is rendered by one exhaustive match; internal details are logged here,
//! once, with an error id, and never sent. No description ever carries a submitted value.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_core::error::{AccountAuthFailure, Denied, Existing, Invalid, Missing};
use serde_json::json;

#[derive(Debug)]
pub enum MafoldError {
    Core(CoreError),
    /// The request does not decode: what is wrong, naming the field (never its value).
    BadRequest(String),
    PayloadTooLarge,
    MethodNotAllowed,
}

impl From<CoreError> for MafoldError {
    fn from(e: CoreError) -> Self {
        MafoldError::Core(e)
    }
}

impl IntoResponse for MafoldError {
    fn into_response(self) -> Response {
        let (status, name, detail) = match self {
            MafoldError::Core(e) => render_core(e),
            MafoldError::BadRequest(detail) => {
                (StatusCode::BAD_REQUEST, "invalid argument", detail)
            }
            MafoldError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload too large",
                "the request body is over the limit".to_owned(),
            ),
            MafoldError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed",
                "methods are called with POST".to_owned(),
            ),
        };
        envelope(status, name, &detail)
    }
}

/// The failure envelope.
pub fn envelope(status: StatusCode, name: &str, detail: &str) -> Response {
    let body = json!({
        "ok": false,
        "error_code": status.as_u16(),
        "description": format!("{name}: {detail}"),
    });
    (status, axum::Json(body)).into_response()
}

fn render_core(e: CoreError) -> (StatusCode, &'static str, String) {
    use StatusCode as S;
    let bad = |detail: &str| (S::BAD_REQUEST, "invalid argument", detail.to_owned());
    match e {
        CoreError::InvalidInput(invalid) => bad(invalid_detail(invalid)),
        CoreError::InvalidSecretName => bad("invalid secret name"),
        CoreError::EmptySecretValue => bad("empty secret value"),
        CoreError::InvalidSettings => bad("invalid settings"),
        CoreError::EmptyUpdate => bad("empty update"),
        CoreError::InvalidWorkspace(detail) => bad(detail),
        CoreError::InvalidConversation(_) => bad("invalid conversation"),
        CoreError::AmbiguousTokenPrefix => bad("ambiguous token prefix"),
        CoreError::AccountAuth(failure) => (
            S::UNAUTHORIZED,
            "unauthenticated",
            auth_detail(failure).to_owned(),
        ),
        CoreError::Unauthenticated(_) => (
            S::UNAUTHORIZED,
            "unauthenticated",
            "invalid token".to_owned(),
        ),
        CoreError::MemoryDenied(_) => (
            S::FORBIDDEN,
            "permission denied",
            "memory write denied".to_owned(),
        ),
        CoreError::Denied(denied) => (
            S::FORBIDDEN,
            "permission denied",
            denied_detail(denied).to_owned(),
        ),
        CoreError::NotFound(missing) => (
            S::NOT_FOUND,
            "not found",
            missing_detail(&missing).to_owned(),
        ),
        CoreError::AlreadyExists(Existing::Account) => {
            (S::CONFLICT, "already exists", "account".to_owned())
        }
        CoreError::Conflict => (
            S::CONFLICT,
            "conflict",
            "changed concurrently; retry".to_owned(),
        ),
        CoreError::WorkspaceState { .. } | CoreError::ConversationRunning => (
            S::CONFLICT,
            "conflict",
            "not possible in the current state".to_owned(),
        ),
        CoreError::Unavailable | CoreError::AgentUnavailable => (
            S::SERVICE_UNAVAILABLE,
            "unavailable",
            "try again later".to_owned(),
        ),
        CoreError::Unreadable(_) | CoreError::PartialBundle(_) => {
            internal("stored data cannot be read")
        }
        CoreError::Internal(e) => internal(&format!("{e:#}")),
    }
}

/// Logs the cause with an id; the client gets only the id.
fn internal(cause: &str) -> (StatusCode, &'static str, String) {
    let error_id = hex::encode(rand::random::<[u8; 8]>());
    tracing::error!(error.id = %error_id, error = %cause, "internal error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("error id {error_id}"),
    )
}

fn invalid_detail(invalid: Invalid) -> &'static str {
    match invalid {
        Invalid::UnknownProvider => "unknown provider (use claude or deepseek)",
        Invalid::EmptyApiKey => "api_key is empty",
        Invalid::InvalidApiKey => "api_key must be printable ASCII, at most 4096 bytes",
        Invalid::InvalidUsername => {
            "invalid username (1-32 of a-z, 0-9, _ and -, starting with a letter or digit)"
        }
        Invalid::InvalidDisplayName => {
            "invalid display name (1-64 characters, no control characters)"
        }
        Invalid::TooFewParticipants => "a conversation needs at least two participants",
        Invalid::TooManyParticipants => "a conversation has at most 100 participants",
        Invalid::NotAGroup => "the conversation is not a group",
        Invalid::NotAnAgent => "agent_username is not an agent",
        Invalid::EmptyText => "text is empty",
        Invalid::TextTooLong => "text is longer than 16000 characters",
        Invalid::NulInText => "text contains a NUL character",
        Invalid::TitleTooLong => "title is longer than 200 characters",
        Invalid::InvalidClientMsgId => {
            "client_msg_id must be 1-128 bytes without control characters"
        }
        Invalid::InvalidLimit => "limit must be between 1 and 200",
    }
}

fn auth_detail(failure: AccountAuthFailure) -> &'static str {
    match failure {
        AccountAuthFailure::MissingToken => "missing bearer token",
        AccountAuthFailure::InvalidToken => "invalid token",
    }
}

fn denied_detail(denied: Denied) -> &'static str {
    match denied {
        Denied::NotAParticipant => "not a participant",
        Denied::NotTheOwner => "not the owner of the agent",
        Denied::AgentSignIn => "agents cannot sign in",
        Denied::SignInDisabled => {
            "signIn is available in dev mode only (COFFER_DEV=1); use a token from `coffer account token`"
        }
    }
}

fn missing_detail(missing: &Missing) -> &'static str {
    match missing {
        Missing::Account => "account",
        Missing::Agent => "agent",
        Missing::Conversation => "conversation",
        Missing::Message => "message",
        Missing::Secret => "secret",
        Missing::LlmProfile(_) | Missing::AgentProfile(_) | Missing::MetaProfile(_) => "profile",
        Missing::Workspace => "workspace",
        Missing::OrgToken => "token",
        Missing::Memory => "memory",
        Missing::MemoryNamespace => "memory namespace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(e: CoreError) -> (u16, String) {
        let (status, name, detail) = render_core(e);
        (status.as_u16(), format!("{name}: {detail}"))
    }

    #[test]
    fn core_errors_have_their_code_and_documented_description() {
        assert_eq!(
            shown(CoreError::NotFound(Missing::Conversation)),
            (404, "not found: conversation".into())
        );
        assert_eq!(
            shown(CoreError::Denied(Denied::NotAParticipant)),
            (403, "permission denied: not a participant".into())
        );
        assert_eq!(
            shown(CoreError::InvalidInput(Invalid::EmptyApiKey)),
            (400, "invalid argument: api_key is empty".into())
        );
        assert_eq!(
            shown(CoreError::AccountAuth(AccountAuthFailure::MissingToken)),
            (401, "unauthenticated: missing bearer token".into())
        );
        assert_eq!(shown(CoreError::AlreadyExists(Existing::Account)).0, 409);
        assert_eq!(shown(CoreError::Unavailable).0, 503);
        let (status, text) = shown(CoreError::Internal(anyhow::anyhow!("key sk-live-123")));
        assert_eq!(status, 500);
        assert!(
            text.starts_with("internal: error id ") && !text.contains("sk-live"),
            "{text}"
        );
    }
}
