//! Agent memories, v2 (spec §9, our design; `docs/dialects/molecule.md` "Agent memories
//! (v1 and v2)"), all under WorkspaceAuth: the same rows as v1 seen through the three
//! namespaces a workspace can read (`workspace:<id>`, `team:<anchor>`, `org:<root>`).
//! Which namespaces exist, which are writable and what each holds are the core's rules
//! (`Core::memory_namespaces`, `commit_namespace_memory`, `search_namespace_memories`).
//!
//! - `GET /workspaces/:id/v2/namespaces` → 200
//!   `[{name, scope, anchor_workspace_id, readable: true, writable}]` (LOCAL, TEAM,
//!   GLOBAL).
//! - `POST /workspaces/:id/v2/memories` `{content, namespace?, scope?, kind?}` → 201
//!   `{id, namespace, scope, kind}`. Body rules as v1 (`invalid request body`, `scope
//!   must be LOCAL, TEAM, or GLOBAL`); a namespace the caller cannot see → 404
//!   `namespace not found`; one it cannot write → 403; a `scope` that contradicts the
//!   `namespace` → 400 `scope does not match the namespace`.
//! - `GET /workspaces/:id/v2/memories?namespace=&kind=&q=&limit=&mode=` → 200
//!   `[{id, namespace, scope, kind, author_workspace_id, content, created_at
//!   [, similarity_score]}]`; an unknown namespace → 404. Query string as v1.
//! - `DELETE /workspaces/:id/v2/memories/:memoryId`: as v1 (author only, else 404).

use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use coffer_core::domain::MemoryScope;
use coffer_core::ops::{FoundMemory, NamespaceDraft, NamespaceQuery};
use serde_json::{Map, Value, json};

use super::agent_memories::{
    BAD_MODE, BAD_SCOPE, bad_request, insert_similarity, limit, mode, object, remove, string_field,
};
use super::auth::WorkspaceAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::query::QueryString;
use super::wire;
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces/{id}/v2/namespaces", get(namespaces))
        .route("/workspaces/{id}/v2/memories", get(search).post(commit))
        .route("/workspaces/{id}/v2/memories/{memoryId}", delete(remove))
}

async fn namespaces(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Json<Value>, MoleculeError> {
    let id = auth.id()?;
    let namespaces = state
        .core
        .memory_namespaces(id)
        .await
        .or_say("query failed")?;
    Ok(Json(
        namespaces
            .iter()
            .map(|ns| {
                json!({
                    "name": ns.name,
                    "scope": ns.scope.as_str(),
                    "anchor_workspace_id": ns.anchor.to_string(),
                    "readable": true,
                    "writable": ns.writable,
                })
            })
            .collect(),
    ))
}

async fn commit(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Body(body): Body<Value>,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let mut body = object(body)?;
    let content = string_field(&mut body, "content")?.ok_or(MoleculeError::InvalidBody)?;
    let namespace = string_field(&mut body, "namespace")?;
    let scope = string_field(&mut body, "scope")?;
    let kind = string_field(&mut body, "kind")?;
    let scope = match scope {
        None => None,
        Some(s) => match MemoryScope::parse(&s) {
            Some(scope) => Some(scope),
            None => return Ok(bad_request(BAD_SCOPE)),
        },
    };
    let draft = NamespaceDraft {
        content,
        namespace,
        scope,
        kind,
    };
    let (memory, namespace) = state
        .core
        .commit_namespace_memory(&auth.principal, id, draft)
        .await
        .or_say("failed to store memory")?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": memory.id,
            "namespace": namespace.name,
            "scope": memory.scope.as_str(),
            "kind": memory.namespace,
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
    let query = NamespaceQuery {
        namespace: params.non_empty("namespace").map(str::to_owned),
        kind: params.non_empty("kind").map(str::to_owned),
        q: params.get("q").unwrap_or_default().to_owned(),
        limit: limit(&params),
        mode,
    };
    let found = state
        .core
        .search_namespace_memories(id, query)
        .await
        .or_say("search failed")?;
    let rows: Vec<Value> = found.iter().map(|(m, ns)| row(m, ns)).collect();
    Ok(Json(Value::Array(rows)).into_response())
}

/// A v2 search row: `{id, namespace, scope, kind, author_workspace_id, content,
/// created_at[, similarity_score]}`.
fn row(found: &FoundMemory, namespace: &str) -> Value {
    let m = &found.memory;
    let mut map = Map::new();
    map.insert("id".into(), json!(m.id));
    map.insert("namespace".into(), json!(namespace));
    map.insert("scope".into(), json!(m.scope.as_str()));
    map.insert("kind".into(), json!(m.namespace));
    map.insert(
        "author_workspace_id".into(),
        json!(m.workspace_id.to_string()),
    );
    map.insert("content".into(), json!(found.content));
    map.insert("created_at".into(), json!(wire::timestamp(m.created_at_ms)));
    insert_similarity(&mut map, found);
    Value::Object(map)
}
