//! Workflow checkpoints and the purge of a removed workspace's data on PostgreSQL (the
//! [`WorkspaceStore`](coffer_core::store::WorkspaceStore) methods delegate here). Payloads
//! arrive sealed; this module never sees a plaintext payload.

use coffer_core::domain::{CheckpointRow, PurgeCounts, WorkspaceId};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::StoreError;

use super::error::at;
use super::{PgStore, commit, insert_event};
use crate::sql::workspace_data as dsql;

pub(super) async fn upsert(
    store: &PgStore,
    row: CheckpointRow,
    keep: i64,
    event: NewEvent,
) -> Result<(String, Event), StoreError> {
    let mut tx = store.begin("upsert_checkpoint").await?;
    let id: String = sqlx::query_scalar(dsql::UPSERT_CHECKPOINT)
        .bind(row.id)
        .bind(&row.workspace_id)
        .bind(&row.workflow_id)
        .bind(row.step_name)
        .bind(row.step_index)
        .bind(row.completed_at_ms)
        .bind(row.payload)
        .fetch_one(&mut *tx)
        .await
        .map_err(at("upsert_checkpoint"))?;
    sqlx::query(dsql::TRIM_CHECKPOINTS)
        .bind(&row.workspace_id)
        .bind(&row.workflow_id)
        .bind(&row.workspace_id)
        .bind(&row.workflow_id)
        .bind(keep)
        .execute(&mut *tx)
        .await
        .map_err(at("upsert_checkpoint"))?;
    let event = insert_event(&mut tx, event, 0).await?;
    commit(tx, "upsert_checkpoint").await?;
    Ok((id, event))
}

pub(super) async fn list(
    store: &PgStore,
    id: WorkspaceId,
    workflow_id: &str,
) -> Result<Vec<CheckpointRow>, StoreError> {
    let rows: Vec<dsql::CheckpointTuple> = sqlx::query_as(dsql::LIST_CHECKPOINTS)
        .bind(id.to_string())
        .bind(workflow_id)
        .fetch_all(&store.pool)
        .await
        .map_err(at("list_checkpoints"))?;
    Ok(rows.into_iter().map(dsql::checkpoint_row).collect())
}

pub(super) async fn latest(
    store: &PgStore,
    id: WorkspaceId,
) -> Result<Option<CheckpointRow>, StoreError> {
    let row: Option<dsql::CheckpointTuple> = sqlx::query_as(dsql::LATEST_CHECKPOINT)
        .bind(id.to_string())
        .fetch_optional(&store.pool)
        .await
        .map_err(at("latest_checkpoint"))?;
    Ok(row.map(dsql::checkpoint_row))
}

pub(super) async fn delete(
    store: &PgStore,
    id: WorkspaceId,
    workflow_id: &str,
    event: NewEvent,
) -> Result<(u64, Option<Event>), StoreError> {
    let mut tx = store.begin("delete_checkpoints").await?;
    let n = sqlx::query(dsql::DELETE_CHECKPOINTS)
        .bind(id.to_string())
        .bind(workflow_id)
        .execute(&mut *tx)
        .await
        .map_err(at("delete_checkpoints"))?
        .rows_affected();
    if n == 0 {
        return Ok((0, None));
    }
    let event = insert_event(&mut tx, event, 0).await?;
    commit(tx, "delete_checkpoints").await?;
    Ok((n, Some(event)))
}

pub(super) async fn purge(
    store: &PgStore,
    id: WorkspaceId,
    event: NewEvent,
) -> Result<(PurgeCounts, Event), StoreError> {
    let mut tx = store.begin("purge_workspace_data").await?;
    let mut counts = PurgeCounts::default();
    for (sql, bind, count) in [
        (
            dsql::PURGE_SECRETS,
            format!("workspace:{id}"),
            &mut counts.secrets,
        ),
        (dsql::PURGE_MEMORY, id.to_string(), &mut counts.memory),
        (
            dsql::PURGE_CHECKPOINTS,
            id.to_string(),
            &mut counts.checkpoints,
        ),
    ] {
        *count = sqlx::query(sql)
            .bind(bind)
            .execute(&mut *tx)
            .await
            .map_err(at("purge_workspace_data"))?
            .rows_affected();
    }
    // Agent memories the workspace wrote count as memory (`PurgeCounts` has no field of
    // their own).
    counts.memory += sqlx::query(dsql::PURGE_AGENT_MEMORIES)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(at("purge_workspace_data"))?
        .rows_affected();
    let event = insert_event(&mut tx, event, 0).await?;
    commit(tx, "purge_workspace_data").await?;
    Ok((counts, event))
}
