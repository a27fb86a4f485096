//! Contract cases for read-after-write: once a write is acknowledged, every later
//! `find_secret` / `find_settings` sees it — whatever the backend keeps in memory (the
//! SQLite store caches both reads). Sequentially, with each write preceded by reads
//! that would fill a cache, and with readers running while writers write.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use coffer_core::domain::{Scope, SecretName};
use coffer_core::event::EventKind;
use coffer_core::store::{SealedSecretRow, SettingsWrite, Store};
use serde_json::json;

use crate::fixtures::{assert_conflict, event, name, put_event, workspace, write};
use crate::harness::Harness;

/// Sealed bytes that tell which step wrote them (and are not UTF-8).
fn stamp(step: i64) -> Vec<u8> {
    let mut bytes = vec![0xff, 0x00];
    bytes.extend_from_slice(&step.to_be_bytes());
    bytes
}

fn step_of(sealed: &[u8]) -> i64 {
    let (prefix, step) = sealed.split_at(2);
    assert_eq!(prefix, [0xff, 0x00], "{sealed:?}");
    i64::from_be_bytes(step.try_into().expect("8 bytes"))
}

fn sealed_row(scope: &Scope, n: &SecretName, sealed: Vec<u8>) -> SealedSecretRow {
    SealedSecretRow {
        scope: scope.as_string(),
        name: n.as_str().to_owned(),
        sealed,
    }
}

fn settings_write(scope: &Scope, step: i64) -> SettingsWrite<'_> {
    SettingsWrite {
        scope,
        key: "llm",
        doc: json!({ "step": step }),
        sealed: BTreeMap::from([("/api_key".to_owned(), stamp(step))]),
        at_ms: step,
    }
}

async fn sealed_now(store: &dyn Store, scope: &Scope, n: &SecretName) -> Option<Vec<u8>> {
    let found = store.find_secret(scope, n).await.unwrap();
    found.map(|record| record.sealed)
}

async fn settings_step(store: &dyn Store, scope: &Scope) -> Option<(i64, i64)> {
    let found = store.find_settings(scope, "llm").await.unwrap()?;
    let step = found.doc["step"].as_i64().expect("step");
    assert_eq!(
        found.sealed["/api_key"],
        stamp(step),
        "doc and sealed agree"
    );
    Some((step, found.version))
}

