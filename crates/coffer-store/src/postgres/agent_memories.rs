//! Agent memories on PostgreSQL (the [`MemoryStore`] port).
//!
//! Full-text search uses the generated `content_tsv` column (GIN index). A memory's
//! vector is always stored as little-endian f32 bytes in `embedding` (the source of
//! truth, no extension needed). When the pgvector extension is available (detected at
//! connect, see [`prepare`]) the store also keeps an `embedding_vector` column of type
//! `vector` (no fixed dimension, so any embedder fits) and builds one HNSW expression
//! index per dimension the first time a vector of that dimension is written:
//! `(embedding_vector::vector(D)) vector_cosine_ops WHERE octet_length(embedding) = 4*D`.
//! Every pgvector name is qualified with the schema the extension lives in (read from
//! `pg_extension`), so a store whose `search_path` is only its own schema still
//! resolves them. Without pgvector, a vector search is an exact scan computed here.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};
use std::sync::Mutex;

use anyhow::Context;
use async_trait::async_trait;
use coffer_core::domain::{AgentMemory, MemoryHit, MemoryVector, WorkspaceId};
use coffer_core::embedder::{cosine, vector_from_bytes, vector_to_bytes};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{MemoryFilter, MemorySearch, MemoryStore, MemoryToEmbed, StoreError};
use sqlx::{AssertSqlSafe, PgPool, Postgres, QueryBuilder};

use super::error::at;
use super::migrate::MIGRATION_LOCK;
use super::{PgStore, commit, insert_event};
use crate::rows::agent_memories::{MemoryTuple, agent_memory, like_literal};

/// Set (non-empty, not `0`) to run as if pgvector were missing (tests, benchmarks).
pub const DISABLE_PGVECTOR_VAR: &str = "COFFER_PG_DISABLE_PGVECTOR";

/// Advisory lock class serialising the creation of HNSW indexes in one schema.
const INDEX_LOCK: i32 = 0x636f_686e; // ASCII "cohn"
/// pgvector limits: `vector` holds at most 16,000 dimensions, HNSW indexes 2,000.
const MAX_VECTOR_DIMS: usize = 16_000;
const MAX_HNSW_DIMS: usize = 2_000;
/// HNSW candidate list size for searches (pgvector's default is 40).
const EF_SEARCH: &str = "100";
/// Extra rows the approximate (index) search fetches before the exact re-sort, so ties
/// on the last place are still ordered newest first.
const VECTOR_OVERSAMPLE: usize = 16;
/// Rows per batch of the exact scan and of the backfill.
const BATCH: i64 = 1_000;

const COLUMNS: &str = "id, workspace_id, scope, namespace, content, created_at";

/// What the store knows about pgvector: the quoted schema of the extension when the
/// store uses it, and the dimensions whose HNSW index is known to exist.
#[derive(Debug, Default)]
pub(super) struct Vectors {
    pgvector: Option<String>,
    /// pgvector ≥ 0.8: HNSW scans with a filter continue until enough rows pass
    /// (`hnsw.iterative_scan`; older versions reject the setting).
    iterative_scan: bool,
    /// The `embedding_vector` column exists but pgvector is not used: writes clear it so it
    /// never disagrees with `embedding` (a later store with pgvector backfills it).
    clear_embedding: bool,
    indexed: Mutex<HashSet<usize>>,
}

/// Runs after the migrations: makes pgvector available when possible and detects it.
/// Under the migration lock, so concurrent starts do not race on the DDL.
pub(super) async fn prepare(pool: &PgPool, disable: bool) -> anyhow::Result<Vectors> {
    let disable =
        disable || std::env::var(DISABLE_PGVECTOR_VAR).is_ok_and(|v| !v.is_empty() && v != "0");
    let mut tx = pool.begin().await.context("starting pgvector setup")?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .context("taking the migration lock")?;
    if !disable {
        // In `public`, not in a per-store schema: dropping that schema must not drop the
        // extension under other stores. Lacking the privilege (or the extension's files)
        // is fine: the savepoint keeps the transaction usable.
        let mut savepoint = sqlx::Connection::begin(&mut *tx)
            .await
            .context("pgvector savepoint")?;
        match sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
            .execute(&mut *savepoint)
            .await
        {
            Ok(_) => savepoint.commit().await.context("pgvector savepoint")?,
            Err(e) => {
                tracing::debug!(error = %e, "postgres: cannot create the pgvector extension");
                savepoint.rollback().await.context("pgvector savepoint")?;
            }
        }
    }
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, e.extversion::text FROM pg_extension e \
         JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'",
    )
    .fetch_optional(&mut *tx)
    .await
    .context("looking for pgvector")?;
    let mut vectors = Vectors::default();
    match found {
        Some((schema, version)) if !disable => {
            let ext = quote_ident(&schema);
            sqlx::raw_sql(AssertSqlSafe(format!(
                "ALTER TABLE agent_memories ADD COLUMN IF NOT EXISTS embedding_vector {ext}.vector"
            )))
            .execute(&mut *tx)
            .await
            .context("adding the pgvector column")?;
            vectors.pgvector = Some(ext);
            vectors.iterative_scan = at_least_0_8(&version);
        }
        _ => {
            tracing::warn!("pgvector not available: semantic search uses an exact scan in coffer");
            vectors.clear_embedding = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = 'agent_memories' \
                 AND column_name = 'embedding_vector')",
            )
            .fetch_one(&mut *tx)
            .await
            .context("looking for the pgvector column")?;
        }
    }
    tx.commit().await.context("committing pgvector setup")?;
    if let Some(ext) = &vectors.pgvector {
        backfill(pool, ext).await.context("backfilling pgvector")?;
    }
    Ok(vectors)
}

