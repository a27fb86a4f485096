//! A workspace's secrets (spec §4): list (own, then unshadowed globals; never values),
//! set, delete, and the plaintext env bundle `GET /workspaces/:id/secrets/values`.
//! Keys follow coffer's secret-name rule (`^[A-Za-z][A-Za-z0-9_]{0,63}$`): a key that
//! breaks it is 400 `invalid request body` on a write and 404 `secret not found` on a
//! delete (no such secret can exist).

use axum::Json;
use axum::Router;
use axum::extract::{RawPathParams, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use coffer_core::CoreError;
use coffer_core::domain::SecretName;
use coffer_core::error::Missing;
use coffer_crypto::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::WorkspaceAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::{path, wire};
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces/{id}/secrets", get(list).post(set).put(set))
        // `values` is also a key a client may delete, as with the original's router.
        .route(
            "/workspaces/{id}/secrets/values",
            get(values).delete(delete_named_values),
        )
        .route("/workspaces/{id}/secrets/{key}", delete(remove))
}

/// `{"key", "value"}`, both required strings (emptiness is the core's to refuse).
#[derive(Deserialize)]
pub struct SecretBody {
    pub key: String,
    pub value: String,
}

impl SecretBody {
    pub fn into_parts(self) -> Result<(SecretName, SecretString), MoleculeError> {
        let name = SecretName::parse(&self.key).ok_or(MoleculeError::InvalidBody)?;
        Ok((name, SecretString::from(self.value)))
    }
}

/// A path key as a secret name; one that breaks the rule names no secret (404).
pub fn path_name(key: Option<String>) -> Result<SecretName, MoleculeError> {
    key.as_deref()
        .and_then(SecretName::parse)
        .ok_or_else(|| CoreError::NotFound(Missing::Secret).into())
}

async fn list(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Json<Value>, MoleculeError> {
    let secrets = state
        .core
        .list_workspace_secrets(auth.id()?)
        .await
        .or_say("query failed")?;
    Ok(Json(secrets.iter().map(wire::listed_secret).collect()))
}

async fn set(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Body(body): Body<SecretBody>,
) -> Result<Json<Value>, MoleculeError> {
    let id = auth.id()?;
    let (name, value) = body.into_parts()?;
    state
        .core
        .put_workspace_secret(&auth.principal, id, &name, value)
        .await
        .or_say("failed to save secret")?;
    Ok(Json(json!({"status": "saved", "key": name.as_str()})))
}

async fn remove(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    params: RawPathParams,
) -> Result<Json<Value>, MoleculeError> {
    delete_key(&state, &auth, path::key(&params)).await
}

async fn delete_named_values(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Json<Value>, MoleculeError> {
    delete_key(&state, &auth, Some("values".to_owned())).await
}

async fn delete_key(
    state: &AppState,
    auth: &WorkspaceAuth,
    key: Option<String>,
) -> Result<Json<Value>, MoleculeError> {
    let id = auth.id()?;
    let name = path_name(key)?;
    state
        .core
        .delete_workspace_secret(&auth.principal, id, &name)
        .await
        .or_say("failed to delete secret")?;
    Ok(Json(json!({"status": "deleted", "key": name.as_str()})))
}

/// The merged bundle `{"KEY": "value"}` (globals, then the workspace's overrides), for
/// the workspace's own token only; never cached.
async fn values(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<impl IntoResponse, MoleculeError> {
    let bundle = state
        .core
        .secret_bundle_for(&auth.principal, auth.id()?)
        .await
        .or_say("query failed")?;
    let map: Map<String, Value> = bundle
        .into_iter()
        .map(|(name, value)| (name, Value::String(value.expose_secret().to_owned())))
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(Value::Object(map)),
    ))
}
