//! How the Molecule dialect shows errors: always `{"error": "<message>"}` (plus `code`
//! for 503, `failed_keys` for a refused bundle), with the exact strings of spec §2/§4.
//! [`CoreError`] is rendered by one exhaustive match. A 500's message is the route's own
//! (`query failed`, `failed to save secret`, …; see [`OrSay`]); its detail is logged
//! here, once, with an error id, and never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_core::domain::WorkspaceStatus;
use coffer_core::error::{AuthFailure, MemoryDenial, Missing, WorkspaceAction};
use serde_json::{Value, json};

pub const INVALID_REQUEST_BODY: &str = "invalid request body";
const PARTIAL_BUNDLE: &str =
    "one or more secrets failed to decrypt; refusing to return partial bundle";
const UNAVAILABLE: &str = "platform datastore unavailable — retry shortly";

#[derive(Debug)]
pub enum MoleculeError {
    /// A core error; `internal` is what this route says for a 500.
    Core {
        error: CoreError,
        internal: &'static str,
    },
    /// The `:id` is not a lowercase UUID.
    InvalidWorkspaceId,
    /// A body that is not JSON, not an object, or misses or mistypes a field.
    InvalidBody,
    PayloadTooLarge,
    MethodNotAllowed,
}

impl From<CoreError> for MoleculeError {
    fn from(error: CoreError) -> Self {
        MoleculeError::Core {
            error,
            internal: "internal error",
        }
    }
}

/// `result.or_say("failed to save secret")?`: a core error, with the route's 500 text.
pub trait OrSay<T> {
    fn or_say(self, internal: &'static str) -> Result<T, MoleculeError>;
}

impl<T> OrSay<T> for Result<T, CoreError> {
    fn or_say(self, internal: &'static str) -> Result<T, MoleculeError> {
        self.map_err(|error| MoleculeError::Core { error, internal })
    }
}

impl IntoResponse for MoleculeError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            MoleculeError::Core { error, internal } => render_core(error, internal),
            MoleculeError::InvalidWorkspaceId => {
                error(StatusCode::BAD_REQUEST, "invalid workspace ID")
            }
            MoleculeError::InvalidBody => error(StatusCode::BAD_REQUEST, INVALID_REQUEST_BODY),
            MoleculeError::PayloadTooLarge => {
                error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
            }
            MoleculeError::MethodNotAllowed => {
                error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
            }
        };
        (status, Json(body)).into_response()
    }
}

fn render_core(e: CoreError, internal: &'static str) -> (StatusCode, Value) {
    match e {
        CoreError::InvalidSecretName
        | CoreError::EmptySecretValue
        | CoreError::InvalidSettings
        | CoreError::EmptyUpdate
        | CoreError::InvalidInput(_) => error(StatusCode::BAD_REQUEST, INVALID_REQUEST_BODY),
        CoreError::InvalidWorkspace(text) => error(StatusCode::BAD_REQUEST, text),
        CoreError::InvalidConversation(_) => error(StatusCode::BAD_REQUEST, INVALID_REQUEST_BODY),
        CoreError::NotFound(missing) => error(StatusCode::NOT_FOUND, not_found(&missing)),
        CoreError::Unreadable(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "failed to decrypt"),
        CoreError::PartialBundle(failed_keys) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": PARTIAL_BUNDLE, "failed_keys": failed_keys}),
        ),
        CoreError::Conflict => error(StatusCode::CONFLICT, "concurrent update; retry"),
        CoreError::WorkspaceState { status, action } => {
            error(StatusCode::CONFLICT, &workspace_state(status, action))
        }
        CoreError::AmbiguousTokenPrefix => {
            error(StatusCode::CONFLICT, "token prefix matches several tokens")
        }
        CoreError::AlreadyExists(_) | CoreError::ConversationRunning => {
            error(StatusCode::CONFLICT, "conflict")
        }
        CoreError::Unauthenticated(failure) => error(StatusCode::UNAUTHORIZED, auth(failure)),
        // Mafold's account tokens mean nothing here.
        CoreError::AccountAuth(_) => {
            error(StatusCode::UNAUTHORIZED, "invalid workspace auth token")
        }
        CoreError::Denied(_) => error(StatusCode::FORBIDDEN, "workspace access denied"),
        CoreError::MemoryDenied(denial) => error(StatusCode::FORBIDDEN, memory_denied(denial)),
        CoreError::Unavailable | CoreError::AgentUnavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": UNAVAILABLE, "code": "platform_unavailable"}),
        ),
        CoreError::Internal(e) => {
            let error_id = hex::encode(rand::random::<[u8; 16]>());
            tracing::error!(error.id = %error_id, error = %format!("{e:#}"), "internal error");
            error(StatusCode::INTERNAL_SERVER_ERROR, internal)
        }
    }
}

