//! The [`Restarter`] port: what actually runs a supervised workspace (one with a
//! `command`, not `external`). The core decides *whether* and *when* a workspace restarts
//! (target selection, coalescing, status changes, events; see `ops::restarts`); a
//! restarter only stops and starts processes. coffer's built-in implementation is the
//! process supervisor in the `coffer-supervisor` crate; tests may plug in their own.
//!
//! A restarter never sees anything but what it needs: the workspace and its merged
//! secret environment. It must not log environment values.

use async_trait::async_trait;
use coffer_crypto::SecretString;
use tokio::sync::oneshot;

use crate::domain::{Workspace, WorkspaceId};

/// What to start.
pub struct Launch {
    pub workspace: Workspace,
    /// The merged secrets (globals, then the workspace's overrides), by name: the whole
    /// secret part of the process's environment.
    pub env: Vec<(String, SecretString)>,
}

impl std::fmt::Debug for Launch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Launch")
            .field("workspace", &self.workspace.id)
            .field("env", &names)
            .finish()
    }
}

/// How a started process ended when nobody asked it to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    /// It exited with status 0.
    pub success: bool,
    /// For people: e.g. `exited with exit status: 3`.
    pub reason: String,
}

/// The result of a start.
#[derive(Debug)]
pub enum Started {
    /// It is running. `exited` resolves if it later exits on its own; it is closed
    /// without a value when coffer stops it (a restart, a pause, shutdown).
    Running { exited: oneshot::Receiver<Exit> },
    /// It could not start, or exited within its start window; the reason is for people.
    Failed(String),
}

#[async_trait]
pub trait Restarter: Send + Sync + 'static {
    /// Stops the workspace's running process, if any (gracefully, then by force), and
    /// starts it again from `launch`.
    async fn restart(&self, launch: Launch) -> Started;

    /// Stops the workspace's process, if any.
    async fn stop(&self, id: WorkspaceId);

    /// Whether a process of the workspace is running now.
    fn is_running(&self, id: WorkspaceId) -> bool;

    /// Stops every process and refuses later starts (coffer is shutting down).
    async fn stop_all(&self);
}
