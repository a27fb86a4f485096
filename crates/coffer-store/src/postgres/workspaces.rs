//! [`WorkspaceStore`] on PostgreSQL: each change is one READ COMMITTED transaction with
//! its event row (appended last, under the events lock; see [`super`]). A conditional
//! status change or a token revocation by prefix first locks the rows it reads
//! (`FOR UPDATE`), so two instances cannot both act on the same stale read.

use async_trait::async_trait;
use coffer_core::domain::{
    CheckpointRow, MemoryEntry, MemoryWrite, OrgToken, OrgTokenName, PurgeCounts, SecretName,
    TokenDigest, Workspace, WorkspaceId, WorkspaceStatus, WorkspaceTokenMatch,
};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    OrgTokenRevocation, SealedSecretRow, StatusChange, StoreError, WorkspaceStore,
};
use sqlx::{Postgres, Transaction};

use super::error::at;
use super::{PgStore, commit, insert_event};
use super::{checkpoints, kv_memory};
use crate::rows::{self, workspaces as wrows};
use crate::sql::workspaces as wsql;

/// `$1` id → its status, the row locked until commit.
const LOCK_WORKSPACE_STATUS: &str = "SELECT status FROM workspaces WHERE id = $1 FOR UPDATE";

/// `$1` prefix → the live org tokens with it, locked until commit.
const LOCK_LIVE_ORG_TOKENS_BY_PREFIX: &str = "SELECT id, name, prefix, created_at, \
     last_used_at, revoked_at FROM org_api_tokens WHERE prefix = $1 AND revoked_at IS NULL \
     ORDER BY id FOR UPDATE";

