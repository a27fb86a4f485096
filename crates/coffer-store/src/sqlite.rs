//! [`SqliteStore`]: the [`Store`] port on one SQLite file — the default backend.
//!
//! Reads go to a pool of read-only connections. Every change is a job for the one writer
//! connection, which commits queued jobs together (group commit, see [`writer`]); each
//! job writes its change and its event row in the same transaction. See [`pools`] for the
//! pool split and the durability pragmas. Because all writes are serialised, event ids
//! are assigned and committed in order.

mod error;
mod migrate;
mod pools;
mod writer;
mod writes;

use std::path::{Path, PathBuf};

use anyhow::Context;
use async_trait::async_trait;
use coffer_core::domain::{Scope, SecretMeta, SecretName, SecretRecord, SettingsRecord};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    SealedSecretRow, SecretWrite, SettingsRow, SettingsWrite, Store, StoreError,
};
use sqlx::SqlitePool;

use self::error::at;
use self::writer::Writer;
use self::writes::{ResealInput, SettingsInput};
use crate::{rows, sql};

/// The SQLite implementation of [`Store`]. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    path: PathBuf,
    read: SqlitePool,
    write: SqlitePool,
    writer: Writer,
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
    /// migrations. Call it on the Tokio runtime that will use the store: it spawns the
    /// writer task there.
    ///
    /// One store per file is the intended setup. A second one (another process, or a
    /// restart racing a shutdown) stays correct — migrations and writes take SQLite's
    /// write lock, waiting up to the 5 s busy timeout — it just does not get group commit
    /// across both.
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
        let writer = Writer::spawn(write.clone());
        Ok(SqliteStore {
            path: path.to_owned(),
            read,
            write,
            writer,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
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
        let input = secret.into();
        self.writer
            .submit(move |conn| Box::pin(writes::upsert_secret(conn, input, event)))
            .await
    }

    async fn delete_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let (scope, name) = (scope.as_string(), name.as_str().to_owned());
        self.writer
            .submit(move |conn| Box::pin(writes::delete_secret(conn, scope, name, event)))
            .await
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
        let input = SettingsInput {
            scope: settings.scope.as_string(),
            key: settings.key.to_owned(),
            doc: rows::encode_doc(&settings.doc)?,
            sealed: rows::encode_sealed(&settings.sealed)?,
            at_ms: settings.at_ms,
            expected_version,
        };
        self.writer
            .submit(move |conn| Box::pin(writes::save_settings(conn, input, event)))
            .await
    }

    async fn append_event(&self, event: NewEvent, version: i64) -> Result<Event, StoreError> {
        self.writer
            .submit(move |conn| Box::pin(writes::insert_event(conn, event, version)))
            .await
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
        let input = ResealInput {
            scope: row.scope.clone(),
            name: row.name.clone(),
            old_sealed: row.sealed.clone(),
            new_sealed,
            key_id,
        };
        self.writer
            .submit(move |conn| Box::pin(writes::reseal_secret(conn, input)))
            .await
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
