//! One supervised process: spawned as `sh -c <command>` in a process group of its own
//! (so a stop reaches everything it started), with stdin, stdout and stderr on
//! `/dev/null` (its output could hold secrets and must not reach coffer's logs or its
//! ready line), and watched by a monitor task that reports its exit.
//!
//! Stopping sends SIGTERM to the group, waits up to the grace period, then SIGKILL; once
//! the leader is gone, whatever is left of the group gets SIGKILL too.

use std::ffi::OsString;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use coffer_core::restarter::Exit;
use rustix::process::{Pid, Signal, kill_process_group};
use tokio::sync::{oneshot, watch};

/// How long a SIGKILLed group may take to be reaped before coffer stops waiting.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// The handle kept for a running process (clones share the process).
#[derive(Clone)]
pub(crate) struct Child {
    /// Tells this process from a later one of the same workspace.
    pub generation: u64,
    pgid: i32,
    /// Set before coffer signals it: its exit is then expected, not reported.
    stopping: Arc<AtomicBool>,
    /// `Some` once it exited (with how).
    done: watch::Receiver<Option<ExitStatusText>>,
}

/// How a process ended, for people (`exit status: 3`, `signal: 9 (SIGKILL)`).
#[derive(Clone, Debug)]
pub(crate) struct ExitStatusText {
    pub success: bool,
    pub text: String,
}

/// Spawns `shell -c command` with exactly `env`. `on_exit` runs in the monitor task
/// once the process has exited (after [`Child::has_exited`] turned true).
pub(crate) fn spawn(
    shell: &Path,
    command: &str,
    env: Vec<(OsString, OsString)>,
    generation: u64,
    on_exit: impl FnOnce() + Send + 'static,
) -> std::io::Result<(Child, oneshot::Receiver<Exit>)> {
    let mut process = tokio::process::Command::new(shell)
        .arg("-c")
        .arg(command)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    let pgid = process
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .ok_or_else(|| std::io::Error::other("the process has no id"))?;
    let stopping = Arc::new(AtomicBool::new(false));
    let (done_tx, done) = watch::channel(None);
    let (exited_tx, exited) = oneshot::channel();
    let expected = Arc::clone(&stopping);
    tokio::spawn(async move {
        let status = describe(process.wait().await);
        // `done` first: whoever records the child checks it under the table's lock, and
        // `on_exit` takes that lock, so a child is never left recorded after its exit.
        let _ = done_tx.send(Some(status.clone()));
        on_exit();
        if !expected.load(Ordering::SeqCst) {
            let _ = exited_tx.send(Exit {
                success: status.success,
                reason: format!("exited with {}", status.text),
            });
        }
    });
    let child = Child {
        generation,
        pgid,
        stopping,
        done,
    };
    Ok((child, exited))
}

impl Child {
    /// Waits up to `window` for the process to exit; how it exited, if it did.
    pub(crate) async fn exited_within(&self, window: Duration) -> Option<ExitStatusText> {
        let mut done = self.done.clone();
        match tokio::time::timeout(window, done.wait_for(Option::is_some)).await {
            Ok(Ok(status)) => status.clone(),
            _ => None,
        }
    }

    /// Whether coffer asked it to stop.
    pub(crate) fn was_stopped(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Whether it has exited already.
    pub(crate) fn has_exited(&self) -> bool {
        self.done.borrow().is_some()
    }

    /// Stops the process group: SIGTERM, up to `grace`, then SIGKILL.
    pub(crate) async fn stop(&self, grace: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        self.signal(Signal::TERM);
        if self.exited_within(grace).await.is_none() {
            self.signal(Signal::KILL);
            if self.exited_within(KILL_WAIT).await.is_none() {
                tracing::warn!(process.pgid = self.pgid, "a workspace process did not die");
            }
        }
        self.signal(Signal::KILL); // anything the leader left behind in its group
    }

    /// SIGKILL to the whole group, without waiting (shutdown from a `Drop`).
    pub(crate) fn kill_now(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.signal(Signal::KILL);
    }

    fn signal(&self, signal: Signal) {
        let Some(pgid) = Pid::from_raw(self.pgid) else {
            return;
        };
        // ESRCH (the group is gone already) is the normal case after an exit.
        let _ = kill_process_group(pgid, signal);
    }
}

fn describe(status: std::io::Result<ExitStatus>) -> ExitStatusText {
    match status {
        Ok(status) => ExitStatusText {
            success: status.success(),
            text: status.to_string(),
        },
        Err(e) => ExitStatusText {
            success: false,
            text: format!("an unknown status ({e})"),
        },
    }
}
