//! Restarts that happen. The [`RestartDriver`] follows recorded events (see
//! [`super::event_tail`]) and turns them into work per workspace:
//!
//! - a secret put or deleted in `workspace:<id>` restarts that workspace, a change of a
//!   `global` secret (from any dialect) restarts every workspace the rule of
//!   [`super::restart_targets`] selects — each announced first as a `workspace.restart`
//!   event (the SSE `WORKSPACE_RESTART` an outside orchestrator acts on);
//! - a workspace created, paused or removed is reconciled (started, or stopped);
//!   a resumed one is restarted.
//!
//! Work goes through the per-workspace [`super::restart_queue`], so concurrent restarts
//! of one workspace coalesce, and runs in spawned tasks: no HTTP answer waits for it.
//! Only supervised workspaces (a command, not `external`) have processes; for them a
//! restart is: status `provisioning`, build the environment bundle (refused whole if a
//! secret does not open → `failed`), [`Restarter::restart`] (stop, then start), then
//! `online` — or `failed` with the reason when it exits at once. A later exit on its own
//! makes it `offline` (status 0) or `failed`; coffer does not restart it by itself.
//!
//! With several instances on one PostgreSQL database, run the driver on exactly one of
//! them (`coffer serve --no-supervise` on the others): it reads every instance's events.

use std::sync::Arc;

use tokio::task::JoinHandle;

use super::Core;
use super::event_tail::{EventTail, POLL};
use super::restart_queue::Kick;
use super::restart_targets::Tree;
use crate::domain::{Scope, SecretName, WorkspaceId, WorkspaceStatus};
use crate::error::CoreError;
use crate::event::{Event, EventKind};
use crate::principal::Principal;
use crate::restarter::{Exit, Launch, Started};
use crate::store::StatusChange;

const RESTART: Kick = Kick { restart: true };
const RECONCILE: Kick = Kick { restart: false };

/// The running driver; [`RestartDriver::shutdown`] stops it and every process.
pub struct RestartDriver {
    task: JoinHandle<()>,
    core: Arc<Core>,
}

impl RestartDriver {
    /// Stops following events, then stops every supervised process (gracefully, then by
    /// force) and refuses later starts.
    pub async fn shutdown(self) {
        self.task.abort();
        let _ = self.task.await;
        if let Some(restarter) = &self.core.restarter {
            restarter.stop_all().await;
        }
    }
}

impl Core {
    /// Starts the driver: every workspace that should run is started, then recorded
    /// events are followed from now on.
    pub async fn start_restart_driver(self: &Arc<Self>) -> Result<RestartDriver, CoreError> {
        let after = self.store.last_event_id().await?;
        let tail = EventTail::new(self, after);
        for workspace in self.store.list_workspaces().await? {
            if workspace.status != WorkspaceStatus::Removed {
                self.kick(workspace.id, RECONCILE);
            }
        }
        let core = Arc::clone(self);
        let task = tokio::spawn(async move { core.follow(tail).await });
        Ok(RestartDriver {
            task,
            core: Arc::clone(self),
        })
    }

    async fn follow(self: Arc<Self>, mut tail: EventTail) {
        loop {
            let handled = match tail.next(&self).await {
                Ok(event) => self.on_event(&event).await,
                Err(e) => Err(e),
            };
            if let Err(e) = handled {
                tracing::warn!(error = %e, "restart driver: retrying shortly");
                tokio::time::sleep(POLL).await;
            }
        }
    }

    async fn on_event(self: &Arc<Self>, event: &Event) -> Result<(), CoreError> {
        let workspace = || match Scope::parse(&event.scope) {
            Some(Scope::Workspace(id)) => Some(WorkspaceId::from_uuid(id)),
            _ => None,
        };
        match event.kind {
            EventKind::SecretPut | EventKind::SecretDeleted => self.secret_changed(event).await,
            EventKind::WorkspaceCreated
            | EventKind::WorkspacePaused
            | EventKind::WorkspaceRemoved => {
                workspace()
                    .into_iter()
                    .for_each(|id| self.kick(id, RECONCILE));
                Ok(())
            }
            EventKind::WorkspaceResumed => {
                workspace()
                    .into_iter()
                    .for_each(|id| self.kick(id, RESTART));
                Ok(())
            }
            // Status and restart events are the driver's own output; token, settings and
            // other domains' events restart nothing.
            _ => Ok(()),
        }
    }

