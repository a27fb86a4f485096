//! `GET/PUT /workspaces/:id/model`: the workspace's `MODEL_PROVIDER` secret, with the
//! fallback derived from its provider keys (`source: "derived"`; see
//! `coffer_core::ops::workspace_secrets`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use coffer_core::ops::{ModelSource, ModelUpdate};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::WorkspaceAuth;
use super::body::Body;
use super::error::{MoleculeError, OrSay};
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/workspaces/{id}/model", get(show).put(set))
}

async fn show(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
) -> Result<Json<Value>, MoleculeError> {
    let setting = state
        .core
        .workspace_model(auth.id()?)
        .await
        .or_say("query failed")?;
    let source = match setting.source {
        ModelSource::Default => "default",
        ModelSource::WorkspaceSecrets => "workspace_secrets",
        ModelSource::Derived => "derived",
    };
    Ok(Json(json!({"model": setting.model, "source": source})))
}

#[derive(Deserialize)]
struct ModelBody {
    model: String,
}

async fn set(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Body(body): Body<ModelBody>,
) -> Result<Json<Value>, MoleculeError> {
    let id = auth.id()?;
    let update = state
        .core
        .set_workspace_model(&auth.principal, id, body.model)
        .await
        .or_say("failed to save model")?;
    Ok(Json(match update {
        ModelUpdate::Saved(model) => json!({"status": "saved", "model": model}),
        ModelUpdate::Cleared => json!({"status": "cleared"}),
    }))
}
