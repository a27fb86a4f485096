//! Global secrets (spec §4) — the same `global` scope the OpenHands dialect reads and
//! writes — under AdminAuth: `GET/PUT/POST /settings/secrets`,
//! `DELETE /settings/secrets/:key`, and the legacy aliases `GET/POST /admin/secrets`,
//! `DELETE /admin/secrets/:key` (there is no `PUT /admin/secrets`). A change restarts
//! every workspace that inherits the key (see `coffer_core::ops::restarts`).

use axum::extract::{RawPathParams, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::AdminAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::secrets::{SecretBody, path_name};
use super::{path, wire};
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/secrets", get(list).put(set).post(set))
        .route("/settings/secrets/{key}", delete(remove))
        .route("/admin/secrets", get(list).post(set))
        .route("/admin/secrets/{key}", delete(remove))
}

async fn list(State(state): State<AppState>, _: AdminAuth) -> Result<Json<Value>, MoleculeError> {
    let secrets = state
        .core
        .list_global_secrets()
        .await
        .or_say("query failed")?;
    Ok(Json(secrets.iter().map(wire::global_secret).collect()))
}

async fn set(
    State(state): State<AppState>,
    admin: AdminAuth,
    Body(body): Body<SecretBody>,
) -> Result<Json<Value>, MoleculeError> {
    let (name, value) = body.into_parts()?;
    state
        .core
        .put_global_secret(&admin.principal, &name, value)
        .await
        .or_say("failed to save secret")?;
    Ok(Json(
        json!({"status": "saved", "key": name.as_str(), "scope": "global"}),
    ))
}

async fn remove(
    State(state): State<AppState>,
    admin: AdminAuth,
    params: RawPathParams,
) -> Result<Json<Value>, MoleculeError> {
    let name = path_name(path::key(&params))?;
    state
        .core
        .delete_secret(&admin.principal, &coffer_core::domain::Scope::Global, &name)
        .await
        .or_say("failed to delete secret")?;
    Ok(Json(
        json!({"status": "deleted", "key": name.as_str(), "scope": "global"}),
    ))
}
