//! [`PgStore`]: the [`Store`] port on PostgreSQL.
//!
//! One pool; every change is one READ COMMITTED transaction holding the change and its
//! event row. Optimistic concurrency comes from the statements themselves (`ON CONFLICT
//! DO NOTHING`, `UPDATE … WHERE version = $n`), which re-check their condition after
//! waiting for a concurrent writer's row lock.
//!
//! Event ids: identity values are handed out when a row is inserted, not when it
//! commits, so two concurrent transactions could make id 8 visible before id 7 and a
//! reader paging with `list_events(after_id)` would skip 7 for good. To prevent that, the
//! event insert (always the last statement of a unit of work) first takes a
//! transaction-scoped advisory lock held until commit: ids are then assigned and made
//! visible in the same order. The cost is that commits of writes are serialised, as they
//! are on SQLite anyway.

mod agent_memories;
mod chat_writes;
mod chats;
mod checkpoints;
mod connect;
mod conversations;
mod error;
mod kv_memory;
mod migrate;
mod workspaces;

use async_trait::async_trait;
use coffer_core::domain::{Scope, SecretMeta, SecretName, SecretRecord, SettingsRecord};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    SealedSecretRow, SecretWrite, SettingsRow, SettingsWrite, Store, StoreError,
};
use sqlx::{PgPool, Postgres, Transaction};

use self::connect::SchemaName;
use self::error::at;
use crate::{rows, sql};

/// Advisory lock class serialising event inserts of one schema until commit.
const EVENTS_LOCK: i32 = 0x636f_6576; // ASCII "coev"

/// The PostgreSQL implementation of [`Store`]. Cheap to share behind an `Arc`.
pub struct PgStore {
    pool: PgPool,
    /// pgvector support for agent memories (detected at connect).
    vectors: std::sync::Arc<agent_memories::Vectors>,
}

/// Redacted: the pool's options hold the connection URL's password.
impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://…`), using the connection's default `search_path`,
    /// and applies pending migrations.
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        Self::open(url, None, false).await
    }

    /// Like [`PgStore::connect`], but keeps every table in `schema` (created if missing;
    /// `[a-z_][a-z0-9_]*`): each pooled connection starts with `search_path` = `schema`.
    pub async fn connect_with_schema(url: &str, schema: &str) -> anyhow::Result<PgStore> {
        let schema = SchemaName::parse(schema)?;
        Self::open(url, Some(&schema), false).await
    }

    /// Like [`PgStore::connect_with_schema`], but as if the pgvector extension were not
    /// installed: vector searches of agent memories are exact scans computed in coffer
    /// (tests and benchmarks of that path; the `COFFER_PG_DISABLE_PGVECTOR=1`
    /// environment variable does the same for every store).
    pub async fn connect_with_schema_without_pgvector(
        url: &str,
        schema: &str,
    ) -> anyhow::Result<PgStore> {
        let schema = SchemaName::parse(schema)?;
        Self::open(url, Some(&schema), true).await
    }

    async fn open(
        url: &str,
        schema: Option<&SchemaName>,
        disable_pgvector: bool,
    ) -> anyhow::Result<PgStore> {
        let pool = connect::pool(url, schema).await?;
        if let Err(e) = migrate::run(&pool, schema).await {
            pool.close().await;
            return Err(e.context("migrating the PostgreSQL database"));
        }
        let vectors = match agent_memories::prepare(&pool, disable_pgvector).await {
            Ok(vectors) => vectors,
            Err(e) => {
                pool.close().await;
                return Err(e.context("setting up pgvector for agent memories"));
            }
        };
        Ok(PgStore {
            pool,
            vectors: std::sync::Arc::new(vectors),
        })
    }

    async fn begin(&self, op: &'static str) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(at(op))
    }
}

/// Drops `schema` and everything in it, if it exists (test cleanup for
/// [`PgStore::connect_with_schema`]).
pub async fn drop_schema(url: &str, schema: &str) -> anyhow::Result<()> {
    connect::drop_schema(url, &SchemaName::parse(schema)?).await
}

/// Appends `event` with `version` inside the caller's transaction, which must commit
/// right after (the events lock is held until then).
async fn insert_event(
    tx: &mut Transaction<'static, Postgres>,
    event: NewEvent,
    version: i64,
) -> Result<Event, StoreError> {
    // Keyed by schema too: stores in different schemas (tests, tenants) never wait on
    // each other's event log.
    sqlx::query("SELECT pg_advisory_xact_lock($1::int4, hashtext(current_schema()))")
        .bind(EVENTS_LOCK)
        .execute(&mut **tx)
        .await
        .map_err(at("lock the event log"))?;
    let id: i64 = sqlx::query_scalar(sql::INSERT_EVENT)
        .bind(event.at_ms)
        .bind(event.kind.as_str())
        .bind(&event.scope)
        .bind(&event.name)
        .bind(version)
        .bind(&event.actor)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("append event"))?;
    Ok(rows::recorded(event, id, version))
}

async fn commit(tx: Transaction<'static, Postgres>, op: &'static str) -> Result<(), StoreError> {
    tx.commit().await.map_err(at(op))
}

