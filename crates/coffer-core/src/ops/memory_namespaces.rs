//! Agent memories, v2 (Molecule §9, our design; docs/dialects/molecule.md): the same
//! rows as v1, seen through named namespaces derived from the org tree. For a
//! workspace W with anchor A (W's parent, or W when it is a root) and root R (the top
//! of W's tree, at most 32 steps up):
//! - `workspace:<W>` (LOCAL): W's LOCAL rows; writable;
//! - `team:<A>` (TEAM): TEAM rows by A or A's children (v1's TEAM rule); writable;
//! - `org:<R>` (GLOBAL): GLOBAL rows written by R; writable by R only (v1's 403 rule).
//!
//! A namespace outside these three is unknown to W (404), whether or not it exists for
//! another workspace, so names cannot be probed. The v1 category (`namespace` there) is
//! `kind` here.

use std::collections::HashMap;

use super::Core;
use super::agent_memories::{FoundMemory, category, team_anchor, team_authors};
use super::memory_search::SearchMode;
use crate::domain::{AgentMemory, MEMORY_SEARCH_LIMIT, MemoryScope, Workspace, WorkspaceId};
use crate::error::{CoreError, MemoryDenial, Missing, WorkspaceAction};
use crate::principal::Principal;
use crate::store::{MemoryClause, MemoryFilter};

/// How far up the tree the org root is looked for (the original's `maxAncestorWalk`).
const MAX_ANCESTOR_WALK: usize = 32;

/// A namespace as a workspace sees it (all of them are readable by it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryNamespace {
    pub name: String,
    pub scope: MemoryScope,
    pub anchor: WorkspaceId,
    pub writable: bool,
    /// The authors whose rows of `scope` it holds.
    authors: Vec<WorkspaceId>,
}

/// A v2 memory to commit: into `namespace`, or W's namespace of `scope`, or W's LOCAL
/// one when neither is given.
#[derive(Clone, Debug, Default)]
pub struct NamespaceDraft {
    pub content: String,
    pub namespace: Option<String>,
    pub scope: Option<MemoryScope>,
    pub kind: Option<String>,
}

/// A v2 search over every namespace W can read, or one of them.
#[derive(Clone, Debug, Default)]
pub struct NamespaceQuery {
    pub namespace: Option<String>,
    pub kind: Option<String>,
    pub q: String,
    pub limit: Option<i64>,
    pub mode: SearchMode,
}

impl Core {
    /// W's three namespaces: LOCAL, TEAM, GLOBAL.
    pub async fn memory_namespaces(
        &self,
        caller: WorkspaceId,
    ) -> Result<Vec<MemoryNamespace>, CoreError> {
        let me = self.workspace(caller).await?;
        let all = self.store.list_workspaces().await?;
        Ok(namespaces_of(&me, &all))
    }

    /// Commits a v2 memory; returns it and the namespace it went to.
    pub async fn commit_namespace_memory(
        &self,
        who: &Principal,
        caller: WorkspaceId,
        draft: NamespaceDraft,
    ) -> Result<(AgentMemory, MemoryNamespace), CoreError> {
        let kind = category(draft.kind)?;
        let author = self
            .live_workspace(caller, WorkspaceAction::ChangeData)
            .await?;
        let namespaces = namespaces_of(&author, &self.store.list_workspaces().await?);
        let target = match (draft.namespace, draft.scope) {
            (Some(name), scope) => {
                let ns = namespaces
                    .into_iter()
                    .find(|ns| ns.name == name)
                    .ok_or(CoreError::NotFound(Missing::MemoryNamespace))?;
                if scope.is_some_and(|s| s != ns.scope) {
                    return Err(CoreError::InvalidWorkspace(
                        "scope does not match the namespace",
                    ));
                }
                ns
            }
            (None, scope) => {
                let scope = scope.unwrap_or(MemoryScope::Local);
                namespaces
                    .into_iter()
                    .find(|ns| ns.scope == scope)
                    .expect("every scope has a namespace")
            }
        };
        if !target.writable {
            return Err(CoreError::MemoryDenied(MemoryDenial::NamespaceNotWritable));
        }
        let memory = self
            .store_agent_memory(who, &author, target.scope, kind, &draft.content)
            .await?;
        Ok((memory, target))
    }

    /// A v2 search; each result with the name of the namespace it was found in.
    pub async fn search_namespace_memories(
        &self,
        caller: WorkspaceId,
        query: NamespaceQuery,
    ) -> Result<Vec<(FoundMemory, String)>, CoreError> {
        let me = self.workspace(caller).await?;
        let mut namespaces = namespaces_of(&me, &self.store.list_workspaces().await?);
        if let Some(name) = &query.namespace {
            namespaces.retain(|ns| &ns.name == name);
            if namespaces.is_empty() {
                return Err(CoreError::NotFound(Missing::MemoryNamespace));
            }
        }
        let filter = MemoryFilter {
            clauses: namespaces
                .iter()
                .map(|ns| MemoryClause {
                    scope: Some(ns.scope),
                    authors: Some(ns.authors.clone()),
                })
                .collect(),
            namespace: query.kind,
        };
        let limit = query.limit.map_or(MEMORY_SEARCH_LIMIT, |n| {
            n.clamp(1, MEMORY_SEARCH_LIMIT as i64) as usize
        });
        let hits = self
            .run_memory_search(&filter, &query.q, query.mode, limit)
            .await?;
        let name_of: HashMap<MemoryScope, &str> = namespaces
            .iter()
            .map(|ns| (ns.scope, ns.name.as_str()))
            .collect();
        Ok(hits
            .into_iter()
            .map(|hit| {
                let name = name_of[&hit.memory.scope].to_owned();
                (FoundMemory::from_hit(hit), name)
            })
            .collect())
    }
}

/// The namespace a stored memory belongs to, by its scope and author.
pub fn namespace_name(scope: MemoryScope, anchor: WorkspaceId) -> String {
    match scope {
        MemoryScope::Local => format!("workspace:{anchor}"),
        MemoryScope::Team => format!("team:{anchor}"),
        MemoryScope::Global => format!("org:{anchor}"),
    }
}

fn namespaces_of(me: &Workspace, all: &[Workspace]) -> Vec<MemoryNamespace> {
    let by_id: HashMap<WorkspaceId, &Workspace> = all.iter().map(|w| (w.id, w)).collect();
    let anchor = team_anchor(me);
    let mut root = me;
    for _ in 0..MAX_ANCESTOR_WALK {
        match root.parent_id.and_then(|p| by_id.get(&p)) {
            Some(parent) => root = parent,
            None => break,
        }
    }
    let team = team_authors(anchor, all);
    vec![
        MemoryNamespace {
            name: namespace_name(MemoryScope::Local, me.id),
            scope: MemoryScope::Local,
            anchor: me.id,
            writable: true,
            authors: vec![me.id],
        },
        MemoryNamespace {
            name: namespace_name(MemoryScope::Team, anchor),
            scope: MemoryScope::Team,
            anchor,
            writable: true,
            authors: team,
        },
        MemoryNamespace {
            name: namespace_name(MemoryScope::Global, root.id),
            scope: MemoryScope::Global,
            anchor: root.id,
            writable: me.parent_id.is_none(),
            authors: vec![root.id],
        },
    ]
}
