//! [`SqliteStore`]: the [`Store`] port on one SQLite file — the default backend.
//!
//! Reads go to a pool of read-only connections. Every change is a job for the one writer
//! connection, which commits queued jobs together (group commit, see [`writer`]); each
//! job writes its change and its event row in the same transaction. See [`pools`] for the
//! pool split and the durability pragmas. Because all writes are serialised, event ids
//! are assigned and committed in order.
//!
//! One store owns its file: [`SqliteStore::open`] takes an exclusive advisory lock on
//! `<file>.lock` and a second store on the same file — in another process, or in this
//! one — is refused until the first is closed or dropped (several instances need
//! PostgreSQL). That exclusivity is what makes the read-through [`cache`] of
//! `find_secret` and `find_settings` coherent: every change to those rows goes through
//! this store's write paths, which invalidate it.

mod agent_memories;
mod cache;
mod chat_writes;
mod chats;
mod checkpoints;
mod conversation_writes;
mod conversations;
mod error;
mod kv_memory;
mod migrate;
mod pools;
mod stop_words;
mod workspaces;
mod writer;
mod writes;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use async_trait::async_trait;
use coffer_core::domain::{Scope, SecretMeta, SecretName, SecretRecord, SettingsRecord};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    SealedSecretRow, SecretWrite, SettingsRow, SettingsWrite, Store, StoreError,
};
use sqlx::SqlitePool;

use self::cache::{Cache, Invalidate, Table};
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
    cache: Arc<Cache>,
    /// `<path>.lock`, exclusively locked while this store owns the file; taken (and so
    /// unlocked) by `close`, else unlocked when the store drops.
    lock: Mutex<Option<File>>,
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
    /// First takes an exclusive lock on `<path>.lock` (created with mode 0600): if another
    /// store holds it — another coffer process, or an unclosed store in this one — the
    /// open fails (after a short grace, see [`LOCK_GRACE`]) with "… is in use by another
    /// coffer process". The lock is held until
    /// [`Store::close`] or drop.
    pub async fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        // sqlite-vec (vector distance functions) on every connection opened from here on.
        coffer_sqlite_vec::register();
        let lock = lock_exclusively_within_grace(path).await?;
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
            cache: Arc::default(),
            lock: Mutex::new(Some(lock)),
        })
    }

    /// Runs a write that changes the row `key` of `table`: the cache entry is dropped and
    /// its generation bumped on the writer task once the write's batch committed or
    /// failed, before the result comes back here (see [`cache`]).
    async fn write_invalidating<F, T>(
        &self,
        table: Table,
        key: cache::Key,
        work: F,
    ) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(
                &'c mut sqlx::SqliteConnection,
            ) -> writer::BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let guard = Box::new(Invalidate::new(&self.cache, table, key));
        self.writer.submit_guarded(work, guard).await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Another store (another coffer process, or an unclosed store in this one) owns the
/// SQLite file: [`SqliteStore::open`] fails with this error, which callers may
/// `downcast_ref` to explain what to do.
#[derive(Debug)]
pub struct DatabaseInUse {
    pub path: PathBuf,
}

impl std::fmt::Display for DatabaseInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is in use by another coffer process: only one may open a SQLite data dir \
             (stop it, or use PostgreSQL to run several instances)",
            self.path.display()
        )
    }
}

impl std::error::Error for DatabaseInUse {}

/// How long `open` waits for a lock that another holder is about to release. A closed
/// store's lock can outlive `close()` briefly: a child process forked at that moment
/// (a workspace command, an agent's shell) holds a copy of the descriptor until it
/// execs, since the descriptor is close-on-exec, not close-on-fork.
const LOCK_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// [`lock_exclusively`], retried for [`LOCK_GRACE`] while the lock is held elsewhere.
async fn lock_exclusively_within_grace(path: &Path) -> anyhow::Result<File> {
    let deadline = tokio::time::Instant::now() + LOCK_GRACE;
    loop {
        match lock_exclusively(path) {
            Err(e) if e.is::<DatabaseInUse>() && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            result => return result,
        }
    }
}

/// Creates (mode 0600) or opens `<path>.lock` and locks it exclusively without waiting.
fn lock_exclusively(path: &Path) -> anyhow::Result<File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&lock_path)
        .with_context(|| format!("opening the lock file {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(anyhow::Error::new(DatabaseInUse {
            path: path.to_owned(),
        })),
        Err(TryLockError::Error(e)) => {
            Err(anyhow::Error::new(e).context(format!("locking {}", lock_path.display())))
        }
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
        let key = (scope.as_string(), name.as_str().to_owned());
        if let Some(hit) = self.cache.secret(&key) {
            return Ok(Some(hit));
        }
        let generation = self.cache.generation();
        let row: Option<rows::SecretRow> = sqlx::query_as(sql::FIND_SECRET)
            .bind(&key.0)
            .bind(&key.1)
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_secret"))?;
        let record = row.map(rows::secret_record);
        if let Some(record) = &record {
            self.cache.fill_secret(generation, key, record.clone());
        }
        Ok(record)
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
        let key = (secret.scope.as_string(), secret.name.as_str().to_owned());
        let input = secret.into();
        self.write_invalidating(Table::Secrets, key, move |conn| {
            Box::pin(writes::upsert_secret(conn, input, event))
        })
        .await
    }

    async fn delete_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let key = (scope.as_string(), name.as_str().to_owned());
        let (scope, name) = key.clone();
        self.write_invalidating(Table::Secrets, key, move |conn| {
            Box::pin(writes::delete_secret(conn, scope, name, event))
        })
        .await
    }

    async fn find_settings(
        &self,
        scope: &Scope,
        key: &str,
    ) -> Result<Option<SettingsRecord>, StoreError> {
        let key = (scope.as_string(), key.to_owned());
        if let Some(hit) = self.cache.settings(&key) {
            return Ok(Some(hit));
        }
        let generation = self.cache.generation();
        let row: Option<rows::SettingsTuple> = sqlx::query_as(sql::FIND_SETTINGS)
            .bind(&key.0)
            .bind(&key.1)
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_settings"))?;
        let record = row.map(rows::settings_record).transpose()?;
        if let Some(record) = &record {
            self.cache.fill_settings(generation, key, record.clone());
        }
        Ok(record)
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
        let key = (input.scope.clone(), input.key.clone());
        self.write_invalidating(Table::Settings, key, move |conn| {
            Box::pin(writes::save_settings(conn, input, event))
        })
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
        let key = (row.scope.clone(), row.name.clone());
        self.write_invalidating(Table::Secrets, key, move |conn| {
            Box::pin(writes::reseal_secret(conn, input))
        })
        .await
    }

    async fn list_settings(&self) -> Result<Vec<SettingsRow>, StoreError> {
        let rows: Vec<rows::SettingsListTuple> = sqlx::query_as(sql::LIST_SETTINGS)
            .fetch_all(&self.read)
            .await
            .map_err(at("list_settings"))?;
        rows.into_iter().map(rows::settings_row).collect()
    }

    /// Stops the cache (nothing is served from memory any more), closes the readers, then
    /// the writer — the last connection to close checkpoints the WAL into the main file
    /// (and runs `PRAGMA optimize`) — and only then releases `<file>.lock`, so the next
    /// store to open the file finds it checkpointed.
    async fn close(&self) {
        self.cache.close();
        self.read.close().await;
        self.write.close().await;
        let lock = self
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(lock); // closing the descriptor releases the advisory lock
    }
}
