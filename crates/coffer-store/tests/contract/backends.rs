//! Contract cases that need the backend itself, not just the store: reopening (durability
//! and idempotent migrations), corrupt rows, a closed store, and schema parity.

use std::collections::BTreeMap;

use coffer_core::domain::Scope;
use coffer_core::event::EventKind;
use coffer_core::store::{SettingsWrite, Store, StoreError};
use serde_json::json;

use crate::fixtures::{event, name, put_event, sealed, write};
use crate::harness::{Backend, Harness};

pub async fn reopening_keeps_every_committed_change(h: &Harness) {
    let (scope, n) = (Scope::Global, name("DURABLE"));
    let store = h.store();
    store
        .upsert_secret(write(&scope, &n, sealed(1), 1), put_event(&scope, &n, 1))
        .await
        .unwrap();
    let settings = SettingsWrite {
        scope: &scope,
        key: "llm",
        doc: json!({"model": "m"}),
        sealed: BTreeMap::from([("/api_key".to_owned(), sealed(2))]),
        at_ms: 2,
    };
    store
        .save_settings(
            settings,
            None,
            event(EventKind::SettingsUpdated, &scope, "llm", 2),
        )
        .await
        .unwrap();
    let events = store.list_events(0, 100).await.unwrap();
    store.close().await;

    if let Backend::Sqlite { path, .. } = &h.backend {
        let wal = path.with_extension("db-wal");
        let wal_len = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(wal_len, 0, "close() checkpoints the WAL into the main file");
    }

    let reopened = h.open_again().await.expect("reopen");
    let found = reopened
        .find_secret(&scope, &n)
        .await
        .unwrap()
        .expect("secret survives");
    assert_eq!((found.sealed, found.meta.version), (sealed(1), 1));
    let record = reopened
        .find_settings(&scope, "llm")
        .await
        .unwrap()
        .expect("settings survive");
    assert_eq!(
        (record.doc, record.sealed["/api_key"].clone()),
        (json!({"model": "m"}), sealed(2))
    );
    assert_eq!(reopened.list_events(0, 100).await.unwrap(), events);

    // Event ids keep increasing across restarts.
    let next = reopened
        .append_event(event(EventKind::KeyRotated, &scope, "", 3), 1)
        .await
        .unwrap();
    assert!(next.id > events.last().unwrap().id);
    reopened.close().await;
}

pub async fn opening_the_same_database_again_is_idempotent(h: &Harness) {
    let n = name("SEEN_BY_ALL");
    h.store()
        .upsert_secret(
            write(&Scope::Global, &n, sealed(1), 1),
            put_event(&Scope::Global, &n, 1),
        )
        .await
        .unwrap();
    let seen = async |store: &dyn Store| {
        let found = store.find_secret(&Scope::Global, &n).await.unwrap();
        assert_eq!(found.map(|r| r.sealed), Some(sealed(1)));
    };
    match &h.backend {
        // One store owns the file: with the first closed, two more start at once; one
        // wins, the other is refused, and the winner migrated nothing twice.
        Backend::Sqlite { .. } => {
            h.store().close().await;
            let (a, b) = tokio::join!(h.open_again(), h.open_again());
            let (winner, refused) = match (a, b) {
                (Ok(store), Err(e)) | (Err(e), Ok(store)) => (store, e),
                (a, b) => panic!(
                    "exactly one open must win: {:?} / {:?}",
                    a.map(|_| ()),
                    b.map(|_| ())
                ),
            };
            assert!(format!("{refused:#}").contains(IN_USE), "{refused:#}");
            seen(winner.as_ref()).await;
            winner.close().await;
            let again = h.open_again().await.expect("open after close");
            seen(again.as_ref()).await;
            again.close().await;
        }
        // Several instances may share a PostgreSQL schema: two more start at once while
        // the first one is running.
        Backend::Postgres { .. } => {
            let (a, b) = tokio::join!(h.open_again(), h.open_again());
            let (a, b) = (a.expect("second open"), b.expect("third open"));
            for other in [&a, &b] {
                seen(other.as_ref()).await;
                other.close().await;
            }
        }
    }
    assert_eq!(
        h.scalar("SELECT MAX(version) - COUNT(*) FROM schema_migrations")
            .await,
        0,
        "each migration (versions 1..n) recorded once"
    );
}

/// The refusal of a second SQLite store names the file and says what to do.
const IN_USE: &str = "is in use by another coffer process: only one may open a SQLite data dir \
                      (stop it, or use PostgreSQL to run several instances)";

