//! Agent memories, v1 (Molecule §7): commit, search with visibility along the org tree,
//! delete by the author. The v2 namespace view over the same rows is in
//! `memory_namespaces`; both share [`Core::store_agent_memory`] and the presentation
//! in [`FoundMemory`].
//!
//! Visibility of a search by workspace W (v1, `scope=`):
//! - none: W's own rows, any scope; `LOCAL`: W's own LOCAL rows;
//! - `TEAM`: TEAM rows written by the anchor A (W's parent, or W itself when it is a
//!   root) or by A's direct children, removed workspaces excluded;
//! - `GLOBAL`: every GLOBAL row.
//!
//! The original also post-filters TEAM rows through `CanCommunicate`; every author in
//! the set above is W's parent, sibling, child or W itself, which it always allows, so
//! that filter cannot remove a row and is not repeated.

use coffer_crypto::{Aad, ExposeSecret, open_string};

use super::Core;
use super::memory_redaction::{KnownSecret, escape_memory_marker, redact};
pub use super::memory_search::SearchMode;
use crate::domain::{
    AgentMemory, DEFAULT_MEMORY_NAMESPACE, MAX_MEMORY_CONTENT_BYTES, MAX_MEMORY_NAMESPACE_BYTES,
    MEMORY_SEARCH_LIMIT, MemoryHit, MemoryScope, Scope, Workspace, WorkspaceId, WorkspaceStatus,
};
use crate::error::{CoreError, MemoryDenial, Missing, WorkspaceAction};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;
use crate::store::{MemoryClause, MemoryFilter};

/// A v1 memory to commit.
#[derive(Clone, Debug)]
pub struct MemoryDraft {
    pub content: String,
    pub scope: MemoryScope,
    /// The category; `general` when absent.
    pub namespace: Option<String>,
}

/// A v1 search. `limit` is the client's number when it parsed as one.
#[derive(Clone, Debug, Default)]
pub struct MemoryQuery {
    pub scope: Option<MemoryScope>,
    pub q: String,
    pub namespace: Option<String>,
    pub limit: Option<i64>,
    pub mode: SearchMode,
}

/// A memory as a search shows it: GLOBAL content inside its
/// `[MEMORY id=… scope=GLOBAL from=…]:` marker, and the similarity (in [0, 1]) when
/// the search was by meaning.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundMemory {
    pub memory: AgentMemory,
    pub content: String,
    pub similarity: Option<f32>,
}

impl FoundMemory {
    pub(super) fn from_hit(hit: MemoryHit) -> FoundMemory {
        let m = &hit.memory;
        let content = match m.scope {
            MemoryScope::Global => format!(
                "[MEMORY id={} scope=GLOBAL from={}]: {}",
                m.id, m.workspace_id, m.content
            ),
            MemoryScope::Local | MemoryScope::Team => m.content.clone(),
        };
        FoundMemory {
            content,
            // Cosine similarity is in [-1, 1]; opposite meanings are as far as unrelated.
            similarity: hit.similarity.map(|s| s.clamp(0.0, 1.0)),
            memory: hit.memory,
        }
    }
}

impl Core {
    /// Commits a v1 memory written by `caller`. GLOBAL only from a root workspace.
    pub async fn commit_memory(
        &self,
        who: &Principal,
        caller: WorkspaceId,
        draft: MemoryDraft,
    ) -> Result<AgentMemory, CoreError> {
        let category = category(draft.namespace)?;
        let author = self
            .live_workspace(caller, WorkspaceAction::ChangeData)
            .await?;
        if draft.scope == MemoryScope::Global && author.parent_id.is_some() {
            return Err(CoreError::MemoryDenied(MemoryDenial::GlobalFromChild));
        }
        self.store_agent_memory(who, &author, draft.scope, category, &draft.content)
            .await
    }

    /// A v1 search (see the module docs for who sees what).
    pub async fn search_memories(
        &self,
        caller: WorkspaceId,
        query: MemoryQuery,
    ) -> Result<Vec<FoundMemory>, CoreError> {
        let me = self.workspace(caller).await?;
        let clause = match query.scope {
            None => MemoryClause {
                scope: None,
                authors: Some(vec![me.id]),
            },
            Some(MemoryScope::Local) => MemoryClause {
                scope: Some(MemoryScope::Local),
                authors: Some(vec![me.id]),
            },
            Some(MemoryScope::Team) => MemoryClause {
                scope: Some(MemoryScope::Team),
                authors: Some(self.team_of(&me).await?),
            },
            Some(MemoryScope::Global) => MemoryClause {
                scope: Some(MemoryScope::Global),
                authors: None,
            },
        };
        let filter = MemoryFilter {
            clauses: vec![clause],
            namespace: query.namespace,
        };
        let limit = match query.limit {
            Some(n) if n > 0 && (n as usize) < MEMORY_SEARCH_LIMIT => n as usize,
            _ => MEMORY_SEARCH_LIMIT,
        };
        let hits = self
            .run_memory_search(&filter, &query.q, query.mode, limit)
            .await?;
        Ok(hits.into_iter().map(FoundMemory::from_hit).collect())
    }

