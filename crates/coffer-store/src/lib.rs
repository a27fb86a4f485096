//! coffer-store: the coffer-core [`Store`] port on SQLite (default) and PostgreSQL.
//!
//! Layout:
//! - [`SqliteStore`] (`sqlite`): one file, owned by one store at a time (a lock file
//!   refuses a second), a read-only reader pool plus a single writer connection driven
//!   by a group-commit task, WAL with `synchronous=FULL`, and a read-through cache of
//!   sealed secret and settings rows that the store's own writes invalidate.
//! - [`PgStore`] (`postgres`): one pool, optional per-store schema, advisory locks for
//!   migrations and for in-order event ids.
//! - `sql`: statements both backends share byte for byte; `rows`: decoding rows into
//!   core records; `error`: the shared half of error classification; `migrations`: the
//!   embedded, versioned migration lists.
//! - [`open_store`]: picks the backend from configuration.
//!
//! Invariants: every change and its event row commit in one transaction; values are
//! stored sealed and never logged; bad data read back is an error, never a panic.
#![forbid(unsafe_code)]

mod error;
mod migrations;
mod postgres;
mod rows;
mod sql;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use coffer_core::store::Store;

pub use postgres::{PgStore, drop_schema};
pub use sqlite::{DatabaseInUse, SqliteStore};

/// The SQLite file name inside the data directory.
pub const SQLITE_FILE_NAME: &str = "coffer.db";

/// Opens the configured store: a `postgres://` or `postgresql://` `database_url` (from
/// `COFFER_DATABASE_URL`) selects PostgreSQL; none selects SQLite at
/// `<data_dir>/coffer.db` (creating the directory and file if missing).
pub async fn open_store(
    database_url: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<Arc<dyn Store>> {
    let Some(url) = database_url else {
        tokio::fs::create_dir_all(data_dir)
            .await
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let store = SqliteStore::open(&data_dir.join(SQLITE_FILE_NAME)).await?;
        return Ok(Arc::new(store));
    };
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("postgres" | "postgresql") => Ok(Arc::new(PgStore::connect(url).await?)),
        // Never echo the URL itself: it may carry a password.
        Some(scheme) => bail!(
            "COFFER_DATABASE_URL has unsupported scheme {scheme:?}: use postgres:// or postgresql://, \
             or unset it to use SQLite in the data directory"
        ),
        None => bail!(
            "COFFER_DATABASE_URL is not a URL: use postgres://… or postgresql://…, \
             or unset it to use SQLite in the data directory"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::open_store;

    #[tokio::test]
    async fn other_url_schemes_are_refused_naming_the_variable_but_not_the_url() {
        let dir = std::env::temp_dir();
        for url in ["mysql://user:hunter2@db/x", "sqlite://coffer.db", "hunter2"] {
            let Err(e) = open_store(Some(url), &dir).await else {
                panic!("{url} was accepted");
            };
            let message = format!("{e:#}");
            assert!(message.contains("COFFER_DATABASE_URL"), "{message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }
}
