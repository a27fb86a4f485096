//! Agent memories (Molecule spec §7 "HMA v1" and §9 "v2 namespaces"): free text an agent
//! commits for itself, its team or its whole org, searched by meaning or by words.
//!
//! One row model serves both API versions. A memory has an author workspace, a
//! [`MemoryScope`] and a category (`namespace` in v1, `kind` in v2, default `general`).
//! A v2 namespace name is derived from scope and author (see
//! `ops::agent_memory_namespaces`): `workspace:<author>` (LOCAL), `team:<anchor>` (TEAM)
//! and `org:<root>` (GLOBAL).
//!
//! Content is stored redacted but NOT sealed: it must stay searchable by the full-text
//! index and the embedder. Secrets never reach it (see `ops::memory_redaction`).

use super::WorkspaceId;

/// Who may read a memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemoryScope {
    /// Only its author.
    Local,
    /// The author's team: the author's parent and the parent's direct children (a
    /// root's team is itself and its children).
    Team,
    /// Everyone (v1); the author's org (v2). Only root workspaces write it.
    Global,
}

impl MemoryScope {
    /// Case-sensitive, as in the original.
    pub fn parse(s: &str) -> Option<MemoryScope> {
        match s {
            "LOCAL" => Some(MemoryScope::Local),
            "TEAM" => Some(MemoryScope::Team),
            "GLOBAL" => Some(MemoryScope::Global),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MemoryScope::Local => "LOCAL",
            MemoryScope::Team => "TEAM",
            MemoryScope::Global => "GLOBAL",
        }
    }
}

/// A category longer than this is refused (the original's `VARCHAR(50)`, in bytes).
pub const MAX_MEMORY_NAMESPACE_BYTES: usize = 50;
/// The category when none is given.
pub const DEFAULT_MEMORY_NAMESPACE: &str = "general";
/// Content longer than this is refused (the original has no limit but its body limit).
pub const MAX_MEMORY_CONTENT_BYTES: usize = 256 * 1024;
/// Search results per request: a limit outside 1..=49 becomes this (as the original).
pub const MEMORY_SEARCH_LIMIT: usize = 50;

/// A stored memory. `content` is what was stored: redacted, and for GLOBAL rows with
/// `[MEMORY ` escaped; the GLOBAL read marker is added by the reading operation.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentMemory {
    /// A lowercase UUID.
    pub id: String,
    /// The author.
    pub workspace_id: WorkspaceId,
    pub scope: MemoryScope,
    /// The category (v1 `namespace`, v2 `kind`).
    pub namespace: String,
    pub content: String,
    pub created_at_ms: i64,
}

/// A vector for a memory, with the id of the embedder that produced it (see
/// `crate::embedder::Embedder::id`). L2-normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryVector {
    pub embedder: String,
    pub vector: Vec<f32>,
}

/// A search result: the memory and, for a vector search, its cosine similarity to the
/// query (in [-1, 1]; higher is closer).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryHit {
    pub memory: AgentMemory,
    pub similarity: Option<f32>,
}
