//! Workflow checkpoints (spec §8), all under WorkspaceAuth: upsert (201), the
//! workspace's latest, a workflow's steps (highest index first), delete a workflow's.
//! Payloads are sealed at rest by the core; a payload above 1 MiB is 413
//! `checkpoint payload too large`. `/checkpoints/latest` is matched before `:wfid`
//! (so a workflow named `latest` can be deleted but not listed, as in the original).

use axum::Json;
use axum::Router;
use axum::extract::{RawPathParams, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use coffer_core::domain::Checkpoint;
use coffer_core::ops::{CheckpointSave, NewCheckpoint};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::WorkspaceAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use super::memory::not_found;
use super::wire;
use crate::app::AppState;

const NONE_FOR_WORKFLOW: &str = "no checkpoints found for workflow";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces/{id}/checkpoints", axum::routing::post(upsert))
        .route(
            "/workspaces/{id}/checkpoints/latest",
            get(latest).delete(delete_named_latest),
        )
        .route(
            "/workspaces/{id}/checkpoints/{wfid}",
            get(list).delete(remove),
        )
}

/// `{workflow_id, step_name}` required and non-empty (gin's `binding:"required"`),
/// `step_index` an INT (default 0), `payload` any JSON (missing or `null`: none).
#[derive(Deserialize)]
struct CheckpointBody {
    workflow_id: String,
    step_name: String,
    #[serde(default)]
    step_index: i32,
    #[serde(default)]
    payload: Option<Value>,
}

fn view(c: &Checkpoint) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(c.id));
    map.insert("workspace_id".into(), json!(c.workspace_id));
    map.insert("workflow_id".into(), json!(c.workflow_id));
    map.insert("step_name".into(), json!(c.step_name));
    map.insert("step_index".into(), json!(c.step_index));
    map.insert(
        "completed_at".into(),
        json!(wire::timestamp(c.completed_at_ms)),
    );
    if let Some(payload) = &c.payload {
        map.insert(
            "payload".into(),
            serde_json::from_str(payload).unwrap_or(Value::Null),
        );
    }
    Value::Object(map)
}

fn wfid(params: &RawPathParams) -> String {
    params
        .iter()
        .find(|(name, _)| *name == "wfid")
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default()
}

async fn upsert(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Body(body): Body<CheckpointBody>,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    if body.workflow_id.is_empty() || body.step_name.is_empty() {
        return Err(MoleculeError::InvalidBody);
    }
    let new = NewCheckpoint {
        workflow_id: body.workflow_id.clone(),
        step_name: body.step_name.clone(),
        step_index: i64::from(body.step_index),
        payload: body.payload.filter(|p| !p.is_null()).map(|p| p.to_string()),
    };
    let saved = state
        .core
        .save_checkpoint(&auth.principal, id, new)
        .await
        .or_say("failed to upsert checkpoint")?;
    Ok(match saved {
        CheckpointSave::Saved { id: row_id } => (
            StatusCode::CREATED,
            Json(json!({
                "id": row_id,
                "workspace_id": id.to_string(),
                "workflow_id": body.workflow_id,
                "step_name": body.step_name,
            })),
        )
            .into_response(),
        CheckpointSave::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"error": "checkpoint payload too large"})),
        )
            .into_response(),
    })
}

async fn latest(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Response, MoleculeError> {
    let found = state
        .core
        .latest_checkpoint(auth.id()?)
        .await
        .or_say("checkpoint read failed")?;
    Ok(match found {
        Some(c) => Json(view(&c)).into_response(),
        None => not_found("no checkpoints found for workspace"),
    })
}

async fn list(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    params: RawPathParams,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let steps = state
        .core
        .list_checkpoints(id, &wfid(&params))
        .await
        .or_say("checkpoint read failed")?;
    if steps.is_empty() {
        return Ok(not_found(NONE_FOR_WORKFLOW));
    }
    Ok(Json(steps.iter().map(view).collect::<Value>()).into_response())
}

async fn remove(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    params: RawPathParams,
) -> Result<Response, MoleculeError> {
    delete_workflow(&state, &auth, wfid(&params)).await
}

async fn delete_named_latest(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Response, MoleculeError> {
    delete_workflow(&state, &auth, "latest".to_owned()).await
}

async fn delete_workflow(
    state: &AppState,
    auth: &WorkspaceAuth,
    workflow_id: String,
) -> Result<Response, MoleculeError> {
    let id = auth.id()?;
    let n = state
        .core
        .delete_checkpoints(&auth.principal, id, &workflow_id)
        .await
        .or_say("failed to delete checkpoints")?;
    if n == 0 {
        return Ok(not_found(NONE_FOR_WORKFLOW));
    }
    Ok(Json(json!({"deleted": n, "workflow_id": workflow_id})).into_response())
}
