//! Contract cases for the event log and for key rotation (reseal compare-and-set and the
//! every-scope listings).

use std::collections::BTreeMap;

use coffer_core::domain::Scope;
use coffer_core::event::EventKind;
use coffer_core::store::{SecretWrite, SettingsWrite, Store};
use serde_json::json;

use crate::fixtures::{ACTOR, account, event, name, put_event, sealed, workspace, write};

pub async fn events_are_appended_in_order_with_their_details(store: &dyn Store) {
    let (scope, n) = (workspace(), name("TOKEN"));
    let mut returned = Vec::new();
    returned.push(
        store
            .upsert_secret(write(&scope, &n, sealed(1), 1), put_event(&scope, &n, 1))
            .await
            .unwrap()
            .1,
    );
    returned.push(
        store
            .upsert_secret(write(&scope, &n, sealed(2), 2), put_event(&scope, &n, 2))
            .await
            .unwrap()
            .1,
    );
    let delete = event(EventKind::SecretDeleted, &scope, "TOKEN", 3);
    returned.push(
        store
            .delete_secret(&scope, &n, delete)
            .await
            .unwrap()
            .unwrap(),
    );
    let settings = SettingsWrite {
        scope: &scope,
        key: "llm",
        doc: json!({}),
        sealed: BTreeMap::new(),
        at_ms: 4,
    };
    let saved = event(EventKind::SettingsUpdated, &scope, "llm", 4);
    returned.push(store.save_settings(settings, None, saved).await.unwrap().1);
    let rotated = event(EventKind::KeyRotated, &Scope::Global, "", 5);
    returned.push(store.append_event(rotated, 7).await.unwrap());

    let listed = store.list_events(0, 100).await.unwrap();
    assert_eq!(
        listed, returned,
        "what the methods return is what was recorded"
    );
    assert!(listed.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    let summary: Vec<_> = listed
        .iter()
        .map(|e| (e.kind, e.name.as_str(), e.version, e.at_ms))
        .collect();
    assert_eq!(
        summary,
        [
            (EventKind::SecretPut, "TOKEN", 1, 1),
            (EventKind::SecretPut, "TOKEN", 2, 2),
            (EventKind::SecretDeleted, "TOKEN", 2, 3),
            (EventKind::SettingsUpdated, "llm", 1, 4),
            (EventKind::KeyRotated, "", 7, 5),
        ]
    );
    let scopes: Vec<_> = listed.iter().map(|e| e.scope.clone()).collect();
    let ws = scope.as_string();
    assert_eq!(
        scopes,
        [ws.clone(), ws.clone(), ws.clone(), ws, "global".into()]
    );
    assert!(listed.iter().all(|e| e.actor == ACTOR));
}

pub async fn list_events_pages_after_an_id(store: &dyn Store) {
    for i in 0..5 {
        store
            .append_event(event(EventKind::KeyRotated, &Scope::Global, "", i), i)
            .await
            .unwrap();
    }
    let all = store.list_events(0, 100).await.unwrap();
    assert_eq!(all.len(), 5);

    let mut pages = Vec::new();
    let mut after = 0;
    loop {
        let page = store.list_events(after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        pages.push(page.iter().map(|e| e.version).collect::<Vec<_>>());
    }
    assert_eq!(pages, [vec![0, 1], vec![2, 3], vec![4]]);
    assert!(store.list_events(0, 0).await.unwrap().is_empty());
    assert!(store.list_events(all[4].id, 10).await.unwrap().is_empty());
}

pub async fn reseal_is_compare_and_set(store: &dyn Store) {
    let (scope, n) = (Scope::Global, name("ROTATE_ME"));
    store
        .upsert_secret(write(&scope, &n, sealed(1), 1), put_event(&scope, &n, 1))
        .await
        .unwrap();
    let rows = store.list_sealed_secrets().await.unwrap();
    assert_eq!(rows.len(), 1);

    assert!(
        store
            .reseal_secret(&rows[0], sealed(2), "k2".into())
            .await
            .unwrap()
    );
    let found = store.find_secret(&scope, &n).await.unwrap().unwrap();
    assert_eq!(
        (found.sealed, found.meta.version),
        (sealed(2), 1),
        "reseal keeps the version"
    );
    assert_eq!(store.secret_key_ids(&scope).await.unwrap(), ["k2"]);

    // The row read before the reseal is stale now.
    assert!(
        !store
            .reseal_secret(&rows[0], sealed(3), "k3".into())
            .await
            .unwrap()
    );

    // A concurrent write between listing and resealing wins.
    let rows = store.list_sealed_secrets().await.unwrap();
    let concurrent = SecretWrite {
        key_id: "k2".into(),
        ..write(&scope, &n, sealed(4), 2)
    };
    store
        .upsert_secret(concurrent, put_event(&scope, &n, 2))
        .await
        .unwrap();
    assert!(
        !store
            .reseal_secret(&rows[0], sealed(5), "k3".into())
            .await
            .unwrap()
    );
    assert_eq!(
        store.find_secret(&scope, &n).await.unwrap().unwrap().sealed,
        sealed(4)
    );

    // A secret deleted meanwhile is not resurrected.
    let delete = event(EventKind::SecretDeleted, &scope, "ROTATE_ME", 3);
    let rows = store.list_sealed_secrets().await.unwrap();
    store
        .delete_secret(&scope, &n, delete)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !store
            .reseal_secret(&rows[0], sealed(6), "k3".into())
            .await
            .unwrap()
    );
    assert!(store.find_secret(&scope, &n).await.unwrap().is_none());
}

pub async fn rotation_listings_cover_every_scope(store: &dyn Store) {
    let scopes = [Scope::Global, workspace(), account("x")];
    for (i, scope) in scopes.iter().enumerate() {
        let n = name(&format!("S{i}"));
        store
            .upsert_secret(
                write(scope, &n, sealed(i as u8), 1),
                put_event(scope, &n, 1),
            )
            .await
            .unwrap();
        let sealed_map = BTreeMap::from([("/k".to_owned(), sealed(i as u8))]);
        let settings = SettingsWrite {
            scope,
            key: "llm",
            doc: json!({"i": i}),
            sealed: sealed_map,
            at_ms: 1,
        };
        store
            .save_settings(
                settings,
                None,
                event(EventKind::SettingsUpdated, scope, "llm", 1),
            )
            .await
            .unwrap();
    }

    let mut secrets: Vec<_> = store
        .list_sealed_secrets()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.scope, r.name, r.sealed))
        .collect();
    secrets.sort();
    let mut expected: Vec<_> = scopes
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_string(), format!("S{i}"), sealed(i as u8)))
        .collect();
    expected.sort();
    assert_eq!(secrets, expected);

    let settings = store.list_settings().await.unwrap();
    assert_eq!(settings.len(), 3);
    for (i, scope) in scopes.iter().enumerate() {
        let row = settings
            .iter()
            .find(|r| r.scope == scope.as_string())
            .expect("every scope listed");
        assert_eq!(row.key, "llm");
        assert_eq!(row.record.doc, json!({"i": i}));
        assert_eq!(
            row.record.sealed,
            BTreeMap::from([("/k".to_owned(), sealed(i as u8))])
        );
        assert_eq!(row.record.version, 1);
    }
}

store_contract!(
    events_are_appended_in_order_with_their_details,
    list_events_pages_after_an_id,
    reseal_is_compare_and_set,
    rotation_listings_cover_every_scope,
);
