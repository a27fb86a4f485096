//! Workflow checkpoints and the purge of a removed workspace's data on SQLite (the
//! [`WorkspaceStore`](coffer_core::store::WorkspaceStore) methods delegate here). Payloads
//! arrive sealed; this module never sees a plaintext payload.

use coffer_core::domain::{CheckpointRow, PurgeCounts, WorkspaceId};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::StoreError;

use super::SqliteStore;
use super::cache::Table;
use super::error::at;
use super::writes::insert_event;
use crate::sql::workspace_data as dsql;

pub(super) async fn upsert(
    store: &SqliteStore,
    row: CheckpointRow,
    keep: i64,
    event: NewEvent,
) -> Result<(String, Event), StoreError> {
    store
        .writer
        .submit(move |conn| {
            Box::pin(async move {
                let id: String = sqlx::query_scalar(dsql::UPSERT_CHECKPOINT)
                    .bind(row.id)
                    .bind(&row.workspace_id)
                    .bind(&row.workflow_id)
                    .bind(row.step_name)
                    .bind(row.step_index)
                    .bind(row.completed_at_ms)
                    .bind(row.payload)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(at("upsert_checkpoint"))?;
                sqlx::query(dsql::TRIM_CHECKPOINTS)
                    .bind(&row.workspace_id)
                    .bind(&row.workflow_id)
                    .bind(&row.workspace_id)
                    .bind(&row.workflow_id)
                    .bind(keep)
                    .execute(&mut *conn)
                    .await
                    .map_err(at("upsert_checkpoint"))?;
                let event = insert_event(conn, event, 0).await?;
                Ok((id, event))
            })
        })
        .await
}

pub(super) async fn list(
    store: &SqliteStore,
    id: WorkspaceId,
    workflow_id: &str,
) -> Result<Vec<CheckpointRow>, StoreError> {
    let rows: Vec<dsql::CheckpointTuple> = sqlx::query_as(dsql::LIST_CHECKPOINTS)
        .bind(id.to_string())
        .bind(workflow_id)
        .fetch_all(&store.read)
        .await
        .map_err(at("list_checkpoints"))?;
    Ok(rows.into_iter().map(dsql::checkpoint_row).collect())
}

pub(super) async fn latest(
    store: &SqliteStore,
    id: WorkspaceId,
) -> Result<Option<CheckpointRow>, StoreError> {
    let row: Option<dsql::CheckpointTuple> = sqlx::query_as(dsql::LATEST_CHECKPOINT)
        .bind(id.to_string())
        .fetch_optional(&store.read)
        .await
        .map_err(at("latest_checkpoint"))?;
    Ok(row.map(dsql::checkpoint_row))
}

pub(super) async fn delete(
    store: &SqliteStore,
    id: WorkspaceId,
    workflow_id: String,
    event: NewEvent,
) -> Result<(u64, Option<Event>), StoreError> {
    store
        .writer
        .submit(move |conn| {
            Box::pin(async move {
                let done = sqlx::query(dsql::DELETE_CHECKPOINTS)
                    .bind(id.to_string())
                    .bind(workflow_id)
                    .execute(&mut *conn)
                    .await
                    .map_err(at("delete_checkpoints"))?;
                let n = done.rows_affected();
                if n == 0 {
                    return Ok((0, None));
                }
                Ok((n, Some(insert_event(conn, event, 0).await?)))
            })
        })
        .await
}

/// Deletes the workspace's secrets, memory (KV entries and the agent memories it wrote,
/// counted together) and checkpoints; the purged secrets leave the read-through cache.
pub(super) async fn purge(
    store: &SqliteStore,
    id: WorkspaceId,
    event: NewEvent,
) -> Result<(PurgeCounts, Event), StoreError> {
    let scope = format!("workspace:{id}");
    let names: Vec<String> = sqlx::query_scalar(dsql::SECRET_NAMES_OF_SCOPE)
        .bind(&scope)
        .fetch_all(&store.read)
        .await
        .map_err(at("purge_workspace_data"))?;
    let purge_scope = scope.clone();
    let result = store
        .writer
        .submit(move |conn| {
            Box::pin(async move {
                let mut counts = PurgeCounts::default();
                for (sql, bind, count) in [
                    (dsql::PURGE_SECRETS, purge_scope, &mut counts.secrets),
                    (dsql::PURGE_MEMORY, id.to_string(), &mut counts.memory),
                    (
                        dsql::PURGE_CHECKPOINTS,
                        id.to_string(),
                        &mut counts.checkpoints,
                    ),
                ] {
                    *count = sqlx::query(sql)
                        .bind(bind)
                        .execute(&mut *conn)
                        .await
                        .map_err(at("purge_workspace_data"))?
                        .rows_affected();
                }
                counts.memory += sqlx::query(dsql::PURGE_AGENT_MEMORIES)
                    .bind(id.to_string())
                    .execute(&mut *conn)
                    .await
                    .map_err(at("purge_workspace_data"))?
                    .rows_affected();
                let event = insert_event(conn, event, 0).await?;
                Ok((counts, event))
            })
        })
        .await;
    for name in names {
        store
            .cache
            .invalidate(Table::Secrets, &(scope.clone(), name));
    }
    result
}
