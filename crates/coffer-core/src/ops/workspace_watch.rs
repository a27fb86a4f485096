//! A live stream of one workspace's restart and status events (the Molecule SSE
//! `GET /workspaces/:id/events`), read in order from the recorded events (see
//! [`super::event_tail`]), so a client that reconnects with the last id it saw misses
//! nothing. The stream ends after the workspace's removal.

use std::sync::Arc;

use super::Core;
use super::event_tail::EventTail;
use crate::domain::{Scope, WorkspaceId, WorkspaceStatus};
use crate::error::CoreError;
use crate::event::{Event, EventKind};

/// One event of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkspaceEvent {
    /// A restart was decided; `cause` is e.g. `secret.put:OPENAI_API_KEY`.
    Restart { id: i64, cause: String, at_ms: i64 },
    /// The status changed; `reason` is set when coffer knows why (a command that exited).
    Status {
        id: i64,
        status: WorkspaceStatus,
        reason: Option<String>,
        at_ms: i64,
    },
}

pub struct WorkspaceWatch {
    core: Arc<Core>,
    workspace: WorkspaceId,
    scope: String,
    tail: EventTail,
    ended: bool,
}

impl Core {
    /// Watches the workspace from now on, or replays from after `last_seen` (an event id
    /// the client received before).
    pub async fn watch_workspace(
        self: &Arc<Self>,
        id: WorkspaceId,
        last_seen: Option<i64>,
    ) -> Result<WorkspaceWatch, CoreError> {
        self.workspace(id).await?;
        let after = match last_seen {
            Some(after) => after.max(0),
            None => self.store.last_event_id().await?,
        };
        Ok(WorkspaceWatch {
            core: Arc::clone(self),
            workspace: id,
            scope: Scope::Workspace(id.as_uuid()).to_string(),
            tail: EventTail::new(self, after),
            ended: false,
        })
    }
}

impl WorkspaceWatch {
    /// The next event; `Ok(None)` once the workspace was removed.
    pub async fn next(&mut self) -> Result<Option<WorkspaceEvent>, CoreError> {
        while !self.ended {
            let event = self.tail.next(&self.core).await?;
            if event.scope != self.scope {
                continue;
            }
            if let Some(found) = self.describe(event).await? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    async fn describe(&mut self, event: Event) -> Result<Option<WorkspaceEvent>, CoreError> {
        let (id, at_ms) = (event.id, event.at_ms);
        let status = match event.kind {
            EventKind::WorkspaceRestart => {
                return Ok(Some(WorkspaceEvent::Restart {
                    id,
                    cause: event.name,
                    at_ms,
                }));
            }
            EventKind::WorkspaceCreated
            | EventKind::WorkspacePaused
            | EventKind::WorkspaceResumed
            | EventKind::WorkspaceRemoved
            | EventKind::WorkspaceStatus => WorkspaceStatus::parse(&event.name),
            _ => None,
        };
        let Some(status) = status else {
            return Ok(None);
        };
        self.ended = status == WorkspaceStatus::Removed;
        // The reason is kept on the workspace, not in the event log: it is shown when the
        // workspace still has the status the event reports.
        let reason = match status {
            WorkspaceStatus::Failed | WorkspaceStatus::Offline => self
                .core
                .workspace(self.workspace)
                .await
                .ok()
                .filter(|w| w.status == status)
                .and_then(|w| w.status_reason),
            _ => None,
        };
        Ok(Some(WorkspaceEvent::Status {
            id,
            status,
            reason,
            at_ms,
        }))
    }
}