/// SQLite only: while a store has the file open, a second open is refused; after
/// `close()` (or drop) it succeeds. The lock file is private to the owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_second_store_is_refused_until_the_first_is_closed() {
    let h = Harness::sqlite().await;
    let Backend::Sqlite { path, .. } = &h.backend else {
        unreachable!()
    };
    let Err(error) = h.open_again().await else {
        panic!("a second open while the first is open succeeded");
    };
    assert_eq!(format!("{error:#}"), format!("{} {IN_USE}", path.display()));
    // The refused open left the first store working.
    let n = name("STILL_HERE");
    h.store()
        .upsert_secret(
            write(&Scope::Global, &n, sealed(1), 1),
            put_event(&Scope::Global, &n, 1),
        )
        .await
        .expect("first store still writes");

    let lock = path.with_extension("db.lock");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&lock).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "{}", lock.display());

    h.store().close().await;
    let second = h.open_again().await.expect("open after close");
    assert!(
        second
            .find_secret(&Scope::Global, &n)
            .await
            .unwrap()
            .is_some()
    );
    // Dropping a store without closing it releases the file too.
    drop(second);
    let third = h.open_again().await.expect("open after drop");
    third.close().await;
    h.finish().await;
}

pub async fn corrupt_rows_are_errors_not_panics(h: &Harness) {
    h.raw("INSERT INTO events (at, kind, scope, name, version, actor) VALUES (1, 'secret.exploded', 'global', 'X', 1, 'a')")
        .await;
    assert!(matches!(
        h.store().list_events(0, 10).await,
        Err(StoreError::Other(_))
    ));

    h.raw("INSERT INTO settings (scope, key, doc, sealed, version, updated_at) VALUES ('global', 'bad', 'not json', '{}', 1, 1)")
        .await;
    assert!(matches!(
        h.store().find_settings(&Scope::Global, "bad").await,
        Err(StoreError::Other(_))
    ));
    h.raw("INSERT INTO settings (scope, key, doc, sealed, version, updated_at) VALUES ('global', 'bad64', '{}', '{\"/k\": \"%%\"}', 1, 1)")
        .await;
    assert!(matches!(
        h.store().find_settings(&Scope::Global, "bad64").await,
        Err(StoreError::Other(_))
    ));
    assert!(matches!(
        h.store().list_settings().await,
        Err(StoreError::Other(_))
    ));
}

pub async fn a_closed_store_is_unavailable(h: &Harness) {
    let store = h.store();
    // Read once before closing, so that a cache would hold them.
    let (scope, cached) = (Scope::Global, name("CACHED"));
    store
        .upsert_secret(
            write(&scope, &cached, sealed(1), 1),
            put_event(&scope, &cached, 1),
        )
        .await
        .unwrap();
    let settings = SettingsWrite {
        scope: &scope,
        key: "llm",
        doc: json!({}),
        sealed: BTreeMap::new(),
        at_ms: 1,
    };
    let settings_event = event(EventKind::SettingsUpdated, &scope, "llm", 1);
    store
        .save_settings(settings, None, settings_event)
        .await
        .unwrap();
    assert!(store.find_secret(&scope, &cached).await.unwrap().is_some());
    assert!(store.find_settings(&scope, "llm").await.unwrap().is_some());

    store.close().await;
    assert!(matches!(
        store.list_secrets(&Scope::Global).await,
        Err(StoreError::Unavailable(_))
    ));
    // Nothing is answered from memory once closed (another store may own the data next).
    assert!(matches!(
        store.find_secret(&scope, &cached).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.find_settings(&scope, "llm").await,
        Err(StoreError::Unavailable(_))
    ));
    let n = name("LATE");
    let result = store
        .upsert_secret(
            write(&Scope::Global, &n, sealed(1), 1),
            put_event(&Scope::Global, &n, 1),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))));
}

/// Both migrated schemas have the same tables and columns.
/// Each backend's own search structures for agent memories, outside the shared schema:
/// SQLite's FTS5 index tables; PostgreSQL's generated `tsvector` and pgvector column.
fn backend_specific(table: &str, column: &str) -> bool {
    table.starts_with("agent_memories_fts")
        || (table == "agent_memories" && matches!(column, "content_tsv" | "embedding_vector"))
}

pub async fn schemas_have_the_same_tables_and_columns(sqlite: &Harness, postgres: &Harness) {
    let shared = |columns: Vec<(String, String)>| -> Vec<(String, String)> {
        columns
            .into_iter()
            .filter(|(t, c)| !backend_specific(t, c))
            .collect()
    };
    let (sqlite_columns, postgres_columns) = (
        shared(sqlite.columns().await),
        shared(postgres.columns().await),
    );
    assert!(
        sqlite_columns
            .iter()
            .any(|(t, c)| t == "secrets" && c == "sealed"),
        "{sqlite_columns:?}"
    );
    assert_eq!(sqlite_columns, postgres_columns);
}

harness_contract!(
    reopening_keeps_every_committed_change,
    opening_the_same_database_again_is_idempotent,
    corrupt_rows_are_errors_not_panics,
    a_closed_store_is_unavailable,
);

/// PostgreSQL only (it needs both backends).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_parity() {
    let Some(postgres) = Harness::postgres().await else {
        return;
    };
    let sqlite = Harness::sqlite().await;
    schemas_have_the_same_tables_and_columns(&sqlite, &postgres).await;
    sqlite.finish().await;
    postgres.finish().await;
}
