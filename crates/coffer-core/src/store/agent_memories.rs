//! The persistence port for agent memories (Molecule §7/§9). The core decides who sees
//! what (a [`MemoryFilter`]) and how to search (a [`MemorySearch`]); a store only runs
//! the query with its own index: SQLite uses FTS5 and sqlite-vec, PostgreSQL uses
//! `tsvector` and pgvector (or an exact scan when pgvector is missing).
//!
//! Ordering rules every implementation keeps (the contract suite checks them):
//! - `Recent` and `Substring`: newest first (`created_at` DESC, then `id` DESC);
//! - `FullText`: best rank first, then newest; only rows matching every non-stopword
//!   term of the query, English-stemmed (`plainto_tsquery('english', q)` semantics); a
//!   query with no searchable term matches nothing;
//! - `Vector`: only rows whose vector came from the same embedder and has the same
//!   length; highest cosine similarity first, then newest; the similarity is returned.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{AgentMemory, MemoryHit, MemoryScope, MemoryVector, WorkspaceId};
use crate::event::{Event, NewEvent};

/// Which rows a search may return: the union of `clauses`, narrowed by `namespace`
/// (the category) when given. No clause: no rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryFilter {
    pub clauses: Vec<MemoryClause>,
    pub namespace: Option<String>,
}

/// Rows of one scope (any when `None`) written by one of `authors` (anyone when
/// `None`; nobody when empty).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryClause {
    pub scope: Option<MemoryScope>,
    pub authors: Option<Vec<WorkspaceId>>,
}

/// How to search the rows a filter allows.
#[derive(Clone, Debug, PartialEq)]
pub enum MemorySearch {
    /// Every row, newest first.
    Recent,
    /// Rows whose content contains the text, case-insensitively and literally (`%`, `_`
    /// and `\` are not wildcards), newest first.
    Substring(String),
    /// Full-text search (see the module docs).
    FullText(String),
    /// Nearest by cosine similarity to this query vector.
    Vector(MemoryVector),
}

/// A memory that still needs a vector from the current embedder.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryToEmbed {
    pub id: String,
    pub content: String,
}

#[async_trait]
pub trait MemoryStore: Send + Sync {
    /// Stores a new memory (its id is new), with its vector when it has one, and appends
    /// `event`.
    async fn insert_agent_memory(
        &self,
        memory: &AgentMemory,
        vector: Option<&MemoryVector>,
        event: NewEvent,
    ) -> Result<Event, StoreError>;

    /// At most `limit` rows allowed by `filter`, in the order `search` defines.
    async fn search_agent_memories(
        &self,
        filter: &MemoryFilter,
        search: &MemorySearch,
        limit: usize,
    ) -> Result<Vec<MemoryHit>, StoreError>;

    /// Deletes the memory if `author` wrote it, appending `event`; `None` (and nothing
    /// written) when there is no such memory of that author.
    async fn delete_agent_memory(
        &self,
        id: &str,
        author: WorkspaceId,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError>;

    /// Up to `limit` memories without a vector from `embedder` (none, or another
    /// embedder's), oldest first.
    async fn memories_to_embed(
        &self,
        embedder: &str,
        limit: usize,
    ) -> Result<Vec<MemoryToEmbed>, StoreError>;

    /// Stores (or replaces) a memory's vector. `false` when the memory is gone. Derived
    /// data: no event.
    async fn set_memory_vector(&self, id: &str, vector: &MemoryVector) -> Result<bool, StoreError>;
}
