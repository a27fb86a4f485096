//! `GET /workspaces/:id/events`: Server-Sent Events for an outside orchestrator. Each
//! event has the recorded event id (send it back as `Last-Event-ID` to resume without a
//! gap), a name — `WORKSPACE_RESTART`, or `WORKSPACE_<STATUS>` (`WORKSPACE_ONLINE`,
//! `WORKSPACE_FAILED`, `WORKSPACE_PAUSED`, …) — and JSON data. The stream opens with a
//! `: connected` comment once it is subscribed, sends a keep-alive comment every 15 s,
//! and ends after `WORKSPACE_REMOVED`.

use std::convert::Infallible;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use coffer_core::ops::{WorkspaceEvent, WorkspaceWatch};
use futures::Stream;
use serde_json::json;

use super::auth::WorkspaceAuth;
use super::error::{MoleculeError, OrSay};
use super::wire::timestamp;
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/workspaces/{id}/events", get(stream))
}

async fn stream(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, MoleculeError> {
    let id = auth.id()?;
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let watch = state
        .core
        .watch_workspace(id, last_seen)
        .await
        .or_say("query failed")?;
    let events = futures::stream::unfold((watch, true), move |(mut watch, first)| async move {
        if first {
            return Some((Ok(Event::default().comment("connected")), (watch, false)));
        }
        let event = next(&mut watch, &id.to_string()).await?;
        Some((Ok(event), (watch, false)))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The next SSE event, or `None` when the stream ends (removal, or a store failure,
/// after which the client reconnects with `Last-Event-ID`).
async fn next(watch: &mut WorkspaceWatch, workspace_id: &str) -> Option<Event> {
    let event = match watch.next().await {
        Ok(event) => event?,
        Err(e) => {
            tracing::warn!(workspace.id = %workspace_id, error = %e, "workspace event stream ended");
            return None;
        }
    };
    let (id, name, data) = match event {
        WorkspaceEvent::Restart { id, cause, at_ms } => (
            id,
            "WORKSPACE_RESTART".to_owned(),
            json!({"workspace_id": workspace_id, "cause": cause, "at": timestamp(at_ms)}),
        ),
        WorkspaceEvent::Status {
            id,
            status,
            reason,
            at_ms,
        } => (
            id,
            format!("WORKSPACE_{}", status.as_str().to_ascii_uppercase()),
            json!({"workspace_id": workspace_id, "status": status.as_str(), "reason": reason, "at": timestamp(at_ms)}),
        ),
    };
    Some(
        Event::default()
            .id(id.to_string())
            .event(name)
            .data(data.to_string()),
    )
}
