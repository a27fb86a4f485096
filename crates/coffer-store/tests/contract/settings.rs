//! Contract cases for settings documents: optimistic concurrency on save, and exact
//! round trips of the document and its sealed map.

use std::collections::BTreeMap;

use coffer_core::domain::Scope;
use coffer_core::event::EventKind;
use coffer_core::store::{SettingsWrite, Store};
use serde_json::json;

use crate::fixtures::{assert_conflict, event, workspace};

fn doc_write<'a>(
    scope: &'a Scope,
    key: &'a str,
    doc: serde_json::Value,
    at_ms: i64,
) -> SettingsWrite<'a> {
    SettingsWrite {
        scope,
        key,
        doc,
        sealed: BTreeMap::new(),
        at_ms,
    }
}

fn saved(scope: &Scope, key: &str, at_ms: i64) -> coffer_core::event::NewEvent {
    event(EventKind::SettingsUpdated, scope, key, at_ms)
}

pub async fn a_first_save_expects_no_document_and_a_second_one_conflicts(store: &dyn Store) {
    let scope = Scope::Global;
    let (version, ev) = store
        .save_settings(
            doc_write(&scope, "llm", json!({"model": "a"}), 10),
            None,
            saved(&scope, "llm", 10),
        )
        .await
        .unwrap();
    assert_eq!(version, 1);
    assert_eq!(
        (ev.kind, ev.name.as_str(), ev.version),
        (EventKind::SettingsUpdated, "llm", 1)
    );

    let again = store
        .save_settings(
            doc_write(&scope, "llm", json!({"model": "b"}), 11),
            None,
            saved(&scope, "llm", 11),
        )
        .await;
    assert_conflict(again);
    let record = store
        .find_settings(&scope, "llm")
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(
        (record.doc, record.version, record.updated_at_ms),
        (json!({"model": "a"}), 1, 10)
    );
    assert_eq!(
        store.list_events(0, 100).await.unwrap().len(),
        1,
        "a conflict writes no event"
    );
}

pub async fn a_save_with_the_current_version_succeeds(store: &dyn Store) {
    let scope = workspace();
    store
        .save_settings(
            doc_write(&scope, "agent", json!({"n": 1}), 10),
            None,
            saved(&scope, "agent", 10),
        )
        .await
        .unwrap();
    let (version, ev) = store
        .save_settings(
            doc_write(&scope, "agent", json!({"n": 2}), 20),
            Some(1),
            saved(&scope, "agent", 20),
        )
        .await
        .unwrap();
    assert_eq!((version, ev.version), (2, 2));
    let (version, _) = store
        .save_settings(
            doc_write(&scope, "agent", json!({"n": 3}), 30),
            Some(2),
            saved(&scope, "agent", 30),
        )
        .await
        .unwrap();
    assert_eq!(version, 3);
    let record = store
        .find_settings(&scope, "agent")
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(
        (record.doc, record.version, record.updated_at_ms),
        (json!({"n": 3}), 3, 30)
    );
}

pub async fn a_save_with_a_stale_version_conflicts(store: &dyn Store) {
    let scope = Scope::Global;
    store
        .save_settings(
            doc_write(&scope, "llm", json!({"n": 1}), 1),
            None,
            saved(&scope, "llm", 1),
        )
        .await
        .unwrap();
    store
        .save_settings(
            doc_write(&scope, "llm", json!({"n": 2}), 2),
            Some(1),
            saved(&scope, "llm", 2),
        )
        .await
        .unwrap();

    for stale in [Some(1), Some(3), Some(0)] {
        let result = store
            .save_settings(
                doc_write(&scope, "llm", json!({"n": 9}), 3),
                stale,
                saved(&scope, "llm", 3),
            )
            .await;
        assert_conflict(result);
    }
    // Updating a document that does not exist is a conflict too.
    let missing = store
        .save_settings(
            doc_write(&scope, "nope", json!({}), 3),
            Some(1),
            saved(&scope, "nope", 3),
        )
        .await;
    assert_conflict(missing);
    assert!(store.find_settings(&scope, "nope").await.unwrap().is_none());

    let record = store
        .find_settings(&scope, "llm")
        .await
        .unwrap()
        .expect("saved");
    assert_eq!((record.doc, record.version), (json!({"n": 2}), 2));
    assert_eq!(
        store.list_events(0, 100).await.unwrap().len(),
        2,
        "conflicts write no event"
    );
}

pub async fn settings_round_trip_exactly(store: &dyn Store) {
    let scope = Scope::Account("ops".into());
    let doc = json!({
        "zeta": {"nested": [1, 2.5, null, true, "ü ✓ \u{0}"]},
        "alpha": "",
        "big": i64::MAX,
        "negative": -1,
        "empty": {},
    });
    let sealed = BTreeMap::from([
        (
            "/llm/api_key".to_owned(),
            vec![0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28],
        ),
        ("/agents/0/token".to_owned(), vec![1, 2, 3]),
        ("/weird ~1 key".to_owned(), Vec::new()),
    ]);
    let write = SettingsWrite {
        scope: &scope,
        key: "meta",
        doc: doc.clone(),
        sealed: sealed.clone(),
        at_ms: 42,
    };
    store
        .save_settings(write, None, saved(&scope, "meta", 42))
        .await
        .unwrap();

    let record = store
        .find_settings(&scope, "meta")
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(record.doc, doc);
    assert_eq!(
        serde_json::to_string(&record.doc).unwrap(),
        serde_json::to_string(&doc).unwrap(),
        "key order is kept"
    );
    assert_eq!(record.sealed, sealed);
    assert_eq!((record.version, record.updated_at_ms), (1, 42));
    assert!(
        store
            .find_settings(&scope, "other")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_settings(&Scope::Global, "meta")
            .await
            .unwrap()
            .is_none(),
        "scopes are isolated"
    );
}

pub async fn concurrent_first_saves_have_exactly_one_winner(store: &dyn Store) {
    let scope = Scope::Global;
    let saves = (0..10).map(|i| {
        let write = doc_write(&scope, "race", json!({ "writer": i }), i);
        store.save_settings(write, None, saved(&scope, "race", i))
    });
    let results = futures::future::join_all(saves).await;
    let winners: Vec<i64> = results
        .into_iter()
        .filter_map(|r| match r {
            Ok((version, _)) => Some(version),
            Err(e) => {
                assert!(
                    matches!(e, coffer_core::store::StoreError::Conflict),
                    "{e:?}"
                );
                None
            }
        })
        .collect();
    assert_eq!(winners, [1], "exactly one first save wins");
    assert_eq!(
        store.list_events(0, 100).await.unwrap().len(),
        1,
        "losers write no event"
    );
    let record = store
        .find_settings(&scope, "race")
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(record.version, 1);
}

store_contract!(
    a_first_save_expects_no_document_and_a_second_one_conflicts,
    a_save_with_the_current_version_succeeds,
    a_save_with_a_stale_version_conflicts,
    settings_round_trip_exactly,
    concurrent_first_saves_have_exactly_one_winner,
);
