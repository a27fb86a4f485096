//! KV memory on SQLite (the [`WorkspaceStore`](coffer_core::store::WorkspaceStore)
//! methods delegate here): reads on the reader pool, writes as jobs of the group-commit
//! writer with their event row in the same transaction.

use coffer_core::domain::{MemoryEntry, MemoryWrite, WorkspaceId};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::StoreError;

use super::SqliteStore;
use super::error::at;
use super::writes::insert_event;
use crate::sql::workspace_data as dsql;

pub(super) async fn list(
    store: &SqliteStore,
    id: WorkspaceId,
    now_ms: i64,
) -> Result<Vec<MemoryEntry>, StoreError> {
    let rows: Vec<dsql::MemoryTuple> = sqlx::query_as(dsql::LIST_MEMORY)
        .bind(id.to_string())
        .bind(now_ms)
        .fetch_all(&store.read)
        .await
        .map_err(at("list_memory"))?;
    Ok(rows.into_iter().map(dsql::memory_entry).collect())
}

pub(super) async fn find(
    store: &SqliteStore,
    id: WorkspaceId,
    key: &str,
    now_ms: i64,
) -> Result<Option<MemoryEntry>, StoreError> {
    let row: Option<dsql::MemoryTuple> = sqlx::query_as(dsql::FIND_MEMORY)
        .bind(id.to_string())
        .bind(key)
        .bind(now_ms)
        .fetch_optional(&store.read)
        .await
        .map_err(at("find_memory"))?;
    Ok(row.map(dsql::memory_entry))
}

/// The arguments of a memory write, owned for the writer task.
pub(super) struct SetMemory {
    pub id: WorkspaceId,
    pub key: String,
    pub value: String,
    pub expires_at_ms: Option<i64>,
    pub if_match: Option<i64>,
    pub now_ms: i64,
    pub event: NewEvent,
}

pub(super) async fn set(
    store: &SqliteStore,
    w: SetMemory,
) -> Result<(MemoryWrite, Option<Event>), StoreError> {
    store
        .writer
        .submit(move |conn| {
            Box::pin(async move {
                let current: Option<(i64, Option<i64>)> = sqlx::query_as(dsql::MEMORY_VERSION)
                    .bind(w.id.to_string())
                    .bind(&w.key)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(at("set_memory"))?;
                let live = current
                    .filter(|(_, expires)| expires.is_none_or(|e| e > w.now_ms))
                    .map(|(version, _)| version);
                if let Some(expected) = w.if_match
                    && live.unwrap_or(0) != expected
                {
                    return Ok((MemoryWrite::Mismatch { current: live }, None));
                }
                let version = live.map_or(1, |v| v + 1);
                sqlx::query(dsql::UPSERT_MEMORY)
                    .bind(w.id.to_string())
                    .bind(w.key)
                    .bind(w.value)
                    .bind(version)
                    .bind(w.expires_at_ms)
                    .bind(w.now_ms)
                    .execute(&mut *conn)
                    .await
                    .map_err(at("set_memory"))?;
                let event = insert_event(conn, w.event, version).await?;
                Ok((MemoryWrite::Saved(version), Some(event)))
            })
        })
        .await
}

pub(super) async fn delete(
    store: &SqliteStore,
    id: WorkspaceId,
    key: String,
    event: NewEvent,
) -> Result<Option<Event>, StoreError> {
    store
        .writer
        .submit(move |conn| {
            Box::pin(async move {
                let done = sqlx::query(dsql::DELETE_MEMORY)
                    .bind(id.to_string())
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                    .map_err(at("delete_memory"))?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                Ok(Some(insert_event(conn, event, 0).await?))
            })
        })
        .await
}
