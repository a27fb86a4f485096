//! A workspace's lifecycle: create (with its first token, shown once), read, list, pause,
//! resume and remove (soft). Each change is one store unit of work with its event; the
//! restart driver (see [`super::restarts`]) reacts to those events — starting, stopping
//! or restarting a supervised workspace — so no operation here waits for a process.
//!
//! Status rules:
//! - a new workspace starts `provisioning` when coffer supervises it (it has a command
//!   and is not `external`; the supervisor then moves it to `online` or `failed`), else
//!   `online`: coffer only serves its secrets and announces restarts;
//! - pause is allowed from any status but `removed` (pausing a paused one is a no-op);
//! - resume is allowed from `paused` or `hibernated`, back to where a new workspace
//!   starts;
//! - remove is allowed from any status (removing twice is a no-op); tokens of a removed
//!   workspace stop working at once (the token lookup joins on the status), its data is
//!   kept until purged.

use coffer_crypto::SecretString;

use super::Core;
use crate::domain::{NewBearerToken, NewWorkspace, Scope, Workspace, WorkspaceId, WorkspaceStatus};
use crate::error::{CoreError, Missing, WorkspaceAction};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;
use crate::store::StatusChange;

/// A new workspace and its bearer token (the only time the plaintext exists).
#[derive(Debug)]
pub struct CreatedWorkspace {
    pub workspace: Workspace,
    pub token: SecretString,
}

impl Core {
    pub async fn create_workspace(
        &self,
        who: &Principal,
        new: NewWorkspace,
    ) -> Result<CreatedWorkspace, CoreError> {
        if let Some(parent) = new.parent_id {
            match self.store.find_workspace(parent).await? {
                None => return Err(CoreError::InvalidWorkspace("parent workspace not found")),
                Some(p) if p.status == WorkspaceStatus::Removed => {
                    return Err(CoreError::WorkspaceState {
                        status: p.status,
                        action: WorkspaceAction::AdoptChild,
                    });
                }
                Some(_) => {}
            }
        }
        let now = now_ms();
        let mut workspace = Workspace {
            id: WorkspaceId::new_random(),
            name: new.name,
            parent_id: new.parent_id,
            status: WorkspaceStatus::Online,
            status_reason: None,
            runtime: new.runtime,
            command: new.command,
            created_at_ms: now,
            updated_at_ms: now,
        };
        workspace.status = starting_status(&workspace);
        let issued = NewBearerToken::generate();
        let event = self.workspace_event(
            EventKind::WorkspaceCreated,
            workspace.id,
            workspace.status.as_str(),
            who,
        );
        let event = self
            .store
            .insert_workspace(&workspace, &issued.digest, event)
            .await?;
        self.bus.publish(event);
        Ok(CreatedWorkspace {
            workspace,
            token: issued.token,
        })
    }

    /// The workspace, whatever its status (a removed one is a tombstone until purged).
    pub async fn workspace(&self, id: WorkspaceId) -> Result<Workspace, CoreError> {
        self.store
            .find_workspace(id)
            .await?
            .ok_or(CoreError::NotFound(Missing::Workspace))
    }

    /// Workspaces, oldest first; removed ones only when asked for.
    pub async fn list_workspaces(
        &self,
        include_removed: bool,
    ) -> Result<Vec<Workspace>, CoreError> {
        let mut all = self.store.list_workspaces().await?;
        all.retain(|w| include_removed || w.status != WorkspaceStatus::Removed);
        Ok(all)
    }

    pub async fn pause_workspace(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<Workspace, CoreError> {
        let mut from = WorkspaceStatus::RUNNING.to_vec();
        from.push(WorkspaceStatus::Hibernated);
        self.change_status(
            who,
            id,
            WorkspaceStatus::Paused,
            &from,
            WorkspaceAction::Pause,
        )
        .await
    }

    pub async fn resume_workspace(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<Workspace, CoreError> {
        let to = starting_status(&self.workspace(id).await?);
        let from = [WorkspaceStatus::Paused, WorkspaceStatus::Hibernated];
        self.change_status(who, id, to, &from, WorkspaceAction::Resume)
            .await
    }

    pub async fn remove_workspace(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<Workspace, CoreError> {
        let from: Vec<WorkspaceStatus> = WorkspaceStatus::ALL
            .into_iter()
            .filter(|s| *s != WorkspaceStatus::Removed)
            .collect();
        self.change_status(
            who,
            id,
            WorkspaceStatus::Removed,
            &from,
            WorkspaceAction::Remove,
        )
        .await
    }

    /// An operator's status change. Asking for the status the workspace already has is
    /// a no-op that succeeds (and records nothing).
    async fn change_status(
        &self,
        who: &Principal,
        id: WorkspaceId,
        to: WorkspaceStatus,
        from: &[WorkspaceStatus],
        action: WorkspaceAction,
    ) -> Result<Workspace, CoreError> {
        let kind = match action {
            WorkspaceAction::Pause => EventKind::WorkspacePaused,
            WorkspaceAction::Resume => EventKind::WorkspaceResumed,
            _ => EventKind::WorkspaceRemoved,
        };
        let event = self.workspace_event(kind, id, to.as_str(), who);
        let change = self
            .store
            .set_workspace_status(id, to, None, from, now_ms(), event)
            .await?;
        match change {
            StatusChange::Changed(workspace, event) => {
                self.bus.publish(event);
                Ok(*workspace)
            }
            StatusChange::NotFound => Err(CoreError::NotFound(Missing::Workspace)),
            StatusChange::Refused(current)
                if current == to && action != WorkspaceAction::Resume =>
            {
                self.workspace(id).await
            }
            StatusChange::Refused(status) => Err(CoreError::WorkspaceState { status, action }),
        }
    }

    /// The workspace, if it exists and is not removed (for changes to its data).
    pub(super) async fn live_workspace(
        &self,
        id: WorkspaceId,
        action: WorkspaceAction,
    ) -> Result<Workspace, CoreError> {
        let workspace = self.workspace(id).await?;
        if workspace.status == WorkspaceStatus::Removed {
            return Err(CoreError::WorkspaceState {
                status: workspace.status,
                action,
            });
        }
        Ok(workspace)
    }

    pub(super) fn workspace_event(
        &self,
        kind: EventKind,
        id: WorkspaceId,
        name: &str,
        who: &Principal,
    ) -> crate::event::NewEvent {
        self.new_event(kind, &Scope::Workspace(id.as_uuid()), name, who)
    }
}

/// Where a new or resumed workspace starts (see the module docs).
fn starting_status(workspace: &Workspace) -> WorkspaceStatus {
    if workspace.is_supervised() {
        WorkspaceStatus::Provisioning
    } else {
        WorkspaceStatus::Online
    }
}