/// Fills `embedding_vector` for rows written while pgvector was not used.
async fn backfill(pool: &PgPool, ext: &str) -> anyhow::Result<()> {
    let update = format!(
        "UPDATE agent_memories SET embedding_vector = $2::{ext}.vector \
         WHERE id = $1 AND embedding_vector IS NULL AND embedding = $3"
    );
    let mut after = String::new();
    loop {
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT id, embedding FROM agent_memories \
             WHERE embedding_vector IS NULL AND embedding IS NOT NULL AND id > $1 \
             ORDER BY id LIMIT $2",
        )
        .bind(&after)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = last.clone();
        for (id, raw) in rows {
            let Some(text) = vector_from_bytes(&raw).as_deref().and_then(vector_text) else {
                continue;
            };
            sqlx::query(AssertSqlSafe(update.clone()))
                .bind(id)
                .bind(text)
                .bind(raw)
                .execute(pool)
                .await?;
        }
    }
}

/// Whether a pgvector version string (`0.8.0`) is 0.8 or later.
fn at_least_0_8(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (0, 8)
}

/// `"name"`, with embedded quotes doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// pgvector's text form `[x,y,…]`, or `None` when pgvector cannot hold the vector (no
/// or too many dimensions, NaN or infinity). Rust prints the shortest decimal that
/// reads back as the same f32.
fn vector_text(v: &[f32]) -> Option<String> {
    if v.is_empty() || v.len() > MAX_VECTOR_DIMS || !v.iter().all(|x| x.is_finite()) {
        return None;
    }
    let mut s = String::with_capacity(v.len() * 12 + 2);
    s.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&x.to_string());
    }
    s.push(']');
    Some(s)
}

/// Appends ` WHERE (<clauses>) [AND namespace = $n]`; `false` when no row can match.
fn push_filter(qb: &mut QueryBuilder<Postgres>, filter: &MemoryFilter) -> bool {
    if filter.clauses.is_empty() {
        return false;
    }
    qb.push(" WHERE (");
    for (i, clause) in filter.clauses.iter().enumerate() {
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push("(TRUE");
        if let Some(scope) = clause.scope {
            qb.push(" AND scope = ").push_bind(scope.as_str());
        }
        match &clause.authors {
            None => {}
            Some(authors) if authors.is_empty() => {
                qb.push(" AND FALSE");
            }
            Some(authors) => {
                let ids: Vec<String> = authors.iter().map(ToString::to_string).collect();
                qb.push(" AND workspace_id = ANY(").push_bind(ids).push(")");
            }
        }
        qb.push(")");
    }
    qb.push(")");
    if let Some(namespace) = &filter.namespace {
        qb.push(" AND namespace = ").push_bind(namespace.clone());
    }
    true
}

