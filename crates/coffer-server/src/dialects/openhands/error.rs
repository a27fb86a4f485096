//! How the OpenHands dialect shows errors: `{"detail": <string>}` for HTTP errors,
//! `{"detail": [<items>]}` for request validation (422), and the original's 5xx form
//! `{"detail":"Internal Server Error","exception":"<status>: <detail>"}`.
//! [`CoreError`] is rendered by one exhaustive match; internal details are logged here,
//! once, with an error id, and never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_core::error::{Missing, StoredData};
use serde_json::{Value, json};

pub const INVALID_SECRET_NAME: &str = "Invalid secret name format. Must start with a letter, contain only letters, numbers, and underscores, and be 1-64 characters long.";
const EMPTY_UPDATE: &str = "At least one of agent_settings_diff, conversation_settings_diff, misc_settings_diff, active_profile, active_agent_profile_id, or active_meta_profile must be provided";
const KEY_HINT: &str = "restore that key as OH_SECRET_KEY or add it to OH_PREVIOUS_SECRET_KEYS";

#[derive(Debug)]
pub enum OhError {
    Core(CoreError),
    /// Request validation failures, as FastAPI lists them.
    Validation(Vec<Value>),
    /// `X-Expose-Secrets` with an unknown value (already lowercased).
    BadExposeHeader(String),
    Unauthorized,
    PayloadTooLarge,
    RouteNotFound,
}

impl From<CoreError> for OhError {
    fn from(e: CoreError) -> Self {
        OhError::Core(e)
    }
}

impl IntoResponse for OhError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            OhError::Core(e) => render_core(e),
            OhError::Validation(items) => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({ "detail": items }))
            }
            OhError::BadExposeHeader(value) => detail(
                StatusCode::BAD_REQUEST,
                &format!(
                    "Invalid X-Expose-Secrets header value: '{value}'. Valid values are: 'encrypted', 'plaintext'."
                ),
            ),
            OhError::Unauthorized => detail(StatusCode::UNAUTHORIZED, "Unauthorized"),
            OhError::PayloadTooLarge => {
                detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
            }
            OhError::RouteNotFound => detail(StatusCode::NOT_FOUND, "Not Found"),
        };
        (status, axum::Json(body)).into_response()
    }
}

fn render_core(e: CoreError) -> (StatusCode, Value) {
    match e {
        CoreError::InvalidSecretName => {
            detail(StatusCode::UNPROCESSABLE_ENTITY, INVALID_SECRET_NAME)
        }
        CoreError::EmptySecretValue => detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Secret value must not be empty or redacted",
        ),
        CoreError::InvalidSettings => detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Settings validation failed",
        ),
        CoreError::EmptyUpdate => detail(StatusCode::BAD_REQUEST, EMPTY_UPDATE),
        CoreError::NotFound(missing) => detail(StatusCode::NOT_FOUND, &not_found(missing)),
        CoreError::Unreadable(StoredData::Settings) => detail(
            StatusCode::CONFLICT,
            &format!("Settings file is corrupted or encrypted with a different key: {KEY_HINT}"),
        ),
        CoreError::Unreadable(StoredData::Secrets) => server_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("Secrets file is corrupted or encrypted with a different key: {KEY_HINT}"),
        ),
        CoreError::Conflict => detail(
            StatusCode::CONFLICT,
            "Settings are being changed concurrently; retry the request",
        ),
        CoreError::Unavailable => {
            server_error(StatusCode::SERVICE_UNAVAILABLE, "Storage unavailable")
        }
        // Mafold-only conditions; an OpenHands route never produces them, but if one
        // did, it would read as the matching HTTP error.
        CoreError::AccountAuth(_) => detail(StatusCode::UNAUTHORIZED, "Unauthorized"),
        CoreError::Denied(_) | CoreError::MemoryDenied(_) => {
            detail(StatusCode::FORBIDDEN, "Forbidden")
        }
        CoreError::InvalidInput(_) => detail(StatusCode::BAD_REQUEST, "Invalid request"),
        CoreError::AlreadyExists(_) => detail(StatusCode::CONFLICT, "Already exists"),
        CoreError::InvalidConversation(text) => detail(StatusCode::UNPROCESSABLE_ENTITY, &text),
        CoreError::ConversationRunning => detail(
            StatusCode::CONFLICT,
            "Conversation already running. Wait for completion or pause first.",
        ),
        CoreError::AgentUnavailable => server_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "No agent runtime is configured on this server",
        ),
        // Molecule-only conditions, likewise never produced by an OpenHands route.
        CoreError::Unauthenticated(_) => detail(StatusCode::UNAUTHORIZED, "Unauthorized"),
        CoreError::InvalidWorkspace(text) => detail(StatusCode::BAD_REQUEST, text),
        CoreError::WorkspaceState { status, .. } => {
            detail(StatusCode::CONFLICT, &format!("Workspace is {status}"))
        }
        CoreError::PartialBundle(_) => server_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("Secrets file is corrupted or encrypted with a different key: {KEY_HINT}"),
        ),
        CoreError::AmbiguousTokenPrefix => {
            detail(StatusCode::CONFLICT, "The token prefix is ambiguous")
        }
        CoreError::Internal(e) => {
            let error_id = hex::encode(rand::random::<[u8; 16]>());
            tracing::error!(error.id = %error_id, error = %format!("{e:#}"), "internal error");
            let body = json!({"detail": "Internal Server Error", "exception": "Internal error", "error_id": error_id});
            (StatusCode::INTERNAL_SERVER_ERROR, body)
        }
    }
}

