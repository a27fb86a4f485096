//! A workspace's KV memory (spec §6), all under WorkspaceAuth: list, get, set (with TTL
//! and `if_match_version`), delete. Values are any JSON and come back as sent.
//! Body rules: not a JSON object, or a field of the wrong type → 400 `invalid request
//! body`; a missing or empty `key` → 400 `key is required`; a missing `value` → 400
//! `value is required` (the original answers 500 there).

use axum::Json;
use axum::Router;
use axum::extract::{RawPathParams, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use coffer_core::domain::{MemoryEntry, MemoryWrite};
use coffer_core::ops::MemorySet;
use serde_json::{Map, Value, json};

use super::auth::WorkspaceAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::{path, wire};
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces/{id}/memory", get(list).post(set))
        .route("/workspaces/{id}/memory/{key}", get(get_one).delete(remove))
}

/// An entry: `{key, value, version, expires_at?, updated_at}`.
fn entry(e: &MemoryEntry) -> Value {
    let mut map = Map::new();
    map.insert("key".into(), json!(e.key));
    map.insert(
        "value".into(),
        serde_json::from_str(&e.value).unwrap_or(Value::Null),
    );
    map.insert("version".into(), json!(e.version));
    if let Some(at) = e.expires_at_ms {
        map.insert("expires_at".into(), json!(wire::timestamp(at)));
    }
    map.insert("updated_at".into(), json!(wire::timestamp(e.updated_at_ms)));
    Value::Object(map)
}

async fn list(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Json<Value>, MoleculeError> {
    let entries = state
        .core
        .list_memory(auth.id()?)
        .await
        .or_say("query failed")?;
    Ok(Json(entries.iter().map(entry).collect()))
}

async fn get_one(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    params: RawPathParams,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let key = path::key(&params).unwrap_or_default();
    match state
        .core
        .get_memory(id, &key)
        .await
        .or_say("query failed")?
    {
        Some(e) => Ok(Json(entry(&e)).into_response()),
        None => Ok(not_found("key not found")),
    }
}

async fn set(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Body(body): Body<Value>,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let Value::Object(mut body) = body else {
        return Err(MoleculeError::InvalidBody);
    };
    let key = match body.remove("key") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(key)) => key,
        Some(_) => return Err(MoleculeError::InvalidBody),
    };
    if key.is_empty() {
        return Ok(bad_request("key is required"));
    }
    let Some(value) = body.remove("value") else {
        return Ok(bad_request("value is required"));
    };
    let set = MemorySet {
        key: key.clone(),
        value: value.to_string(),
        ttl_seconds: optional_int(body.remove("ttl_seconds"))?,
        if_match_version: optional_int(body.remove("if_match_version"))?,
    };
    let expected = set.if_match_version;
    let write = state
        .core
        .set_memory(&auth.principal, id, set)
        .await
        .or_say("failed to set memory")?;
    Ok(match (write, expected) {
        (MemoryWrite::Saved(version), _) => {
            Json(json!({"status": "ok", "key": key, "version": version})).into_response()
        }
        (MemoryWrite::Mismatch { current: None }, expected) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": "if_match_version mismatch: key does not exist",
                "expected_version": expected,
                "current_version": null,
            })),
        )
            .into_response(),
        (MemoryWrite::Mismatch { current }, expected) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": "if_match_version mismatch",
                "expected_version": expected,
                "current_version": current,
            })),
        )
            .into_response(),
    })
}

async fn remove(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    params: RawPathParams,
) -> Result<Json<Value>, MoleculeError> {
    let id = auth.id()?;
    let key = path::key(&params).unwrap_or_default();
    state
        .core
        .delete_memory(&auth.principal, id, &key)
        .await
        .or_say("failed to delete")?;
    Ok(Json(json!({"status": "deleted"})))
}

/// An optional integer field: absent or `null` → `None`; anything but an integer → 400.
fn optional_int(v: Option<Value>) -> Result<Option<i64>, MoleculeError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(MoleculeError::InvalidBody),
        Some(_) => Err(MoleculeError::InvalidBody),
    }
}

pub(super) fn not_found(text: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": text }))).into_response()
}

fn bad_request(text: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": text }))).into_response()
}