#[async_trait]
impl WorkspaceStore for PgStore {
    async fn insert_workspace(
        &self,
        workspace: &Workspace,
        token: &TokenDigest,
        event: NewEvent,
    ) -> Result<Event, StoreError> {
        let row = wrows::workspace_tuple(workspace);
        let (id, at_ms) = (row.0.clone(), row.7);
        let mut tx = self.begin("insert_workspace").await?;
        sqlx::query(wsql::INSERT_WORKSPACE)
            .bind(row.0)
            .bind(row.1)
            .bind(row.2)
            .bind(row.3)
            .bind(row.4)
            .bind(row.5)
            .bind(row.6)
            .bind(row.7)
            .bind(row.8)
            .execute(&mut *tx)
            .await
            .map_err(at("insert_workspace"))?;
        insert_token(&mut tx, id, token, at_ms).await?;
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "insert_workspace").await?;
        Ok(event)
    }

    async fn find_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>, StoreError> {
        let row: Option<wrows::WorkspaceTuple> = sqlx::query_as(wsql::FIND_WORKSPACE)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(at("find_workspace"))?;
        row.map(wrows::workspace).transpose()
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        let rows: Vec<wrows::WorkspaceTuple> = sqlx::query_as(wsql::LIST_WORKSPACES)
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_workspaces"))?;
        rows.into_iter().map(wrows::workspace).collect()
    }

    async fn set_workspace_status(
        &self,
        id: WorkspaceId,
        to: WorkspaceStatus,
        reason: Option<String>,
        from: &[WorkspaceStatus],
        at_ms: i64,
        event: NewEvent,
    ) -> Result<StatusChange, StoreError> {
        let mut tx = self.begin("set_workspace_status").await?;
        let current: Option<String> = sqlx::query_scalar(LOCK_WORKSPACE_STATUS)
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("set_workspace_status"))?;
        let Some(current) = current else {
            return Ok(StatusChange::NotFound);
        };
        let current = wrows::status(id, &current)?;
        if !from.contains(&current) {
            return Ok(StatusChange::Refused(current)); // dropping `tx` rolls back
        }
        let row: wrows::WorkspaceTuple = sqlx::query_as(wsql::UPDATE_WORKSPACE_STATUS)
            .bind(id.to_string())
            .bind(to.as_str())
            .bind(reason)
            .bind(at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(at("set_workspace_status"))?;
        let workspace = wrows::workspace(row)?;
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "set_workspace_status").await?;
        Ok(StatusChange::Changed(Box::new(workspace), event))
    }

    async fn replace_workspace_tokens(
        &self,
        id: WorkspaceId,
        token: &TokenDigest,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let mut tx = self.begin("replace_workspace_tokens").await?;
        let exists: Option<String> = sqlx::query_scalar(LOCK_WORKSPACE_STATUS)
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("replace_workspace_tokens"))?;
        if exists.is_none() {
            return Ok(None);
        }
        sqlx::query(wsql::REVOKE_WORKSPACE_TOKENS)
            .bind(id.to_string())
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(at("replace_workspace_tokens"))?;
        insert_token(&mut tx, id.to_string(), token, at_ms).await?;
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "replace_workspace_tokens").await?;
        Ok(Some(event))
    }

    async fn find_live_workspace_token(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<WorkspaceTokenMatch>, StoreError> {
        let row: Option<wrows::TokenMatchTuple> = sqlx::query_as(wsql::FIND_LIVE_WORKSPACE_TOKEN)
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(at("find_live_workspace_token"))?;
        row.map(wrows::token_match).transpose()
    }

    async fn workspace_has_live_token(&self, id: WorkspaceId) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query_scalar(wsql::COUNT_LIVE_WORKSPACE_TOKENS)
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(at("workspace_has_live_token"))?;
        Ok(count > 0)
    }

    async fn touch_workspace_token(&self, hash: &[u8; 32], at_ms: i64) -> Result<(), StoreError> {
        sqlx::query(wsql::TOUCH_WORKSPACE_TOKEN)
            .bind(hash.to_vec())
            .bind(at_ms)
            .execute(&self.pool)
            .await
            .map_err(at("touch_workspace_token"))?;
        Ok(())
    }

    async fn insert_org_token(
        &self,
        name: &OrgTokenName,
        token: &TokenDigest,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<(OrgToken, Event), StoreError> {
        let mut tx = self.begin("insert_org_token").await?;
        let row: wrows::OrgTokenTuple = sqlx::query_as(wsql::INSERT_ORG_TOKEN)
            .bind(token.hash.to_vec())
            .bind(&token.prefix)
            .bind(name.as_str())
            .bind(at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(at("insert_org_token"))?;
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "insert_org_token").await?;
        Ok((wrows::org_token(row), event))
    }

    async fn find_live_org_token(&self, hash: &[u8; 32]) -> Result<Option<OrgToken>, StoreError> {
        let row: Option<wrows::OrgTokenTuple> = sqlx::query_as(wsql::FIND_LIVE_ORG_TOKEN)
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(at("find_live_org_token"))?;
        Ok(row.map(wrows::org_token))
    }

    async fn touch_org_token(&self, hash: &[u8; 32], at_ms: i64) -> Result<(), StoreError> {
        sqlx::query(wsql::TOUCH_ORG_TOKEN)
            .bind(hash.to_vec())
            .bind(at_ms)
            .execute(&self.pool)
            .await
            .map_err(at("touch_org_token"))?;
        Ok(())
    }

    async fn revoke_org_token(
        &self,
        prefix: &str,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<OrgTokenRevocation, StoreError> {
        let mut tx = self.begin("revoke_org_token").await?;
        let live: Vec<wrows::OrgTokenTuple> = sqlx::query_as(LOCK_LIVE_ORG_TOKENS_BY_PREFIX)
            .bind(prefix)
            .fetch_all(&mut *tx)
            .await
            .map_err(at("revoke_org_token"))?;
        let id = match live.as_slice() {
            [] => return Ok(OrgTokenRevocation::NotFound),
            [one] => one.0,
            _ => return Ok(OrgTokenRevocation::Ambiguous),
        };
        let row: wrows::OrgTokenTuple = sqlx::query_as(wsql::REVOKE_ORG_TOKEN)
            .bind(id)
            .bind(at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(at("revoke_org_token"))?;
        let event = insert_event(&mut tx, event, 0).await?;
        commit(tx, "revoke_org_token").await?;
        Ok(OrgTokenRevocation::Revoked(wrows::org_token(row), event))
    }

    async fn list_org_tokens(&self) -> Result<Vec<OrgToken>, StoreError> {
        let rows: Vec<wrows::OrgTokenTuple> = sqlx::query_as(wsql::LIST_ORG_TOKENS)
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_org_tokens"))?;
        Ok(rows.into_iter().map(wrows::org_token).collect())
    }

    async fn workspaces_with_secret(
        &self,
        name: &SecretName,
    ) -> Result<Vec<WorkspaceId>, StoreError> {
        let scopes: Vec<String> = sqlx::query_scalar(wsql::WORKSPACE_SCOPES_WITH_SECRET)
            .bind(name.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(at("workspaces_with_secret"))?;
        Ok(wrows::workspace_ids_of_scopes(scopes))
    }

    async fn bundle_secrets(&self, id: WorkspaceId) -> Result<Vec<SealedSecretRow>, StoreError> {
        let rows: Vec<rows::SealedSecretTuple> = sqlx::query_as(wsql::BUNDLE_SECRETS)
            .bind(format!("workspace:{id}"))
            .fetch_all(&self.pool)
            .await
            .map_err(at("bundle_secrets"))?;
        Ok(rows.into_iter().map(rows::sealed_secret).collect())
    }

    async fn last_event_id(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar(wsql::LAST_EVENT_ID)
            .fetch_one(&self.pool)
            .await
            .map_err(at("last_event_id"))
    }

    async fn list_memory(
        &self,
        id: WorkspaceId,
        now_ms: i64,
    ) -> Result<Vec<MemoryEntry>, StoreError> {
        kv_memory::list(self, id, now_ms).await
    }

    async fn find_memory(
        &self,
        id: WorkspaceId,
        key: &str,
        now_ms: i64,
    ) -> Result<Option<MemoryEntry>, StoreError> {
        kv_memory::find(self, id, key, now_ms).await
    }

    async fn set_memory(
        &self,
        id: WorkspaceId,
        key: &str,
        value: &str,
        expires_at_ms: Option<i64>,
        if_match: Option<i64>,
        now_ms: i64,
        event: NewEvent,
    ) -> Result<(MemoryWrite, Option<Event>), StoreError> {
        let write = kv_memory::SetMemory {
            id,
            key,
            value,
            expires_at_ms,
            if_match,
            now_ms,
            event,
        };
        kv_memory::set(self, write).await
    }

    async fn delete_memory(
        &self,
        id: WorkspaceId,
        key: &str,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        kv_memory::delete(self, id, key, event).await
    }

    async fn upsert_checkpoint(
        &self,
        row: &CheckpointRow,
        keep: i64,
        event: NewEvent,
    ) -> Result<(String, Event), StoreError> {
        checkpoints::upsert(self, row.clone(), keep, event).await
    }

    async fn list_checkpoints(
        &self,
        id: WorkspaceId,
        workflow_id: &str,
    ) -> Result<Vec<CheckpointRow>, StoreError> {
        checkpoints::list(self, id, workflow_id).await
    }

    async fn latest_checkpoint(
        &self,
        id: WorkspaceId,
    ) -> Result<Option<CheckpointRow>, StoreError> {
        checkpoints::latest(self, id).await
    }

    async fn delete_checkpoints(
        &self,
        id: WorkspaceId,
        workflow_id: &str,
        event: NewEvent,
    ) -> Result<(u64, Option<Event>), StoreError> {
        checkpoints::delete(self, id, workflow_id, event).await
    }

    async fn purge_workspace_data(
        &self,
        id: WorkspaceId,
        event: NewEvent,
    ) -> Result<(PurgeCounts, Event), StoreError> {
        checkpoints::purge(self, id, event).await
    }
}

async fn insert_token(
    tx: &mut Transaction<'static, Postgres>,
    workspace_id: String,
    token: &TokenDigest,
    at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(wsql::INSERT_WORKSPACE_TOKEN)
        .bind(workspace_id)
        .bind(token.hash.to_vec())
        .bind(&token.prefix)
        .bind(at_ms)
        .execute(&mut **tx)
        .await
        .map_err(at("insert workspace token"))?;
    Ok(())
}