fn not_found(missing: Missing) -> String {
    match missing {
        Missing::Secret => "Secret not found".to_owned(),
        Missing::LlmProfile(name) => format!("Profile '{name}' not found"),
        Missing::AgentProfile(Some(id)) => format!("Agent profile with id '{id}' not found"),
        Missing::AgentProfile(None) => "Agent profile not found".to_owned(),
        Missing::MetaProfile(name) => format!("Meta-profile '{name}' not found"),
        Missing::Account => "Account not found".to_owned(),
        Missing::Agent => "Agent not found".to_owned(),
        // The original answers an unknown conversation with the bare reason phrase.
        Missing::Conversation => "Not Found".to_owned(),
        Missing::Message => "Message not found".to_owned(),
        Missing::Workspace => "Workspace not found".to_owned(),
        Missing::OrgToken => "Org token not found".to_owned(),
        Missing::Memory => "Memory not found".to_owned(),
        Missing::MemoryNamespace => "Memory namespace not found".to_owned(),
    }
}

fn detail(status: StatusCode, text: &str) -> (StatusCode, Value) {
    (status, json!({ "detail": text }))
}

/// The original rewrites 5xx HTTP errors this way, keeping the status.
fn server_error(status: StatusCode, text: &str) -> (StatusCode, Value) {
    let exception = format!("{}: {text}", status.as_u16());
    (
        status,
        json!({"detail": "Internal Server Error", "exception": exception}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(e: CoreError) -> u16 {
        render_core(e).0.as_u16()
    }

    #[test]
    fn every_core_error_has_its_status() {
        assert_eq!(status_of(CoreError::InvalidSecretName), 422);
        assert_eq!(status_of(CoreError::EmptySecretValue), 422);
        assert_eq!(status_of(CoreError::InvalidSettings), 422);
        assert_eq!(status_of(CoreError::EmptyUpdate), 400);
        assert_eq!(status_of(CoreError::NotFound(Missing::Secret)), 404);
        assert_eq!(status_of(CoreError::Unreadable(StoredData::Settings)), 409);
        assert_eq!(status_of(CoreError::Unreadable(StoredData::Secrets)), 500);
        assert_eq!(status_of(CoreError::Conflict), 409);
        assert_eq!(status_of(CoreError::Unavailable), 503);
        assert_eq!(
            status_of(CoreError::AccountAuth(
                coffer_core::error::AccountAuthFailure::MissingToken
            )),
            401
        );
        assert_eq!(
            status_of(CoreError::Denied(coffer_core::error::Denied::NotTheOwner)),
            403
        );
        assert_eq!(
            status_of(CoreError::InvalidInput(
                coffer_core::error::Invalid::EmptyApiKey
            )),
            400
        );
        assert_eq!(
            status_of(CoreError::AlreadyExists(
                coffer_core::error::Existing::Account
            )),
            409
        );
        assert_eq!(status_of(CoreError::NotFound(Missing::Conversation)), 404);
        assert_eq!(
            render_core(CoreError::NotFound(Missing::Conversation)).1,
            json!({"detail": "Not Found"})
        );
        assert_eq!(status_of(CoreError::InvalidConversation("x".into())), 422);
        assert_eq!(status_of(CoreError::ConversationRunning), 409);
        assert_eq!(status_of(CoreError::AgentUnavailable), 503);
        let (status, body) =
            render_core(CoreError::Internal(anyhow::anyhow!("db password=hunter2")));
        assert_eq!(status.as_u16(), 500);
        assert!(!body.to_string().contains("hunter2"));
    }
}