    /// Deletes a memory `caller` wrote (v1 and v2).
    pub async fn delete_agent_memory(
        &self,
        who: &Principal,
        caller: WorkspaceId,
        memory_id: &str,
    ) -> Result<(), CoreError> {
        self.workspace(caller).await?;
        let scope = Scope::Workspace(caller.as_uuid());
        let event = self.new_event(EventKind::AgentMemoryDeleted, &scope, memory_id, who);
        match self
            .store
            .delete_agent_memory(memory_id, caller, event)
            .await?
        {
            Some(event) => {
                self.bus.publish(event);
                Ok(())
            }
            None => Err(CoreError::NotFound(Missing::Memory)),
        }
    }

    /// Redacts, escapes (GLOBAL), embeds (when it can, in time) and stores a memory.
    pub(super) async fn store_agent_memory(
        &self,
        who: &Principal,
        author: &Workspace,
        scope: MemoryScope,
        category: String,
        content: &str,
    ) -> Result<AgentMemory, CoreError> {
        if content.is_empty() {
            return Err(CoreError::InvalidWorkspace("content is required"));
        }
        if content.contains('\0') {
            // PostgreSQL text cannot hold it; refuse it on every backend alike.
            return Err(CoreError::InvalidWorkspace(
                "content must not contain NUL characters",
            ));
        }
        if content.len() > MAX_MEMORY_CONTENT_BYTES {
            return Err(CoreError::InvalidWorkspace(
                "content must be at most 262144 bytes",
            ));
        }
        let mut text = self.redact_for(author.id, content).await?;
        if scope == MemoryScope::Global {
            text = escape_memory_marker(&text);
        }
        let memory = AgentMemory {
            id: uuid::Uuid::new_v4().to_string(),
            workspace_id: author.id,
            scope,
            namespace: category,
            content: text,
            created_at_ms: now_ms(),
        };
        let vector = self
            .embed_one(&memory.content, self.memory.options.write_timeout)
            .await;
        let event_scope = Scope::Workspace(author.id.as_uuid());
        let event = self.new_event(EventKind::AgentMemoryCreated, &event_scope, &memory.id, who);
        let event = self
            .store
            .insert_agent_memory(&memory, vector.as_ref(), event)
            .await?;
        self.bus.publish(event);
        if vector.is_none() && self.memory.options.embedder.is_some() {
            self.memory.wake_indexer.notify_one();
        }
        Ok(memory)
    }

    /// `content` with every secret the workspace can see (its own and the global ones)
    /// and every credential-looking string replaced. A stored secret that does not open
    /// cannot be searched for; that is logged (by name) and the rest still applies.
    async fn redact_for(&self, id: WorkspaceId, content: &str) -> Result<String, CoreError> {
        let rows = self.store.bundle_secrets(id).await?;
        let mut opened = Vec::with_capacity(rows.len());
        for row in &rows {
            match open_string(
                &self.keys.keyring,
                &Aad::secret(&row.scope, &row.name),
                &row.sealed,
            ) {
                Ok(value) => opened.push((row.name.as_str(), value)),
                Err(e) => {
                    tracing::warn!(secret.scope = %row.scope, secret.name = %row.name, error = %e, "stored secret does not open; it cannot be scrubbed from memories");
                }
            }
        }
        let known: Vec<KnownSecret<'_>> = opened
            .iter()
            .map(|(name, value)| KnownSecret {
                name,
                value: value.expose_secret(),
            })
            .collect();
        Ok(redact(content, &known))
    }

    /// The authors of W's team: its anchor (W's parent, or W when it is a root) and the
    /// anchor's direct children, removed workspaces excluded.
    pub(super) async fn team_of(&self, me: &Workspace) -> Result<Vec<WorkspaceId>, CoreError> {
        let all = self.store.list_workspaces().await?;
        Ok(team_authors(team_anchor(me), &all))
    }
}

/// The anchor of W's team: W's parent, or W itself when it is a root.
pub(super) fn team_anchor(me: &Workspace) -> WorkspaceId {
    me.parent_id.unwrap_or(me.id)
}

/// The authors of the team anchored at `anchor`: the anchor and its direct children,
/// removed workspaces excluded.
pub(super) fn team_authors(anchor: WorkspaceId, all: &[Workspace]) -> Vec<WorkspaceId> {
    all.iter()
        .filter(|w| w.status != WorkspaceStatus::Removed)
        .filter(|w| w.id == anchor || w.parent_id == Some(anchor))
        .map(|w| w.id)
        .collect()
}

/// The category as given (`general` when absent), at most 50 bytes.
pub(super) fn category(namespace: Option<String>) -> Result<String, CoreError> {
    let category = namespace.unwrap_or_else(|| DEFAULT_MEMORY_NAMESPACE.to_owned());
    if category.contains('\0') {
        return Err(CoreError::InvalidWorkspace(
            "namespace must not contain NUL characters",
        ));
    }
    if category.len() > MAX_MEMORY_NAMESPACE_BYTES {
        return Err(CoreError::InvalidWorkspace(
            "namespace must be <= 50 characters",
        ));
    }
    Ok(category)
}
