//! Per-test backends for the contract suite: a fresh SQLite file in a temp dir, or a
//! fresh PostgreSQL schema (when `COFFER_TEST_POSTGRES_URL` is set) that is dropped when
//! the harness is dropped — also when the test panics. Plus a side connection for
//! poking at rows behind the store's back (corruption, schema introspection); it is a
//! plain connection, not a store, so it does not take the SQLite store's lock file.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use coffer_core::store::Store;
use coffer_store::{PgStore, SqliteStore, drop_schema};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, PgConnection, SqliteConnection};
use tempfile::TempDir;

pub const POSTGRES_URL_VAR: &str = "COFFER_TEST_POSTGRES_URL";

pub enum Backend {
    Sqlite { _dir: TempDir, path: PathBuf },
    Postgres { url: String, schema: String },
}

pub struct Harness {
    pub store: Arc<dyn Store>,
    pub backend: Backend,
}

impl Harness {
    pub async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("coffer.db");
        let store = SqliteStore::open(&path).await.expect("open SQLite store");
        Harness {
            store: Arc::new(store),
            backend: Backend::Sqlite { _dir: dir, path },
        }
    }

    /// `None` (after a loud line on stderr, once per run) when PostgreSQL is not configured.
    pub async fn postgres() -> Option<Harness> {
        let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
            assert!(
                std::env::var_os("COFFER_REQUIRE_POSTGRES").is_none(),
                "COFFER_REQUIRE_POSTGRES is set but {POSTGRES_URL_VAR} is not"
            );
            static ONCE: Once = Once::new();
            ONCE.call_once(|| {
                // Straight to the stderr handle: the test harness captures `eprintln!`.
                let line =
                    format!("\nSKIPPED ({POSTGRES_URL_VAR} not set): postgres contract tests\n\n");
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            });
            return None;
        };
        let schema = format!("coffer_test_{}", uuid::Uuid::new_v4().simple());
        let store = PgStore::connect_with_schema(&url, &schema)
            .await
            .expect("open PostgreSQL store");
        Some(Harness {
            store: Arc::new(store),
            backend: Backend::Postgres { url, schema },
        })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Opens another store on the same file or schema (runs migrations again). On SQLite
    /// the harness's store must be closed first: one store owns the file, and a second
    /// open while it is open is refused.
    pub async fn open_again(&self) -> anyhow::Result<Arc<dyn Store>> {
        Ok(match &self.backend {
            Backend::Sqlite { path, .. } => Arc::new(SqliteStore::open(path).await?),
            Backend::Postgres { url, schema } => {
                Arc::new(PgStore::connect_with_schema(url, schema).await?)
            }
        })
    }

    /// Runs `sql` on a side connection, bypassing the store.
    pub async fn raw(&self, sql: &'static str) {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let mut conn =
                    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                        .await
                        .expect("side connection");
                sqlx::raw_sql(sql)
                    .execute(&mut conn)
                    .await
                    .expect("raw sql");
                conn.close().await.expect("close side connection");
            }
            Backend::Postgres { url, schema } => {
                let mut conn = PgConnection::connect_with(&pg_options(url, schema))
                    .await
                    .expect("side connection");
                sqlx::raw_sql(sql)
                    .execute(&mut conn)
                    .await
                    .expect("raw sql");
                conn.close().await.expect("close side connection");
            }
        }
    }

    /// Runs a query returning one BIGINT on a side connection.
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let mut conn =
                    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                        .await
                        .expect("side connection");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("scalar")
            }
            Backend::Postgres { url, schema } => {
                let mut conn = PgConnection::connect_with(&pg_options(url, schema))
                    .await
                    .expect("side connection");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("scalar")
            }
        }
    }

    /// `(table, column)` of every table in the migrated schema, sorted.
    pub async fn columns(&self) -> Vec<(String, String)> {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let mut conn =
                    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                        .await
                        .expect("side connection");
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2",
                )
                .fetch_all(&mut conn)
                .await
                .expect("sqlite columns")
            }
            Backend::Postgres { url, schema } => {
                let mut conn = PgConnection::connect_with(&pg_options(url, schema))
                    .await
                    .expect("side connection");
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() ORDER BY 1, 2",
                )
                .fetch_all(&mut conn)
                .await
                .expect("postgres columns")
            }
        }
    }

    /// Closes the store; the schema or temp dir goes when `self` drops.
    pub async fn finish(self) {
        self.store.close().await;
    }
}

fn pg_options(url: &str, schema: &str) -> PgConnectOptions {
    let options: PgConnectOptions = url.parse().expect("PostgreSQL URL");
    options.options([("search_path", schema)])
}

impl Drop for Harness {
    fn drop(&mut self) {
        let Backend::Postgres { url, schema } = &self.backend else {
            return; // TempDir removes the SQLite file
        };
        let (url, schema) = (url.clone(), schema.clone());
        // Drop may run inside the test's runtime, which must not block: use a fresh one.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(drop_schema(&url, &schema))
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test schema: {e:#}"),
            Err(_) => eprintln!("test schema cleanup panicked"),
        }
    }
}
