//! Which workspaces a change restarts (spec §5), as pure functions over the workspace
//! list, so the rule is tested without a store or a process.
//!
//! A workspace may be restarted when its status is not `removed`, `paused` or
//! `hibernated`, its runtime is not `external`, and no ancestor is `paused` (the walk up
//! `parent_id` stops after [`MAX_ANCESTOR_WALK`] steps or at a cycle). A global secret
//! change restarts every such workspace that does not shadow the key with its own secret.

use std::collections::{HashMap, HashSet};

use crate::domain::{Workspace, WorkspaceId, WorkspaceStatus};

/// As the original's `maxAncestorWalk`.
pub(super) const MAX_ANCESTOR_WALK: usize = 32;

/// The workspaces by id, for ancestor walks.
pub(super) struct Tree<'a> {
    by_id: HashMap<WorkspaceId, &'a Workspace>,
}

impl<'a> Tree<'a> {
    pub(super) fn new(all: &'a [Workspace]) -> Tree<'a> {
        Tree {
            by_id: all.iter().map(|w| (w.id, w)).collect(),
        }
    }

    pub(super) fn get(&self, id: WorkspaceId) -> Option<&'a Workspace> {
        self.by_id.get(&id).copied()
    }

    fn has_paused_ancestor(&self, workspace: &Workspace) -> bool {
        let mut seen = HashSet::from([workspace.id]);
        let mut next = workspace.parent_id;
        for _ in 0..MAX_ANCESTOR_WALK {
            let Some(parent) = next.and_then(|id| self.get(id)) else {
                return false;
            };
            if parent.status == WorkspaceStatus::Paused {
                return true;
            }
            if !seen.insert(parent.id) {
                return false; // a cycle: stop walking
            }
            next = parent.parent_id;
        }
        false
    }

    /// Whether `workspace` may be restarted (see the module docs).
    pub(super) fn restartable(&self, workspace: &Workspace) -> bool {
        WorkspaceStatus::RUNNING.contains(&workspace.status)
            && !workspace.runtime.is_external()
            && !self.has_paused_ancestor(workspace)
    }

    /// The workspaces a change of the global secret restarts, given those that shadow it.
    pub(super) fn global_change_targets(&self, shadowing: &[WorkspaceId]) -> Vec<WorkspaceId> {
        let mut targets: Vec<WorkspaceId> = self
            .by_id
            .values()
            .filter(|w| !shadowing.contains(&w.id) && self.restartable(w))
            .map(|w| w.id)
            .collect();
        targets.sort();
        targets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Runtime, WorkspaceName};

    fn ws(status: WorkspaceStatus, parent: Option<WorkspaceId>) -> Workspace {
        Workspace {
            id: WorkspaceId::new_random(),
            name: WorkspaceName::parse("w").unwrap(),
            parent_id: parent,
            status,
            status_reason: None,
            runtime: Runtime::default(),
            command: None,
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn global_changes_skip_stopped_external_shadowing_and_paused_subtrees() {
        use WorkspaceStatus::*;
        let paused = ws(Paused, None);
        let under_paused = ws(Online, Some(paused.id));
        let deep = ws(Failed, Some(under_paused.id));
        let root = ws(Online, None);
        let child = ws(Provisioning, Some(root.id));
        let shadowing = ws(Online, None);
        let mut external = ws(Online, None);
        external.runtime = Runtime::parse("external").unwrap();
        let removed = ws(Removed, None);
        let hibernated = ws(Hibernated, None);
        let under_removed = ws(Offline, Some(removed.id));
        let all = vec![
            paused.clone(),
            under_paused,
            deep,
            root.clone(),
            child.clone(),
            shadowing.clone(),
            external,
            removed,
            hibernated,
            under_removed.clone(),
        ];
        let tree = Tree::new(&all);
        let mut expected = vec![root.id, child.id, under_removed.id];
        expected.sort();
        assert_eq!(tree.global_change_targets(&[shadowing.id]), expected);
        assert!(
            tree.restartable(&shadowing),
            "restartable for its own secrets"
        );
        assert!(!tree.restartable(&paused));
    }

    #[test]
    fn the_ancestor_walk_survives_cycles_and_depth() {
        let mut a = ws(WorkspaceStatus::Online, None);
        let b = ws(WorkspaceStatus::Online, Some(a.id));
        a.parent_id = Some(b.id);
        let all = vec![a.clone(), b];
        assert!(Tree::new(&all).restartable(&a));

        // A paused root 40 levels up is beyond the walk, as in the original.
        let mut chain = vec![ws(WorkspaceStatus::Paused, None)];
        for _ in 0..40 {
            let parent = chain.last().unwrap().id;
            chain.push(ws(WorkspaceStatus::Online, Some(parent)));
        }
        let tree = Tree::new(&chain);
        assert!(tree.restartable(chain.last().unwrap()));
        assert!(!tree.restartable(&chain[5]));
    }
}
