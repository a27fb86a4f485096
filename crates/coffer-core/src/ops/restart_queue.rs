//! Coalescing of concurrent work on one workspace. At most one worker runs per
//! workspace; a request that arrives while it runs is folded into one pending follow-up
//! (a restart request wins over a plain reconcile), which the worker runs next. So ten
//! secret changes in a burst cost at most two restarts, and the last one always sees the
//! newest secrets (the original skips a restart that finds one running, which can miss
//! the last change).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::domain::WorkspaceId;

/// What a worker is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Kick {
    /// Restart even if running (a secret changed, or it was resumed). Otherwise only
    /// reconcile: start it if it should run and does not, stop it if it should not run.
    pub restart: bool,
}

#[derive(Default)]
pub(crate) struct RestartQueue {
    /// Present while a worker runs for the workspace; the value is its pending follow-up.
    running: Mutex<HashMap<WorkspaceId, Option<Kick>>>,
}

impl RestartQueue {
    fn lock(&self) -> MutexGuard<'_, HashMap<WorkspaceId, Option<Kick>>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Offers work; `true` when the caller must start a worker (none is running), else
    /// the work was folded into the running worker's follow-up.
    pub(super) fn offer(&self, id: WorkspaceId, kick: Kick) -> bool {
        let mut running = self.lock();
        match running.get_mut(&id) {
            Some(pending) => {
                let restart = kick.restart || pending.is_some_and(|p| p.restart);
                *pending = Some(Kick { restart });
                false
            }
            None => {
                running.insert(id, None);
                true
            }
        }
    }

    /// Called by the worker when a run is done: the follow-up to run next, or `None`
    /// (and the worker ends, atomically with a later offer starting a new one).
    pub(super) fn next(&self, id: WorkspaceId) -> Option<Kick> {
        let mut running = self.lock();
        let follow_up = running.get_mut(&id).and_then(Option::take);
        if follow_up.is_none() {
            running.remove(&id);
        }
        follow_up
    }

    /// Workspaces with a worker running now.
    #[cfg(test)]
    pub(super) fn busy(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_during_a_run_fold_into_one_follow_up() {
        let q = RestartQueue::default();
        let id = WorkspaceId::new_random();
        let restart = Kick { restart: true };
        let reconcile = Kick { restart: false };
        assert!(q.offer(id, reconcile), "first: start a worker");
        assert!(!q.offer(id, restart));
        assert!(
            !q.offer(id, reconcile),
            "a reconcile does not downgrade a restart"
        );
        assert!(!q.offer(id, restart));
        assert_eq!(
            q.next(id),
            Some(restart),
            "one follow-up for three requests"
        );
        assert_eq!(q.next(id), None, "then the worker ends");
        assert_eq!(q.busy(), 0);
        assert!(q.offer(id, restart), "a later request starts a new worker");
        assert!(q.offer(WorkspaceId::new_random(), restart), "per workspace");
        assert_eq!(q.busy(), 2);
    }
}
