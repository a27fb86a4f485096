//! coffer-supervisor: the built-in [`Restarter`]. It runs each supervised Molecule
//! workspace's `command` as a child process (`sh -c`), with the workspace's merged
//! secrets as its environment and nothing else secret (see [`env`]), and restarts it by
//! stopping it — SIGTERM to its process group, SIGKILL after [`SupervisorConfig::grace`]
//! — and starting it again with the new environment. A process that exits within
//! [`SupervisorConfig::start_window`] failed to start; its exit status is the reason.
//!
//! The core decides when; this crate only does it (see `coffer_core::ops::restarts`).
//! One process per workspace at most: the core never runs two restarts of one
//! workspace at once, and a restart stops the old process before starting the new one.
//!
//! Dropping the supervisor SIGKILLs every process group it started, so no child
//! outlives coffer even on an abrupt exit of the runtime; [`Restarter::stop_all`] is the
//! graceful way.
#![forbid(unsafe_code)]

mod child;
pub mod env;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use coffer_core::domain::WorkspaceId;
use coffer_core::restarter::{Launch, Restarter, Started};

use crate::child::Child;

#[derive(Clone, Debug)]
pub struct SupervisorConfig {
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// A process that exits sooner than this after its start failed to start.
    pub start_window: Duration,
    /// Runs the command (`<shell> -c <command>`).
    pub shell: PathBuf,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        SupervisorConfig {
            grace: Duration::from_secs(10),
            start_window: Duration::from_secs(1),
            shell: PathBuf::from("/bin/sh"),
        }
    }
}

pub struct ProcessSupervisor {
    inner: Arc<Inner>,
}

struct Inner {
    config: SupervisorConfig,
    /// The allowlisted part of coffer's environment (see [`env::inherited`]).
    base_env: Vec<(OsString, OsString)>,
    children: Mutex<HashMap<WorkspaceId, Child>>,
    generation: AtomicU64,
    closed: AtomicBool,
}

impl Inner {
    fn children(&self) -> MutexGuard<'_, HashMap<WorkspaceId, Child>> {
        self.children.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ProcessSupervisor {
    /// A supervisor whose processes inherit the allowlisted part of coffer's own
    /// environment.
    pub fn new(config: SupervisorConfig) -> ProcessSupervisor {
        Self::with_base_env(config, env::inherited(std::env::vars_os()))
    }

    /// A supervisor whose processes start from exactly `base_env` (tests).
    pub fn with_base_env(
        config: SupervisorConfig,
        base_env: Vec<(OsString, OsString)>,
    ) -> ProcessSupervisor {
        ProcessSupervisor {
            inner: Arc::new(Inner {
                config,
                base_env,
                children: Mutex::new(HashMap::new()),
                generation: AtomicU64::new(0),
                closed: AtomicBool::new(false),
            }),
        }
    }

    async fn stop_one(&self, id: WorkspaceId) {
        let child = self.inner.children().remove(&id);
        if let Some(child) = child {
            child.stop(self.inner.config.grace).await;
            tracing::info!(workspace.id = %id, "workspace process stopped");
        }
    }
}

#[async_trait]
impl Restarter for ProcessSupervisor {
    async fn restart(&self, launch: Launch) -> Started {
        let id = launch.workspace.id;
        self.stop_one(id).await;
        if self.inner.closed.load(Ordering::SeqCst) {
            return Started::Failed("coffer is shutting down".to_owned());
        }
        let Some(command) = launch.workspace.command.as_ref() else {
            return Started::Failed("the workspace has no command".to_owned());
        };
        let env = env::for_workspace(&self.inner.base_env, &launch.env, &id.to_string());
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst);
        let inner = Arc::clone(&self.inner);
        let forget = move || {
            let mut children = inner.children();
            if children
                .get(&id)
                .is_some_and(|c| c.generation == generation)
            {
                children.remove(&id);
            }
        };
        let config = &self.inner.config;
        let (child, exited) =
            match child::spawn(&config.shell, command.as_str(), env, generation, forget) {
                Ok(spawned) => spawned,
                Err(e) => return Started::Failed(format!("could not start: {e}")),
            };
        // Recorded at once, so a stop (or shutdown) during the start window reaches it.
        // Under the table's lock: `stop_all` closes, then drains the table, so a child is
        // either drained by it or refused here. Only a running process is recorded (see
        // `child::spawn` for why checking under the lock suffices).
        let refused = {
            let mut children = self.inner.children();
            if self.inner.closed.load(Ordering::SeqCst) {
                true
            } else {
                if !child.has_exited() {
                    children.insert(id, child.clone());
                }
                false
            }
        };
        if refused {
            child.stop(config.grace).await;
            return Started::Failed("coffer is shutting down".to_owned());
        }
        if let Some(status) = child.exited_within(config.start_window).await {
            if child.was_stopped() {
                return Started::Failed("stopped by coffer while starting".to_owned());
            }
            tracing::warn!(workspace.id = %id, status = %status.text, "workspace process exited at once");
            return Started::Failed(format!("exited at once with {}", status.text));
        }
        tracing::info!(workspace.id = %id, env.count = launch.env.len(), "workspace process started");
        Started::Running { exited }
    }

    async fn stop(&self, id: WorkspaceId) {
        self.stop_one(id).await;
    }

    fn is_running(&self, id: WorkspaceId) -> bool {
        self.inner.children().contains_key(&id)
    }

    async fn stop_all(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        let children: Vec<Child> = self.inner.children().drain().map(|(_, c)| c).collect();
        let grace = self.inner.config.grace;
        let mut stops = tokio::task::JoinSet::new();
        for child in children {
            stops.spawn(async move { child.stop(grace).await });
        }
        while stops.join_next().await.is_some() {}
    }
}

impl Drop for ProcessSupervisor {
    fn drop(&mut self) {
        for child in self.inner.children().values() {
            child.kill_now();
        }
    }
}
