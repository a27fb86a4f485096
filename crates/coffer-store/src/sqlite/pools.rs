//! The two SQLite pools and their connection settings.
//!
//! - The **writer** pool has exactly one connection, used only by the group-commit task
//!   ([`super::writer`]), so writers queue in-process instead of fighting over SQLite's
//!   file lock (`SQLITE_BUSY`). It sets WAL mode and `synchronous=FULL`: a commit returns
//!   only after the WAL is fsynced, so nothing acknowledged is lost, even on power
//!   failure.
//! - The **reader** pool has several read-only connections. In WAL mode readers never
//!   block the writer nor each other, and read-only connections cannot write by mistake.
//!
//! Both use `foreign_keys=ON` and a 5 s busy timeout (only relevant if another process
//! uses the same file), and skip sqlx's ping-before-acquire: a local file connection
//! does not go stale, and the ping is a thread round trip on every read.

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The writer task waits this long for its connection before a batch is "unavailable".
const WRITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const READ_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Readers map up to this much of the file instead of copying pages through SQLite's
/// page cache: vector searches read every candidate row's 1.5 KB embedding, and this
/// halved their time at 100k memories. Address space only; the OS page cache backs it.
const READER_MMAP_BYTES: u64 = 1 << 30;

fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
}

/// Readers: four per core, 4 to 16 (sqlx runs each SQLite connection on its own thread
/// and hands rows back through channels, so a few more than the cores keeps them busy;
/// on 2 cores 8 readers measured faster than 2 or 4).
fn reader_count() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 4).unwrap_or(u32::MAX).clamp(4, 16)
}

/// Opens the single-connection writer pool, creating the file if missing and switching
/// it to WAL (a persistent setting, so readers opened afterwards see WAL too).
pub(super) async fn open_writer(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = base_options(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .optimize_on_close(true, 400);
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(WRITE_ACQUIRE_TIMEOUT)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .connect_with(options)
        .await
}

/// Opens the read-only reader pool. Call after [`open_writer`] (the file must exist and
/// already be in WAL mode).
pub(super) async fn open_readers(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let readers = reader_count();
    SqlitePoolOptions::new()
        .max_connections(readers)
        .min_connections(readers)
        .acquire_timeout(READ_ACQUIRE_TIMEOUT)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .connect_with(
            base_options(path)
                .read_only(true)
                .pragma("mmap_size", READER_MMAP_BYTES.to_string()),
        )
        .await
}
