//! Agent memories, v1 (spec §7), all under WorkspaceAuth: commit, search, delete. The
//! rules (visibility along the org tree, the GLOBAL-from-a-root rule, redaction, the
//! GLOBAL marker, the limit, how `q` is matched) are the core's
//! (`Core::commit_memory`, `Core::search_memories`); this file only reads and writes
//! the wire.
//!
//! - `POST /workspaces/:id/memories` `{content, scope, namespace?}`: not an object, a
//!   field of the wrong type, or a missing or empty `content` or `scope` → 400 `invalid
//!   request body` (gin's `binding:"required"`); a scope other than `LOCAL`, `TEAM`,
//!   `GLOBAL` → 400 `scope must be LOCAL, TEAM, or GLOBAL`; → 201
//!   `{id, scope, namespace}`.
//! - `GET /workspaces/:id/memories?scope=&q=&namespace=&limit=&mode=`: the query string
//!   is read leniently ([`QueryString`]). A `scope` that is not one of the three reads as
//!   no scope (the caller's own rows), as the original's `switch … default:` does.
//!   `limit` is read as `fmt.Sscanf("%d")` reads it; garbage is no limit (50). `mode`
//!   (ours): `semantic` (default), `fulltext` or `hybrid`, else 400.
//! - `DELETE /workspaces/:id/memories/:memoryId` → 200 `{status: deleted}`, or 404.

use axum::Json;
use axum::Router;
use axum::extract::{RawPathParams, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use coffer_core::domain::MemoryScope;
use coffer_core::ops::{FoundMemory, MemoryDraft, MemoryQuery, SearchMode};
use serde_json::{Map, Value, json};

use super::auth::WorkspaceAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::query::{QueryString, scan_int};
use super::wire;
use crate::app::AppState;

pub const BAD_SCOPE: &str = "scope must be LOCAL, TEAM, or GLOBAL";
pub const BAD_MODE: &str = "mode must be semantic, fulltext, or hybrid";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces/{id}/memories", get(search).post(commit))
        .route("/workspaces/{id}/memories/{memoryId}", delete(remove))
}

async fn commit(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Body(body): Body<Value>,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let mut body = object(body)?;
    let content = string_field(&mut body, "content")?.ok_or(MoleculeError::InvalidBody)?;
    let scope = string_field(&mut body, "scope")?.ok_or(MoleculeError::InvalidBody)?;
    let namespace = string_field(&mut body, "namespace")?;
    let Some(scope) = MemoryScope::parse(&scope) else {
        return Ok(bad_request(BAD_SCOPE));
    };
    let draft = MemoryDraft {
        content,
        scope,
        namespace,
    };
    let memory = state
        .core
        .commit_memory(&auth.principal, id, draft)
        .await
        .or_say("failed to store memory")?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": memory.id,
            "scope": memory.scope.as_str(),
            "namespace": memory.namespace,
        })),
    )
        .into_response())
}

async fn search(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    RawQuery(raw): RawQuery,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let params = QueryString::parse(raw.as_deref());
    let Some(mode) = mode(&params) else {
        return Ok(bad_request(BAD_MODE));
    };
    let query = MemoryQuery {
        // Unknown scopes fall through to "none", like the original's `default:` branch.
        scope: params.non_empty("scope").and_then(MemoryScope::parse),
        q: params.get("q").unwrap_or_default().to_owned(),
        namespace: params.non_empty("namespace").map(str::to_owned),
        limit: limit(&params),
        mode,
    };
    let found = state
        .core
        .search_memories(id, query)
        .await
        .or_say("search failed")?;
    let rows: Vec<Value> = found.iter().map(row).collect();
    Ok(Json(Value::Array(rows)).into_response())
}

/// Deletes a memory the caller wrote (v1 and v2 alike).
pub(super) async fn remove(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    params: RawPathParams,
) -> Result<Json<Value>, MoleculeError> {
    let id = auth.id()?;
    let memory_id = memory_id(&params);
    state
        .core
        .delete_agent_memory(&auth.principal, id, &memory_id)
        .await
        .or_say("delete failed")?;
    Ok(Json(json!({"status": "deleted"})))
}

/// A v1 search row: `{id, workspace_id, content, scope, namespace, created_at
/// [, similarity_score]}`.
fn row(found: &FoundMemory) -> Value {
    let m = &found.memory;
    let mut map = Map::new();
    map.insert("id".into(), json!(m.id));
    map.insert("workspace_id".into(), json!(m.workspace_id.to_string()));
    map.insert("content".into(), json!(found.content));
    map.insert("scope".into(), json!(m.scope.as_str()));
    map.insert("namespace".into(), json!(m.namespace));
    map.insert("created_at".into(), json!(wire::timestamp(m.created_at_ms)));
    insert_similarity(&mut map, found);
    Value::Object(map)
}

/// `similarity_score` (a number in [0, 1]) when the row was found by meaning; no key
/// otherwise.
pub(super) fn insert_similarity(map: &mut Map<String, Value>, found: &FoundMemory) {
    if let Some(score) = found.similarity {
        map.insert("similarity_score".into(), json!(f64::from(score)));
    }
}

/// `mode`: absent or empty → semantic; `None` for a value that is not a mode.
pub(super) fn mode(params: &QueryString) -> Option<SearchMode> {
    match params.non_empty("mode") {
        None => Some(SearchMode::Semantic),
        Some(mode) => SearchMode::parse(mode),
    }
}

/// `limit` as the client wrote it, when it scans as a number (the core clamps it).
pub(super) fn limit(params: &QueryString) -> Option<i64> {
    params.non_empty("limit").and_then(scan_int)
}

/// The `:memoryId` path parameter, as sent.
pub(super) fn memory_id(params: &RawPathParams) -> String {
    params
        .iter()
        .find(|(name, _)| *name == "memoryId")
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default()
}

/// The body as a JSON object, else 400 `invalid request body`.
pub(super) fn object(body: Value) -> Result<Map<String, Value>, MoleculeError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(MoleculeError::InvalidBody),
    }
}

/// An optional string field: absent, `null` or empty → `None` (as Go's zero value);
/// another type → 400 `invalid request body`.
pub(super) fn string_field(
    body: &mut Map<String, Value>,
    name: &str,
) -> Result<Option<String>, MoleculeError> {
    match body.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(MoleculeError::InvalidBody),
    }
}

pub(super) fn bad_request(text: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": text }))).into_response()
}