/// `false` when `value` holds a NUL, which no PostgreSQL text value can.
fn storable(value: Option<&str>) -> bool {
    value.is_none_or(|v| !v.contains('\0'))
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl PgStore {
    /// Creates the HNSW index for `dims` in the background if this store has not yet
    /// (building it over an existing table can take minutes; a write never waits for
    /// it). Derived data: a failure is logged (the exact sort still answers) and retried
    /// on a later write.
    fn ensure_vector_index(&self, dims: usize) {
        if self.vectors.pgvector.is_none() || dims == 0 || dims > MAX_HNSW_DIMS {
            return;
        }
        let claimed = self
            .vectors
            .indexed
            .lock()
            .is_ok_and(|mut set| set.insert(dims));
        if !claimed {
            return;
        }
        let (pool, vectors) = (self.pool.clone(), self.vectors.clone());
        tokio::spawn(async move {
            if !create_vector_index(&pool, &vectors, dims).await
                && let Ok(mut set) = vectors.indexed.lock()
            {
                set.remove(&dims);
            }
        });
    }
}

/// `CREATE INDEX IF NOT EXISTS` for `dims`, under a per-schema advisory lock; whether it
/// exists now.
async fn create_vector_index(pool: &PgPool, vectors: &Vectors, dims: usize) -> bool {
    let Some(ext) = &vectors.pgvector else {
        return false;
    };
    let bytes = dims * 4;
    let sql = format!(
        "CREATE INDEX IF NOT EXISTS agent_memories_hnsw_{dims} ON agent_memories \
             USING hnsw ((embedding_vector::{ext}.vector({dims})) {ext}.vector_cosine_ops) \
             WHERE octet_length(embedding) = {bytes}"
    );
    let result = async {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1::int4, hashtext(current_schema()))")
            .bind(INDEX_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, dims, "postgres: cannot create an HNSW index");
            false
        }
    }
}

