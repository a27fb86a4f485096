//! The Molecule "Memory & Secrets API" dialect: workspaces (with a lifecycle designed
//! for coffer), their secrets layered over the global ones, the model setting, and a
//! stream of restart and status events, KV memory, workflow checkpoints, and agent
//! memories (v1 and our v2 namespaces). Wire contract: `shared/spec/molecule.md` §1–11;
//! deliberate differences are listed in `docs/dialects/molecule.md`.
//!
//! One file per resource, each with its `routes()`; this router merges them. To add a
//! resource (KV memory, checkpoints…): a new file with handlers taking [`auth::
//! WorkspaceAuth`] or [`auth::AdminAuth`] first, and one more `.merge(...)` below.
//! Errors are `{"error": ...}` ([`error::MoleculeError`]); a wrong method is 405
//! `{"error":"method not allowed"}`.

mod agent_memories;
pub mod auth;
pub mod body;
mod checkpoints;
pub mod error;
mod events;
mod global_secrets;
mod memory;
mod memory_namespaces;
mod model;
pub mod path;
mod query;
mod secrets;
mod wire;
mod workspaces;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
pub use error::MoleculeError;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(workspaces::routes())
        .merge(secrets::routes())
        .merge(model::routes())
        .merge(events::routes())
        .merge(global_secrets::routes())
        .merge(memory::routes())
        .merge(checkpoints::routes())
        .merge(agent_memories::routes())
        .merge(memory_namespaces::routes())
        .layer(middleware::map_response(json_method_not_allowed))
        .with_state(state)
}

/// axum answers a wrong method with an empty 405; this dialect's errors are JSON.
async fn json_method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    let mut answer = MoleculeError::MethodNotAllowed.into_response();
    if let Some(allow) = allow {
        answer
            .headers_mut()
            .insert(axum::http::header::ALLOW, allow);
    }
    answer
}