pub async fn every_acknowledged_write_is_seen_by_the_next_find(store: &dyn Store) {
    let scope = workspace();
    let n = name("CYCLED");
    let mut version = 0;
    for i in 0..40 {
        let step = i * 10;
        // Read first (twice: fill, then hit), so that a cache holds the old state.
        for _ in 0..2 {
            assert_eq!(sealed_now(store, &scope, &n).await, None, "cycle {i}");
        }

        let (meta, _) = store
            .upsert_secret(
                write(&scope, &n, stamp(step), step),
                put_event(&scope, &n, step),
            )
            .await
            .unwrap();
        assert_eq!(meta.version, 1);
        assert_eq!(sealed_now(store, &scope, &n).await, Some(stamp(step)));

        // Replace.
        let (meta, _) = store
            .upsert_secret(
                write(&scope, &n, stamp(step + 1), step + 1),
                put_event(&scope, &n, step + 1),
            )
            .await
            .unwrap();
        let found = store.find_secret(&scope, &n).await.unwrap().unwrap();
        assert_eq!((found.sealed, found.meta), (stamp(step + 1), meta));

        // Reseal (compare-and-set): the new bytes are seen, the version is kept.
        let row = sealed_row(&scope, &n, stamp(step + 1));
        assert!(
            store
                .reseal_secret(&row, stamp(step + 2), "k2".into())
                .await
                .unwrap()
        );
        let found = store.find_secret(&scope, &n).await.unwrap().unwrap();
        assert_eq!((found.sealed, found.meta.version), (stamp(step + 2), 2));

        // A reseal that lost its compare-and-set changes nothing, cached or not.
        assert!(
            !store
                .reseal_secret(&row, stamp(step + 3), "k3".into())
                .await
                .unwrap()
        );
        assert_eq!(sealed_now(store, &scope, &n).await, Some(stamp(step + 2)));

        // Settings: save, read, save again, lose a race, read.
        let saved = event(EventKind::SettingsUpdated, &scope, "llm", step);
        let expected = (version > 0).then_some(version);
        let (new_version, _) = store
            .save_settings(settings_write(&scope, step), expected, saved.clone())
            .await
            .unwrap();
        version = new_version;
        assert_eq!(settings_step(store, &scope).await, Some((step, version)));
        let (new_version, _) = store
            .save_settings(
                settings_write(&scope, step + 1),
                Some(version),
                saved.clone(),
            )
            .await
            .unwrap();
        version = new_version;
        assert_eq!(
            settings_step(store, &scope).await,
            Some((step + 1, version))
        );
        let stale = store
            .save_settings(settings_write(&scope, step + 2), Some(version - 1), saved)
            .await;
        assert_conflict(stale);
        assert_eq!(
            settings_step(store, &scope).await,
            Some((step + 1, version))
        );

        // Delete: gone at once, and it stays gone.
        let delete = event(EventKind::SecretDeleted, &scope, n.as_str(), step + 4);
        assert!(
            store
                .delete_secret(&scope, &n, delete)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(sealed_now(store, &scope, &n).await, None, "cycle {i}");
    }
}

/// How far a writer got: it sets `started` before issuing step `n` and `acked` once
/// step `n` returned. A read issued after `acked` was `a` and answered before `started`
/// went past `b` must show the state of a step in `a..=b`.
#[derive(Default)]
struct Progress {
    started: AtomicI64,
    acked: AtomicI64,
}

impl Progress {
    fn start(&self, step: i64) {
        self.started.store(step, Ordering::SeqCst);
    }
    fn ack(&self, step: i64) {
        self.acked.store(step, Ordering::SeqCst);
    }
}

/// Steps per writer.
const STEPS: i64 = 120;

/// What the secret holds after step `step` of the secret writer: steps cycle through
/// upsert (create), reseal, upsert (replace), delete.
fn secret_after(step: i64) -> Option<Vec<u8>> {
    (step % 4 != 3).then(|| stamp(step))
}

async fn write_secret_steps(store: &dyn Store, scope: &Scope, n: &SecretName, p: &Progress) {
    for step in 1..STEPS {
        p.start(step);
        match step % 4 {
            0 | 2 => {
                let put = put_event(scope, n, step);
                store
                    .upsert_secret(write(scope, n, stamp(step), step), put)
                    .await
                    .unwrap();
            }
            1 => {
                let row = sealed_row(scope, n, stamp(step - 1));
                let swapped = store.reseal_secret(&row, stamp(step), "k2".into());
                assert!(swapped.await.unwrap(), "step {step}");
            }
            _ => {
                let delete = event(EventKind::SecretDeleted, scope, n.as_str(), step);
                let deleted = store.delete_secret(scope, n, delete).await.unwrap();
                assert!(deleted.is_some(), "step {step}");
            }
        }
        p.ack(step);
    }
}

async fn write_settings_steps(store: &dyn Store, scope: &Scope, p: &Progress) {
    for step in 1..STEPS {
        p.start(step);
        let saved = event(EventKind::SettingsUpdated, scope, "llm", step);
        // Version `step` holds step `step - 1`.
        if step % 3 == 0 {
            let stale = store
                .save_settings(settings_write(scope, -1), Some(step - 1), saved.clone())
                .await;
            assert_conflict(stale);
        }
        let (version, _) = store
            .save_settings(settings_write(scope, step), Some(step), saved)
            .await
            .unwrap();
        assert_eq!(version, step + 1);
        p.ack(step);
    }
}

/// Checks one read of the secret against the writer's progress around it.
fn check_secret_read(found: Option<Vec<u8>>, acked: i64, started: i64) {
    match found {
        Some(sealed) => {
            let step = step_of(&sealed);
            assert!(
                (acked..=started).contains(&step),
                "read step {step} after step {acked} was acknowledged (started: {started})"
            );
            assert_eq!(secret_after(step), Some(sealed));
        }
        None => assert!(
            (acked..=started).any(|step| secret_after(step).is_none()),
            "read nothing, but no delete in steps {acked}..={started}"
        ),
    }
}

pub async fn reads_running_beside_writes_never_see_an_acknowledged_write_undone(h: &Harness) {
    let store = Arc::clone(&h.store);
    let scope = Arc::new(workspace());
    let n = Arc::new(name("RACED"));
    let (secret, settings) = (Arc::new(Progress::default()), Arc::new(Progress::default()));

    // Step 0 of each writer, before any reader starts.
    store
        .upsert_secret(write(&scope, &n, stamp(0), 0), put_event(&scope, &n, 0))
        .await
        .unwrap();
    let saved = event(EventKind::SettingsUpdated, &scope, "llm", 0);
    store
        .save_settings(settings_write(&scope, 0), None, saved)
        .await
        .unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..4)
        .map(|reader| {
            let (store, scope, n) = (Arc::clone(&store), Arc::clone(&scope), Arc::clone(&n));
            let (secret, settings) = (Arc::clone(&secret), Arc::clone(&settings));
            let (done, reads) = (Arc::clone(&done), Arc::clone(&reads));
            tokio::spawn(async move {
                while !done.load(Ordering::SeqCst) {
                    if reader % 2 == 0 {
                        let acked = secret.acked.load(Ordering::SeqCst);
                        let found = sealed_now(store.as_ref(), &scope, &n).await;
                        let started = secret.started.load(Ordering::SeqCst);
                        check_secret_read(found, acked, started);
                    } else {
                        let acked = settings.acked.load(Ordering::SeqCst);
                        let found = settings_step(store.as_ref(), &scope).await;
                        let started = settings.started.load(Ordering::SeqCst);
                        let (step, version) = found.expect("settings exist from step 0");
                        assert!(
                            (acked..=started).contains(&step),
                            "read settings step {step} after step {acked} was acknowledged"
                        );
                        assert_eq!(version, step + 1);
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                    // A cache hit does not yield: let the writers run.
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();

    tokio::join!(
        write_secret_steps(store.as_ref(), &scope, &n, &secret),
        write_settings_steps(store.as_ref(), &scope, &settings),
    );
    done.store(true, Ordering::SeqCst);
    for reader in readers {
        reader
            .await
            .expect("a reader saw an acknowledged write undone");
    }
    assert!(reads.load(Ordering::Relaxed) >= 4, "the readers ran");

    // And at rest, the final state of each.
    let last = STEPS - 1;
    assert_eq!(
        sealed_now(store.as_ref(), &scope, &n).await,
        secret_after(last)
    );
    assert_eq!(
        settings_step(store.as_ref(), &scope).await,
        Some((last, last + 1))
    );
}

store_contract!(every_acknowledged_write_is_seen_by_the_next_find);

mod concurrent {
    use super::*;

    harness_contract!(reads_running_beside_writes_never_see_an_acknowledged_write_undone);
}