impl PgStore {
    /// Writes the vector columns of memory `id`; `false` when there is no such row.
    async fn write_vector(
        &self,
        conn: &mut sqlx::PgConnection,
        id: &str,
        vector: &MemoryVector,
    ) -> Result<bool, sqlx::Error> {
        let raw = vector_to_bytes(&vector.vector);
        let mut qb = QueryBuilder::<Postgres>::new("UPDATE agent_memories SET embedder = ");
        qb.push_bind(vector.embedder.clone())
            .push(", embedding = ")
            .push_bind(raw);
        if let Some(ext) = &self.vectors.pgvector {
            match vector_text(&vector.vector) {
                Some(text) => {
                    qb.push(", embedding_vector = ")
                        .push_bind(text)
                        .push(format!("::{ext}.vector"));
                }
                None => {
                    qb.push(", embedding_vector = NULL");
                }
            }
        } else if self.vectors.clear_embedding {
            qb.push(", embedding_vector = NULL");
        }
        qb.push(" WHERE id = ").push_bind(id.to_owned());
        let done = qb.build().execute(conn).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn search_rows(
        &self,
        filter: &MemoryFilter,
        search: &MemorySearch,
        limit: usize,
    ) -> Result<Vec<MemoryHit>, StoreError> {
        let mut qb = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM agent_memories"));
        if !push_filter(&mut qb, filter) {
            return Ok(Vec::new());
        }
        match search {
            MemorySearch::Recent => {
                qb.push(" ORDER BY created_at DESC, id DESC");
            }
            MemorySearch::Substring(text) => {
                qb.push(" AND content ILIKE '%' || ")
                    .push_bind(like_literal(text))
                    .push(" || '%' ESCAPE '\\' ORDER BY created_at DESC, id DESC");
            }
            MemorySearch::FullText(query) => {
                qb.push(" AND content_tsv @@ plainto_tsquery('english', ")
                    .push_bind(query.clone())
                    .push(") ORDER BY ts_rank(content_tsv, plainto_tsquery('english', ")
                    .push_bind(query.clone())
                    .push(")) DESC, created_at DESC, id DESC");
            }
            MemorySearch::Vector(_) => unreachable!("vector searches go elsewhere"),
        }
        qb.push(" LIMIT ").push_bind(sql_limit(limit));
        let rows: Vec<MemoryTuple> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(at("search_agent_memories"))?;
        rows.into_iter()
            .map(|row| {
                Ok(MemoryHit {
                    memory: agent_memory(row)?,
                    similarity: None,
                })
            })
            .collect()
    }

    /// Nearest rows through pgvector: the planner uses the dimension's HNSW index for a
    /// broad filter (approximate; iterative scans keep a filtered scan going until
    /// enough rows pass) and an exact sort for a selective one. The rows found are
    /// re-sorted exactly (distance, then newest) in the outer query.
    async fn search_pgvector(
        &self,
        ext: &str,
        filter: &MemoryFilter,
        query: &MemoryVector,
        text: String,
        limit: usize,
    ) -> Result<Vec<MemoryHit>, StoreError> {
        let dims = query.vector.len();
        let bytes = dims * 4;
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "WITH hits AS MATERIALIZED (SELECT {COLUMNS}, \
             embedding_vector::{ext}.vector({dims}) OPERATOR({ext}.<=>) "
        ));
        qb.push_bind(text).push(format!(
            "::{ext}.vector({dims}) AS distance FROM agent_memories"
        ));
        if !push_filter(&mut qb, filter) {
            return Ok(Vec::new());
        }
        qb.push(" AND embedder = ")
            .push_bind(query.embedder.clone())
            .push(format!(
                " AND octet_length(embedding) = {bytes} AND embedding_vector IS NOT NULL \
                 ORDER BY distance LIMIT "
            ))
            .push_bind(sql_limit(limit.saturating_add(VECTOR_OVERSAMPLE)))
            .push(format!(
                ") SELECT {COLUMNS}, (1 - distance)::real FROM hits \
                 ORDER BY distance, created_at DESC, id DESC LIMIT "
            ))
            .push_bind(sql_limit(limit));
        let mut tx = self.begin("search_agent_memories").await?;
        sqlx::query(if self.vectors.iterative_scan {
            "SELECT set_config('hnsw.ef_search', $1, true), \
             set_config('hnsw.iterative_scan', 'relaxed_order', true)"
        } else {
            "SELECT set_config('hnsw.ef_search', $1, true)"
        })
        .bind(EF_SEARCH)
        .execute(&mut *tx)
        .await
        .map_err(at("search_agent_memories"))?;
        let rows: Vec<(String, String, String, String, String, i64, f32)> = qb
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .map_err(at("search_agent_memories"))?;
        commit(tx, "search_agent_memories").await?;
        rows.into_iter()
            .map(|(id, ws, scope, ns, content, at_ms, similarity)| {
                Ok(MemoryHit {
                    memory: agent_memory((id, ws, scope, ns, content, at_ms))?,
                    similarity: Some(similarity.clamp(-1.0, 1.0)),
                })
            })
            .collect()
    }

    /// Nearest rows computed here (no pgvector): an exact scan in batches, keeping the
    /// best `limit` rows.
    async fn search_exact(
        &self,
        filter: &MemoryFilter,
        query: &MemoryVector,
        limit: usize,
    ) -> Result<Vec<MemoryHit>, StoreError> {
        let bytes = i64::try_from(query.vector.len() * 4).unwrap_or(i64::MAX);
        let mut best: BinaryHeap<Ranked> = BinaryHeap::new();
        let mut after = String::new();
        loop {
            let mut qb = QueryBuilder::<Postgres>::new(
                "SELECT id, created_at, embedding FROM agent_memories",
            );
            if !push_filter(&mut qb, filter) {
                return Ok(Vec::new());
            }
            qb.push(" AND embedder = ")
                .push_bind(query.embedder.clone())
                .push(" AND octet_length(embedding) = ")
                .push_bind(bytes)
                .push(" AND id > ")
                .push_bind(after.clone())
                .push(" ORDER BY id LIMIT ")
                .push_bind(BATCH);
            let rows: Vec<(String, i64, Vec<u8>)> = qb
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(at("search_agent_memories"))?;
            let Some((last, _, _)) = rows.last() else {
                break;
            };
            after = last.clone();
            for (id, created_at, raw) in rows {
                let Some(v) = vector_from_bytes(&raw) else {
                    continue;
                };
                best.push(Ranked {
                    similarity: cosine(&query.vector, &v),
                    created_at,
                    id,
                });
                if best.len() > limit {
                    best.pop();
                }
            }
        }
        let ranked = best.into_sorted_vec();
        let ids: Vec<String> = ranked.iter().map(|r| r.id.clone()).collect();
        let rows: Vec<MemoryTuple> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM agent_memories WHERE id = ANY($1)"
        )))
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(at("search_agent_memories"))?;
        let mut by_id: std::collections::HashMap<String, MemoryTuple> =
            rows.into_iter().map(|r| (r.0.clone(), r)).collect();
        ranked
            .into_iter()
            .filter_map(|r| by_id.remove(&r.id).map(|row| (row, r.similarity)))
            .map(|(row, similarity)| {
                Ok(MemoryHit {
                    memory: agent_memory(row)?,
                    similarity: Some(similarity),
                })
            })
            .collect()
    }
}

