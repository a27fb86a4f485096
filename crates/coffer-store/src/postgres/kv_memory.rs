//! KV memory on PostgreSQL (the [`WorkspaceStore`](coffer_core::store::WorkspaceStore)
//! methods delegate here). A write locks the entry's row (`FOR UPDATE`) before comparing
//! versions, so two instances cannot both write over the same version.

use coffer_core::domain::{MemoryEntry, MemoryWrite, WorkspaceId};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::StoreError;

use super::error::at;
use super::{PgStore, commit, insert_event};
use crate::sql::workspace_data as dsql;

const LOCK_MEMORY_VERSION: &str = "SELECT version, expires_at FROM workspace_memory \
     WHERE workspace_id = $1 AND key = $2 FOR UPDATE";

pub(super) async fn list(
    store: &PgStore,
    id: WorkspaceId,
    now_ms: i64,
) -> Result<Vec<MemoryEntry>, StoreError> {
    let rows: Vec<dsql::MemoryTuple> = sqlx::query_as(dsql::LIST_MEMORY)
        .bind(id.to_string())
        .bind(now_ms)
        .fetch_all(&store.pool)
        .await
        .map_err(at("list_memory"))?;
    Ok(rows.into_iter().map(dsql::memory_entry).collect())
}

pub(super) async fn find(
    store: &PgStore,
    id: WorkspaceId,
    key: &str,
    now_ms: i64,
) -> Result<Option<MemoryEntry>, StoreError> {
    let row: Option<dsql::MemoryTuple> = sqlx::query_as(dsql::FIND_MEMORY)
        .bind(id.to_string())
        .bind(key)
        .bind(now_ms)
        .fetch_optional(&store.pool)
        .await
        .map_err(at("find_memory"))?;
    Ok(row.map(dsql::memory_entry))
}

/// The arguments of a memory write.
pub(super) struct SetMemory<'a> {
    pub id: WorkspaceId,
    pub key: &'a str,
    pub value: &'a str,
    pub expires_at_ms: Option<i64>,
    pub if_match: Option<i64>,
    pub now_ms: i64,
    pub event: NewEvent,
}

pub(super) async fn set(
    store: &PgStore,
    w: SetMemory<'_>,
) -> Result<(MemoryWrite, Option<Event>), StoreError> {
    let mut tx = store.begin("set_memory").await?;
    let current: Option<(i64, Option<i64>)> = sqlx::query_as(LOCK_MEMORY_VERSION)
        .bind(w.id.to_string())
        .bind(w.key)
        .fetch_optional(&mut *tx)
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
        .execute(&mut *tx)
        .await
        .map_err(at("set_memory"))?;
    let event = insert_event(&mut tx, w.event, version).await?;
    commit(tx, "set_memory").await?;
    Ok((MemoryWrite::Saved(version), Some(event)))
}

pub(super) async fn delete(
    store: &PgStore,
    id: WorkspaceId,
    key: &str,
    event: NewEvent,
) -> Result<Option<Event>, StoreError> {
    let mut tx = store.begin("delete_memory").await?;
    let done = sqlx::query(dsql::DELETE_MEMORY)
        .bind(id.to_string())
        .bind(key)
        .execute(&mut *tx)
        .await
        .map_err(at("delete_memory"))?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let event = insert_event(&mut tx, event, 0).await?;
    commit(tx, "delete_memory").await?;
    Ok(Some(event))
}