#[async_trait]
impl Store for PgStore {
    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretMeta>, StoreError> {
        let rows: Vec<rows::SecretMetaRow> = sqlx::query_as(sql::LIST_SECRETS)
            .bind(scope.as_string())
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_secrets"))?;
        Ok(rows.into_iter().map(rows::secret_meta).collect())
    }

    async fn find_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
    ) -> Result<Option<SecretRecord>, StoreError> {
        let row: Option<rows::SecretRow> = sqlx::query_as(sql::FIND_SECRET)
            .bind(scope.as_string())
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(at("find_secret"))?;
        Ok(row.map(rows::secret_record))
    }

    async fn secret_key_ids(&self, scope: &Scope) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(sql::SECRET_KEY_IDS)
            .bind(scope.as_string())
            .fetch_all(&self.pool)
            .await
            .map_err(at("secret_key_ids"))
    }

    async fn upsert_secret(
        &self,
        secret: SecretWrite<'_>,
        event: NewEvent,
    ) -> Result<(SecretMeta, Event), StoreError> {
        let mut tx = self.begin("upsert_secret").await?;
        let row: rows::SecretMetaRow = sqlx::query_as(sql::UPSERT_SECRET)
            .bind(secret.scope.as_string())
            .bind(secret.name.as_str())
            .bind(secret.sealed)
            .bind(secret.key_id)
            .bind(secret.description)
            .bind(secret.at_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(at("upsert_secret"))?;
        let meta = rows::secret_meta(row);
        let event = insert_event(&mut tx, event, meta.version).await?;
        commit(tx, "upsert_secret").await?;
        Ok((meta, event))
    }

    async fn delete_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let mut tx = self.begin("delete_secret").await?;
        let version: Option<i64> = sqlx::query_scalar(sql::DELETE_SECRET)
            .bind(scope.as_string())
            .bind(name.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("delete_secret"))?;
        let Some(version) = version else {
            return Ok(None); // dropping `tx` rolls back the empty transaction
        };
        let event = insert_event(&mut tx, event, version).await?;
        commit(tx, "delete_secret").await?;
        Ok(Some(event))
    }

    async fn find_settings(
        &self,
        scope: &Scope,
        key: &str,
    ) -> Result<Option<SettingsRecord>, StoreError> {
        let row: Option<rows::SettingsTuple> = sqlx::query_as(sql::FIND_SETTINGS)
            .bind(scope.as_string())
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(at("find_settings"))?;
        row.map(rows::settings_record).transpose()
    }

    async fn save_settings(
        &self,
        settings: SettingsWrite<'_>,
        expected_version: Option<i64>,
        event: NewEvent,
    ) -> Result<(i64, Event), StoreError> {
        let doc = rows::encode_doc(&settings.doc)?;
        let sealed = rows::encode_sealed(&settings.sealed)?;
        let statement = sqlx::query_scalar(match expected_version {
            None => sql::INSERT_SETTINGS,
            Some(_) => sql::UPDATE_SETTINGS,
        })
        .bind(settings.scope.as_string())
        .bind(settings.key)
        .bind(doc)
        .bind(sealed)
        .bind(settings.at_ms);
        let statement = match expected_version {
            Some(expected) => statement.bind(expected),
            None => statement,
        };
        let mut tx = self.begin("save_settings").await?;
        let version: Option<i64> = statement
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("save_settings"))?;
        let Some(version) = version else {
            return Err(StoreError::Conflict);
        };
        let event = insert_event(&mut tx, event, version).await?;
        commit(tx, "save_settings").await?;
        Ok((version, event))
    }

    async fn append_event(&self, event: NewEvent, version: i64) -> Result<Event, StoreError> {
        let mut tx = self.begin("append_event").await?;
        let event = insert_event(&mut tx, event, version).await?;
        commit(tx, "append_event").await?;
        Ok(event)
    }

    async fn list_events(&self, after_id: i64, limit: i64) -> Result<Vec<Event>, StoreError> {
        let rows: Vec<rows::EventTuple> = sqlx::query_as(sql::LIST_EVENTS)
            .bind(after_id)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_events"))?;
        rows.into_iter().map(rows::event).collect()
    }

    async fn list_sealed_secrets(&self) -> Result<Vec<SealedSecretRow>, StoreError> {
        let rows: Vec<rows::SealedSecretTuple> = sqlx::query_as(sql::LIST_SEALED_SECRETS)
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_sealed_secrets"))?;
        Ok(rows.into_iter().map(rows::sealed_secret).collect())
    }

    async fn reseal_secret(
        &self,
        row: &SealedSecretRow,
        new_sealed: Vec<u8>,
        key_id: String,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::RESEAL_SECRET)
            .bind(new_sealed)
            .bind(key_id)
            .bind(&row.scope)
            .bind(&row.name)
            .bind(&row.sealed)
            .execute(&self.pool)
            .await
            .map_err(at("reseal_secret"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_settings(&self) -> Result<Vec<SettingsRow>, StoreError> {
        let rows: Vec<rows::SettingsListTuple> = sqlx::query_as(sql::LIST_SETTINGS)
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_settings"))?;
        rows.into_iter().map(rows::settings_row).collect()
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
