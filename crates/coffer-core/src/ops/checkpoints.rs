//! Workflow checkpoints (Molecule spec §8) and the purge of a removed workspace's data.
//!
//! A checkpoint is upserted by (workspace, workflow id, step name). Its payload (any
//! JSON; `null` when absent) is sealed at rest — the original stores it in plaintext —
//! with an AAD binding the workspace id, workflow id and step name, so a payload moved
//! to another row does not open. Rules: a payload's JSON text is at most
//! [`MAX_CHECKPOINT_PAYLOAD_BYTES`] (1 MiB); a workflow keeps its newest
//! [`CHECKPOINT_RETENTION_PER_WORKFLOW`] (1000) steps, older ones are deleted on the
//! next upsert; workflow ids and step names are 1 to 1024 bytes. Writes to a removed
//! workspace are refused; every change records an event (never a payload).

use coffer_crypto::{Aad, ExposeSecret, open, seal};

use super::Core;
use super::kv_memory::scope;
use crate::domain::{
    CHECKPOINT_RETENTION_PER_WORKFLOW, Checkpoint, CheckpointRow, MAX_CHECKPOINT_PAYLOAD_BYTES,
    PurgeCounts, WorkspaceId, WorkspaceStatus,
};
use crate::error::{CoreError, StoredData, WorkspaceAction};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;

/// The longest workflow id or step name.
pub const MAX_CHECKPOINT_NAME_BYTES: usize = 1024;

/// A checkpoint as posted. `payload` is JSON text, `None` for a missing or `null` one.
#[derive(Clone, Debug)]
pub struct NewCheckpoint {
    pub workflow_id: String,
    pub step_name: String,
    pub step_index: i64,
    pub payload: Option<String>,
}

/// The outcome of saving a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointSave {
    /// Saved; the row's id (kept across updates of the same step).
    Saved { id: String },
    /// The payload is above [`MAX_CHECKPOINT_PAYLOAD_BYTES`]; nothing was written.
    TooLarge,
}

impl Core {
    pub async fn save_checkpoint(
        &self,
        who: &Principal,
        id: WorkspaceId,
        new: NewCheckpoint,
    ) -> Result<CheckpointSave, CoreError> {
        for (field, text) in [
            ("workflow_id", &new.workflow_id),
            ("step_name", &new.step_name),
        ] {
            if text.is_empty() || text.len() > MAX_CHECKPOINT_NAME_BYTES {
                return Err(CoreError::InvalidWorkspace(match field {
                    "workflow_id" => "workflow_id must be 1 to 1024 bytes",
                    _ => "step_name must be 1 to 1024 bytes",
                }));
            }
        }
        if new
            .payload
            .as_ref()
            .is_some_and(|p| p.len() > MAX_CHECKPOINT_PAYLOAD_BYTES)
        {
            return Ok(CheckpointSave::TooLarge);
        }
        self.live_workspace(id, WorkspaceAction::ChangeData).await?;
        let workspace_id = id.to_string();
        let sealed = new.payload.as_ref().map(|payload| {
            let aad = checkpoint_aad(&workspace_id, &new.workflow_id, &new.step_name);
            seal(&self.keys.keyring, &aad, payload.as_bytes())
        });
        let row = CheckpointRow {
            id: uuid::Uuid::new_v4().to_string(),
            workspace_id,
            workflow_id: new.workflow_id.clone(),
            step_name: new.step_name.clone(),
            step_index: new.step_index,
            completed_at_ms: now_ms(),
            payload: sealed,
        };
        let name = format!("{}/{}", new.workflow_id, new.step_name);
        let event = self.new_event(EventKind::CheckpointSaved, &scope(id), &name, who);
        let (row_id, event) = self
            .store
            .upsert_checkpoint(&row, CHECKPOINT_RETENTION_PER_WORKFLOW, event)
            .await?;
        self.bus.publish(event);
        Ok(CheckpointSave::Saved { id: row_id })
    }

    /// A workflow's checkpoints, highest step index first (empty: none).
    pub async fn list_checkpoints(
        &self,
        id: WorkspaceId,
        workflow_id: &str,
    ) -> Result<Vec<Checkpoint>, CoreError> {
        self.workspace(id).await?;
        let rows = self.store.list_checkpoints(id, workflow_id).await?;
        rows.into_iter()
            .map(|row| self.open_checkpoint(row))
            .collect()
    }

    /// The workspace's newest checkpoint.
    pub async fn latest_checkpoint(
        &self,
        id: WorkspaceId,
    ) -> Result<Option<Checkpoint>, CoreError> {
        self.workspace(id).await?;
        self.store
            .latest_checkpoint(id)
            .await?
            .map(|row| self.open_checkpoint(row))
            .transpose()
    }

    /// Deletes a workflow's checkpoints; how many there were (0: none, nothing recorded).
    pub async fn delete_checkpoints(
        &self,
        who: &Principal,
        id: WorkspaceId,
        workflow_id: &str,
    ) -> Result<u64, CoreError> {
        self.live_workspace(id, WorkspaceAction::ChangeData).await?;
        let event = self.new_event(EventKind::CheckpointsDeleted, &scope(id), workflow_id, who);
        let (n, event) = self
            .store
            .delete_checkpoints(id, workflow_id, event)
            .await?;
        if let Some(event) = event {
            self.bus.publish(event);
        }
        Ok(n)
    }

    /// Deletes a removed workspace's secrets, KV memory and checkpoints (the workspace
    /// row and its revoked tokens stay, as a tombstone). Refused unless `removed`.
    pub async fn purge_workspace(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<PurgeCounts, CoreError> {
        let workspace = self.workspace(id).await?;
        if workspace.status != WorkspaceStatus::Removed {
            return Err(CoreError::WorkspaceState {
                status: workspace.status,
                action: WorkspaceAction::Purge,
            });
        }
        let event = self.new_event(EventKind::WorkspacePurged, &scope(id), "purged", who);
        let (counts, event) = self.store.purge_workspace_data(id, event).await?;
        self.bus.publish(event);
        Ok(counts)
    }

    fn open_checkpoint(&self, row: CheckpointRow) -> Result<Checkpoint, CoreError> {
        let payload = match &row.payload {
            None => None,
            Some(sealed) => {
                let aad = checkpoint_aad(&row.workspace_id, &row.workflow_id, &row.step_name);
                let bytes = open(&self.keys.keyring, &aad, sealed)
                    .map_err(|_| CoreError::Unreadable(StoredData::Secrets))?;
                let text = String::from_utf8(bytes.expose_secret().to_vec())
                    .map_err(|_| CoreError::Unreadable(StoredData::Secrets))?;
                Some(text)
            }
        };
        Ok(Checkpoint {
            id: row.id,
            workspace_id: row.workspace_id,
            workflow_id: row.workflow_id,
            step_name: row.step_name,
            step_index: row.step_index,
            completed_at_ms: row.completed_at_ms,
            payload,
        })
    }
}

/// Binds a sealed payload to its workspace, workflow and step.
fn checkpoint_aad(workspace_id: &str, workflow_id: &str, step_name: &str) -> Aad {
    Aad::new("checkpoint", &[workspace_id, workflow_id, step_name])
}