fn auth(failure: AuthFailure) -> &'static str {
    match failure {
        AuthFailure::MissingWorkspaceId => "missing workspace ID",
        AuthFailure::MissingWorkspaceToken => "missing workspace auth token",
        AuthFailure::InvalidWorkspaceToken => "invalid workspace auth token",
        AuthFailure::AdminAuthRequired => "admin auth required",
        AuthFailure::InvalidAdminToken => "invalid admin auth token",
    }
}

fn not_found(missing: &Missing) -> &'static str {
    match missing {
        Missing::Secret => "secret not found",
        Missing::Workspace => "workspace not found",
        Missing::OrgToken => "org token not found",
        Missing::Memory => "memory not found or not owned by this workspace",
        Missing::MemoryNamespace => "namespace not found",
        Missing::LlmProfile(_)
        | Missing::AgentProfile(_)
        | Missing::MetaProfile(_)
        | Missing::Account
        | Missing::Agent
        | Missing::Conversation
        | Missing::Message => "not found",
    }
}

fn memory_denied(denial: MemoryDenial) -> &'static str {
    match denial {
        MemoryDenial::GlobalFromChild => "only root workspaces can write GLOBAL memories",
        MemoryDenial::NamespaceNotWritable => "namespace not writable by this workspace",
    }
}

fn workspace_state(status: WorkspaceStatus, action: WorkspaceAction) -> String {
    match (status, action) {
        (WorkspaceStatus::Removed, _) => "workspace is removed".to_owned(),
        (_, WorkspaceAction::Resume) => "workspace is not paused".to_owned(),
        (status, _) => format!("workspace is {status}"),
    }
}

fn error(status: StatusCode, text: &str) -> (StatusCode, Value) {
    (status, json!({ "error": text }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(e: CoreError) -> (u16, Value) {
        let (status, body) = render_core(e, "query failed");
        (status.as_u16(), body)
    }

    #[test]
    fn core_errors_render_with_the_spec_strings() {
        assert_eq!(
            render(CoreError::InvalidSecretName),
            (400, json!({"error": "invalid request body"}))
        );
        assert_eq!(
            render(CoreError::NotFound(Missing::Secret)),
            (404, json!({"error": "secret not found"}))
        );
        assert_eq!(
            render(CoreError::Unavailable),
            (
                503,
                json!({"error": "platform datastore unavailable — retry shortly", "code": "platform_unavailable"})
            )
        );
        assert_eq!(
            render(CoreError::PartialBundle(vec!["global:K".into()])),
            (
                500,
                json!({"error": PARTIAL_BUNDLE, "failed_keys": ["global:K"]})
            )
        );
        for (failure, text) in [
            (AuthFailure::MissingWorkspaceId, "missing workspace ID"),
            (
                AuthFailure::MissingWorkspaceToken,
                "missing workspace auth token",
            ),
            (
                AuthFailure::InvalidWorkspaceToken,
                "invalid workspace auth token",
            ),
            (AuthFailure::AdminAuthRequired, "admin auth required"),
            (AuthFailure::InvalidAdminToken, "invalid admin auth token"),
        ] {
            assert_eq!(
                render(CoreError::Unauthenticated(failure)),
                (401, json!({ "error": text }))
            );
        }
        let state = |status, action| render(CoreError::WorkspaceState { status, action }).1;
        assert_eq!(
            state(WorkspaceStatus::Online, WorkspaceAction::Resume),
            json!({"error": "workspace is not paused"})
        );
        assert_eq!(
            state(WorkspaceStatus::Removed, WorkspaceAction::Pause),
            json!({"error": "workspace is removed"})
        );
    }

    #[test]
    fn a_500_says_the_route_s_words_and_nothing_internal() {
        let (status, body) = render(CoreError::Internal(anyhow::anyhow!("password=hunter2")));
        assert_eq!((status, body), (500, json!({"error": "query failed"})));
    }
}
