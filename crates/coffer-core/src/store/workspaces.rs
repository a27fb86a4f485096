//! The persistence port for workspaces (the Molecule dialect): workspaces and their org
//! tree, workspace and org tokens (hashed), KV memory and workflow checkpoints.
//! Workspace secrets themselves use the general secret methods of `Store` with the
//! `workspace:<uuid>` scope; the two secret queries here ([`WorkspaceStore::
//! workspaces_with_secret`], [`WorkspaceStore::bundle_secrets`]) only read them.
//!
//! Tokens reach this port as [`TokenDigest`]s: the store never sees a plaintext token.
//! Like every port, each mutating method is one unit of work with its event row.

use async_trait::async_trait;

use super::{SealedSecretRow, StoreError};
use crate::domain::{
    CheckpointRow, MemoryEntry, MemoryWrite, OrgToken, OrgTokenName, PurgeCounts, SecretName,
    TokenDigest, Workspace, WorkspaceId, WorkspaceStatus, WorkspaceTokenMatch,
};
use crate::event::{Event, NewEvent};

/// The outcome of a conditional status change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// Changed; the workspace as it now is, and the appended event.
    Changed(Box<Workspace>, Event),
    /// The current status was not one of those allowed (nothing written).
    Refused(WorkspaceStatus),
    NotFound,
}

/// The outcome of revoking an org token by prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrgTokenRevocation {
    Revoked(OrgToken, Event),
    /// No live token has that prefix.
    NotFound,
    /// Several live tokens share it (nothing revoked).
    Ambiguous,
}

#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// Inserts `workspace` with `token` as its first live token, and appends `event`.
    /// The parent, if any, must exist (the core checks; the schema enforces it too).
    async fn insert_workspace(
        &self,
        workspace: &Workspace,
        token: &TokenDigest,
        event: NewEvent,
    ) -> Result<Event, StoreError>;

    async fn find_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>, StoreError>;

    /// Every workspace, removed ones included, oldest first (by creation time, then id).
    async fn list_workspaces(&self) -> Result<Vec<Workspace>, StoreError>;

    /// Sets the status (and its reason) if the current status is one of `from`, then
    /// appends `event`; otherwise writes nothing. `at_ms` becomes `updated_at`.
    async fn set_workspace_status(
        &self,
        id: WorkspaceId,
        to: WorkspaceStatus,
        reason: Option<String>,
        from: &[WorkspaceStatus],
        at_ms: i64,
        event: NewEvent,
    ) -> Result<StatusChange, StoreError>;

    /// Revokes every live token of the workspace and stores `token` as its only live
    /// one, appending `event`. `Ok(None)` when the workspace does not exist.
    async fn replace_workspace_tokens(
        &self,
        id: WorkspaceId,
        token: &TokenDigest,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// The live workspace token with this SHA-256: not revoked, and its workspace not
    /// `removed`.
    async fn find_live_workspace_token(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<WorkspaceTokenMatch>, StoreError>;

    /// Whether the workspace has any non-revoked token.
    async fn workspace_has_live_token(&self, id: WorkspaceId) -> Result<bool, StoreError>;

    /// Records a use of the workspace token (best effort; no event).
    async fn touch_workspace_token(&self, hash: &[u8; 32], at_ms: i64) -> Result<(), StoreError>;

    /// Stores a new org token and appends `event`.
    async fn insert_org_token(
        &self,
        name: &OrgTokenName,
        token: &TokenDigest,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<(OrgToken, Event), StoreError>;

    /// The non-revoked org token with this SHA-256.
    async fn find_live_org_token(&self, hash: &[u8; 32]) -> Result<Option<OrgToken>, StoreError>;

    /// Records a use of the org token (best effort; no event).
    async fn touch_org_token(&self, hash: &[u8; 32], at_ms: i64) -> Result<(), StoreError>;

    /// Revokes the one live org token whose prefix is `prefix`, appending `event`.
    async fn revoke_org_token(
        &self,
        prefix: &str,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<OrgTokenRevocation, StoreError>;

    /// Every org token, revoked ones included, oldest first.
    async fn list_org_tokens(&self) -> Result<Vec<OrgToken>, StoreError>;

    /// The workspaces holding a secret named `name` in their own scope (they shadow the
    /// global secret of that name).
    async fn workspaces_with_secret(
        &self,
        name: &SecretName,
    ) -> Result<Vec<WorkspaceId>, StoreError>;

    /// The sealed secrets of the `global` scope and of the workspace's scope: the inputs
    /// of its environment bundle.
    async fn bundle_secrets(&self, id: WorkspaceId) -> Result<Vec<SealedSecretRow>, StoreError>;

    /// The newest event id, 0 when there is none (where a restart driver starts reading).
    async fn last_event_id(&self) -> Result<i64, StoreError>;

    /// The workspace's KV memory entries not expired at `now_ms`, by key.
    async fn list_memory(
        &self,
        id: WorkspaceId,
        now_ms: i64,
    ) -> Result<Vec<MemoryEntry>, StoreError>;

    /// One entry, `None` when absent or expired at `now_ms`.
    async fn find_memory(
        &self,
        id: WorkspaceId,
        key: &str,
        now_ms: i64,
    ) -> Result<Option<MemoryEntry>, StoreError>;

    /// Upserts an entry (an expired one counts as absent and restarts at version 1).
    /// With `if_match`: writes only when the live version equals it (0: only when
    /// absent); else nothing is written and the current version is reported. The event
    /// is appended only when something was written.
    #[allow(clippy::too_many_arguments)]
    async fn set_memory(
        &self,
        id: WorkspaceId,
        key: &str,
        value: &str,
        expires_at_ms: Option<i64>,
        if_match: Option<i64>,
        now_ms: i64,
        event: NewEvent,
    ) -> Result<(MemoryWrite, Option<Event>), StoreError>;

    /// Deletes an entry; the event is appended only when a row was deleted.
    async fn delete_memory(
        &self,
        id: WorkspaceId,
        key: &str,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// Upserts by (workspace, workflow, step name) — a new row keeps `row.id`, an
    /// existing one keeps its own id and takes the index, time and payload — then
    /// deletes the workflow's steps beyond the newest `keep`. Returns the row's id.
    async fn upsert_checkpoint(
        &self,
        row: &CheckpointRow,
        keep: i64,
        event: NewEvent,
    ) -> Result<(String, Event), StoreError>;

    /// A workflow's checkpoints, by step index, highest first.
    async fn list_checkpoints(
        &self,
        id: WorkspaceId,
        workflow_id: &str,
    ) -> Result<Vec<CheckpointRow>, StoreError>;

    /// The workspace's newest checkpoint (by completion time, then step index).
    async fn latest_checkpoint(&self, id: WorkspaceId)
    -> Result<Option<CheckpointRow>, StoreError>;

    /// Deletes a workflow's checkpoints; the event is appended only when some were.
    async fn delete_checkpoints(
        &self,
        id: WorkspaceId,
        workflow_id: &str,
        event: NewEvent,
    ) -> Result<(u64, Option<Event>), StoreError>;

    /// Deletes the workspace's own secrets, KV memory and checkpoints (not the workspace
    /// row nor its tokens), appending `event`.
    async fn purge_workspace_data(
        &self,
        id: WorkspaceId,
        event: NewEvent,
    ) -> Result<(PurgeCounts, Event), StoreError>;
}