    async fn secret_changed(self: &Arc<Self>, event: &Event) -> Result<(), CoreError> {
        let cause = format!("{}:{}", event.kind.as_str(), event.name);
        let all = self.store.list_workspaces().await?;
        let tree = Tree::new(&all);
        let targets = match Scope::parse(&event.scope) {
            Some(Scope::Global) => {
                let Some(name) = SecretName::parse(&event.name) else {
                    return Ok(());
                };
                let shadowing = self.store.workspaces_with_secret(&name).await?;
                tree.global_change_targets(&shadowing)
            }
            Some(Scope::Workspace(id)) => {
                let id = WorkspaceId::from_uuid(id);
                match tree.get(id) {
                    Some(w) if tree.restartable(w) => vec![id],
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        // Every announcement is recorded before any restart runs.
        for id in &targets {
            let new =
                self.workspace_event(EventKind::WorkspaceRestart, *id, &cause, &Principal::System);
            let recorded = self.store.append_event(new, 0).await?;
            self.bus.publish(recorded);
        }
        for id in targets {
            self.kick(id, RESTART);
        }
        Ok(())
    }

    /// Queues work for the workspace; starts its worker unless one is running.
    fn kick(self: &Arc<Self>, id: WorkspaceId, kick: Kick) {
        if self.restarter.is_none() || !self.restarts.offer(id, kick) {
            return;
        }
        let core = Arc::clone(self);
        tokio::spawn(async move {
            let mut kick = kick;
            loop {
                core.run(id, kick).await;
                match core.restarts.next(id) {
                    Some(next) => kick = next,
                    None => break,
                }
            }
        });
    }

    /// One unit of work for a workspace (see the module docs).
    async fn run(self: &Arc<Self>, id: WorkspaceId, kick: Kick) {
        let Some(restarter) = self.restarter.clone() else {
            return;
        };
        let all = match self.store.list_workspaces().await {
            Ok(all) => all,
            Err(e) => {
                tracing::warn!(workspace.id = %id, error = %e, "restart skipped: cannot read workspaces");
                return;
            }
        };
        let tree = Tree::new(&all);
        let should_run = tree
            .get(id)
            .is_some_and(|w| w.is_supervised() && tree.restartable(w));
        if !should_run {
            if restarter.is_running(id) {
                restarter.stop(id).await;
            }
            return;
        }
        if !kick.restart && restarter.is_running(id) {
            return;
        }
        let Some(workspace) = self
            .supervised_status(
                id,
                WorkspaceStatus::Provisioning,
                None,
                &WorkspaceStatus::RUNNING,
            )
            .await
        else {
            return; // paused or removed meanwhile: the follow-up reconciles
        };
        let env = match self.secret_bundle(id).await {
            Ok(env) => env,
            Err(e) => {
                let reason = match e {
                    CoreError::PartialBundle(keys) => {
                        format!("secrets do not open: {}", keys.join(", "))
                    }
                    _ => "could not read the workspace's secrets".to_owned(),
                };
                restarter.stop(id).await;
                self.supervised_status(
                    id,
                    WorkspaceStatus::Failed,
                    Some(reason),
                    &[WorkspaceStatus::Provisioning],
                )
                .await;
                return;
            }
        };
        match restarter.restart(Launch { workspace, env }).await {
            Started::Running { exited } => {
                let online = self
                    .supervised_status(
                        id,
                        WorkspaceStatus::Online,
                        None,
                        &[WorkspaceStatus::Provisioning],
                    )
                    .await;
                if online.is_some() {
                    self.watch_exit(id, exited);
                }
            }
            Started::Failed(reason) => {
                self.supervised_status(
                    id,
                    WorkspaceStatus::Failed,
                    Some(reason),
                    &[WorkspaceStatus::Provisioning],
                )
                .await;
            }
        }
    }

    /// Marks the workspace `offline`/`failed` if its process exits on its own.
    fn watch_exit(self: &Arc<Self>, id: WorkspaceId, exited: tokio::sync::oneshot::Receiver<Exit>) {
        let core = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(exit) = exited.await else {
                return; // stopped by coffer
            };
            let to = match exit.success {
                true => WorkspaceStatus::Offline,
                false => WorkspaceStatus::Failed,
            };
            let from = [WorkspaceStatus::Online, WorkspaceStatus::Degraded];
            core.supervised_status(id, to, Some(exit.reason), &from)
                .await;
        });
    }

    /// A status change by the supervisor: recorded and published when the current
    /// status is one of `from`; the updated workspace, else `None`.
    async fn supervised_status(
        &self,
        id: WorkspaceId,
        to: WorkspaceStatus,
        reason: Option<String>,
        from: &[WorkspaceStatus],
    ) -> Option<crate::domain::Workspace> {
        let event = self.workspace_event(
            EventKind::WorkspaceStatus,
            id,
            to.as_str(),
            &Principal::System,
        );
        match self
            .store
            .set_workspace_status(id, to, reason, from, crate::event::now_ms(), event)
            .await
        {
            Ok(StatusChange::Changed(workspace, event)) => {
                self.bus.publish(event);
                Some(*workspace)
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(workspace.id = %id, error = %e, "could not record a status change");
                None
            }
        }
    }
}