/// A scanned row's rank. Ordered so that "better" is smaller (more similar, then newer,
/// then larger id): the max-heap's top is the worst kept row, and a sorted vector is
/// best first.
#[derive(Debug)]
struct Ranked {
    similarity: f32,
    created_at: i64,
    id: String,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .similarity
            .total_cmp(&self.similarity)
            .then_with(|| other.created_at.cmp(&self.created_at))
            .then_with(|| other.id.cmp(&self.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

#[async_trait]
impl MemoryStore for PgStore {
    async fn insert_agent_memory(
        &self,
        memory: &AgentMemory,
        vector: Option<&MemoryVector>,
        event: NewEvent,
    ) -> Result<Event, StoreError> {
        let mut tx = self.begin("insert_agent_memory").await?;
        sqlx::query(
            "INSERT INTO agent_memories \
             (id, workspace_id, scope, namespace, content, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&memory.id)
        .bind(memory.workspace_id.to_string())
        .bind(memory.scope.as_str())
        .bind(&memory.namespace)
        .bind(&memory.content)
        .bind(memory.created_at_ms)
        .execute(&mut *tx)
        .await
        .map_err(at("insert_agent_memory"))?;
        if let Some(vector) = vector {
            self.write_vector(&mut tx, &memory.id, vector)
                .await
                .map_err(at("insert_agent_memory"))?;
        }
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "insert_agent_memory").await?;
        if let Some(vector) = vector {
            self.ensure_vector_index(vector.vector.len());
        }
        Ok(event)
    }

    async fn search_agent_memories(
        &self,
        filter: &MemoryFilter,
        search: &MemorySearch,
        limit: usize,
    ) -> Result<Vec<MemoryHit>, StoreError> {
        if filter.clauses.is_empty() || limit == 0 || !storable(filter.namespace.as_deref()) {
            return Ok(Vec::new());
        }
        // PostgreSQL text cannot hold NUL: no stored value contains one, and a query
        // must not send one (the server refuses it).
        let cleaned;
        let search = match search {
            MemorySearch::Substring(text) if text.contains('\0') => return Ok(Vec::new()),
            MemorySearch::Vector(query) if query.embedder.contains('\0') => {
                return Ok(Vec::new());
            }
            MemorySearch::FullText(query) if query.contains('\0') => {
                cleaned = MemorySearch::FullText(query.replace('\0', " "));
                &cleaned
            }
            _ => search,
        };
        let MemorySearch::Vector(query) = search else {
            return self.search_rows(filter, search, limit).await;
        };
        match (&self.vectors.pgvector, vector_text(&query.vector)) {
            (Some(ext), Some(text)) => self.search_pgvector(ext, filter, query, text, limit).await,
            _ => self.search_exact(filter, query, limit).await,
        }
    }

    async fn delete_agent_memory(
        &self,
        id: &str,
        author: WorkspaceId,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let mut tx = self.begin("delete_agent_memory").await?;
        let done = sqlx::query("DELETE FROM agent_memories WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(author.to_string())
            .execute(&mut *tx)
            .await
            .map_err(at("delete_agent_memory"))?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "delete_agent_memory").await?;
        Ok(Some(event))
    }

    async fn memories_to_embed(
        &self,
        embedder: &str,
        limit: usize,
    ) -> Result<Vec<MemoryToEmbed>, StoreError> {
        // No stored embedder id contains NUL (PostgreSQL text cannot): such an id
        // differs from every row's, and must not be sent.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, content FROM agent_memories \
             WHERE embedder IS NULL OR embedder <> $1 OR $2 \
             ORDER BY created_at, id LIMIT $3",
        )
        .bind(embedder.replace('\0', ""))
        .bind(embedder.contains('\0'))
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(at("memories_to_embed"))?;
        Ok(rows
            .into_iter()
            .map(|(id, content)| MemoryToEmbed { id, content })
            .collect())
    }

    async fn set_memory_vector(&self, id: &str, vector: &MemoryVector) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(at("set_memory_vector"))?;
        let found = self
            .write_vector(&mut conn, id, vector)
            .await
            .map_err(at("set_memory_vector"))?;
        drop(conn);
        if found {
            self.ensure_vector_index(vector.vector.len());
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::{Ranked, at_least_0_8, quote_ident, vector_text};

    #[test]
    fn helpers_escape_and_format() {
        assert_eq!(quote_ident(r#"my"schema"#), r#""my""schema""#);
        assert_eq!(
            vector_text(&[1.0, -0.5, 0.1]).as_deref(),
            Some("[1,-0.5,0.1]")
        );
        assert_eq!(vector_text(&[]), None);
        assert_eq!(vector_text(&[f32::NAN]), None);
        assert!(at_least_0_8("0.8.0") && at_least_0_8("1.0") && !at_least_0_8("0.7.4"));
    }

    #[test]
    fn ranked_sorts_best_first() {
        let r = |similarity, created_at, id: &str| Ranked {
            similarity,
            created_at,
            id: id.to_owned(),
        };
        let mut v = [
            r(0.1, 5, "a"),
            r(0.9, 1, "b"),
            r(0.9, 3, "c"),
            r(0.9, 3, "d"),
        ];
        v.sort();
        let ids: Vec<&str> = v.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["d", "c", "b", "a"]);
    }
}
