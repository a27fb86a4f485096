//! Workspace lifecycle (designed for coffer in the spec's style; see
//! `docs/dialects/molecule.md`): create, list, get, pause, resume, remove (soft) and
//! rotate a workspace's token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use coffer_core::CoreError;
use coffer_core::domain::NewWorkspace;
use coffer_crypto::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{AdminAuth, WorkspaceAuth};
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::path::PathId;
use super::wire;
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces", get(list).post(create))
        .route("/workspaces/{id}", get(show).delete(remove))
        .route("/workspaces/{id}/pause", post(pause))
        .route("/workspaces/{id}/resume", post(resume))
        .route("/workspaces/{id}/token", post(rotate_token))
}

#[derive(Deserialize)]
struct CreateBody {
    name: String,
    parent_id: Option<String>,
    runtime: Option<String>,
    command: Option<String>,
}

/// `POST /workspaces` → 201 `{"workspace": {...}, "auth_token": "<shown once>"}`.
async fn create(
    State(state): State<AppState>,
    admin: AdminAuth,
    Body(body): Body<CreateBody>,
) -> Result<(StatusCode, Json<Value>), MoleculeError> {
    let new = NewWorkspace::parse(
        &body.name,
        body.parent_id.as_deref(),
        body.runtime.as_deref(),
        body.command.as_deref(),
    )
    .map_err(CoreError::InvalidWorkspace)?;
    let created = state
        .core
        .create_workspace(&admin.principal, new)
        .await
        .or_say("failed to create workspace")?;
    let body = json!({
        "workspace": wire::workspace(&created.workspace),
        "auth_token": created.token.expose_secret(),
    });
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /workspaces` → 200, every workspace but removed ones, oldest first.
async fn list(State(state): State<AppState>, _: AdminAuth) -> Result<Json<Value>, MoleculeError> {
    let all = state
        .core
        .list_workspaces(false)
        .await
        .or_say("query failed")?;
    Ok(Json(all.iter().map(wire::workspace).collect()))
}

async fn show(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Json<Value>, MoleculeError> {
    let workspace = state
        .core
        .workspace(auth.id()?)
        .await
        .or_say("query failed")?;
    Ok(Json(wire::workspace(&workspace)))
}

async fn pause(
    State(state): State<AppState>,
    admin: AdminAuth,
    PathId(id): PathId,
) -> Result<Json<Value>, MoleculeError> {
    let workspace = state
        .core
        .pause_workspace(&admin.principal, id)
        .await
        .or_say("failed to pause workspace")?;
    Ok(Json(wire::workspace(&workspace)))
}

async fn resume(
    State(state): State<AppState>,
    admin: AdminAuth,
    PathId(id): PathId,
) -> Result<Json<Value>, MoleculeError> {
    let workspace = state
        .core
        .resume_workspace(&admin.principal, id)
        .await
        .or_say("failed to resume workspace")?;
    Ok(Json(wire::workspace(&workspace)))
}

/// `DELETE /workspaces/:id` → 200 with the workspace, now `removed`.
async fn remove(
    State(state): State<AppState>,
    admin: AdminAuth,
    PathId(id): PathId,
) -> Result<Json<Value>, MoleculeError> {
    let workspace = state
        .core
        .remove_workspace(&admin.principal, id)
        .await
        .or_say("failed to remove workspace")?;
    Ok(Json(wire::workspace(&workspace)))
}

/// `POST /workspaces/:id/token` → 201 `{"workspace_id","auth_token","prefix"}`; every
/// earlier token of the workspace stops working.
async fn rotate_token(
    State(state): State<AppState>,
    admin: AdminAuth,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<Value>), MoleculeError> {
    let (token, prefix) = state
        .core
        .rotate_workspace_token(&admin.principal, id)
        .await
        .or_say("failed to rotate token")?;
    let body = json!({
        "workspace_id": id.to_string(),
        "auth_token": token.expose_secret(),
        "prefix": prefix,
    });
    Ok((StatusCode::CREATED, Json(body)))
}
