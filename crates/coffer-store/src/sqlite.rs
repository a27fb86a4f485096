//! [`SqliteStore`]: the [`Store`] port on one SQLite file — the default backend.
//!
//! Reads go to a pool of read-only connections; every change goes through a single writer
//! connection in a `BEGIN IMMEDIATE` transaction that holds the change and its event row
//! (see [`pools`] for why, and for the durability pragmas). Because all writes are
//! serialised, event ids are assigned and committed in order.

mod error;
mod migrate;
mod pools;

use std::path::{Path, PathBuf};

use anyhow::Context;
use async_trait::async_trait;
use coffer_core::domain::{Scope, SecretMeta, SecretName, SecretRecord, SettingsRecord};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    SealedSecretRow, SecretWrite, SettingsRow, SettingsWrite, Store, StoreError,
};
use sqlx::{Sqlite, SqlitePool, Transaction};

use self::error::at;
use crate::{rows, sql};

/// The SQLite implementation of [`Store`]. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    path: PathBuf,
    read: SqlitePool,
    write: SqlitePool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and applies pending
    /// migrations. Safe to call while another process opens the same file.
    pub async fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        let shown = path.display();
        let write = pools::open_writer(path)
            .await
            .with_context(|| format!("opening SQLite database {shown}"))?;
        if let Err(e) = migrate::run(&write).await {
            write.close().await;
            return Err(e.context(format!("migrating SQLite database {shown}")));
        }
        let read = match pools::open_readers(path).await {
            Ok(read) => read,
            Err(e) => {
                write.close().await;
                return Err(anyhow::Error::new(e).context(format!("opening readers on {shown}")));
            }
        };
        Ok(SqliteStore {
            path: path.to_owned(),
            read,
            write,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn begin(&self, op: &'static str) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(at(op))
    }
}

/// Appends `event` with `version` inside the caller's transaction.
async fn insert_event(
    tx: &mut Transaction<'static, Sqlite>,
    event: NewEvent,
    version: i64,
) -> Result<Event, StoreError> {
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

async fn commit(tx: Transaction<'static, Sqlite>, op: &'static str) -> Result<(), StoreError> {
    tx.commit().await.map_err(at(op))
}

#[async_trait]
impl Store for SqliteStore {
    async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretMeta>, StoreError> {
        let rows: Vec<rows::SecretMetaRow> = sqlx::query_as(sql::LIST_SECRETS)
            .bind(scope.as_string())
            .fetch_all(&self.read)
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
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_secret"))?;
        Ok(row.map(rows::secret_record))
    }

    async fn secret_key_ids(&self, scope: &Scope) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(sql::SECRET_KEY_IDS)
            .bind(scope.as_string())
            .fetch_all(&self.read)
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
            .fetch_optional(&self.read)
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
            .fetch_all(&self.read)
            .await
            .map_err(at("list_events"))?;
        rows.into_iter().map(rows::event).collect()
    }

    async fn list_sealed_secrets(&self) -> Result<Vec<SealedSecretRow>, StoreError> {
        let rows: Vec<rows::SealedSecretTuple> = sqlx::query_as(sql::LIST_SEALED_SECRETS)
            .fetch_all(&self.read)
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
            .execute(&self.write)
            .await
            .map_err(at("reseal_secret"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_settings(&self) -> Result<Vec<SettingsRow>, StoreError> {
        let rows: Vec<rows::SettingsListTuple> = sqlx::query_as(sql::LIST_SETTINGS)
            .fetch_all(&self.read)
            .await
            .map_err(at("list_settings"))?;
        rows.into_iter().map(rows::settings_row).collect()
    }

    /// Closes the readers, then the writer: the last connection to close checkpoints the
    /// WAL into the main file (and runs `PRAGMA optimize`).
    async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
