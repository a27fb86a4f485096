//! Contract cases for secrets: listing, upsert, find, delete, key ids, scope isolation
//! and concurrent writers.

use coffer_core::domain::Scope;
use coffer_core::event::EventKind;
use coffer_core::store::{SecretWrite, Store};

use crate::fixtures::{account, name, names, put_event, sealed, workspace, write};

pub async fn an_empty_store_lists_nothing(store: &dyn Store) {
    let scope = Scope::Global;
    assert!(store.list_secrets(&scope).await.unwrap().is_empty());
    assert!(
        store
            .find_secret(&scope, &name("MISSING"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.secret_key_ids(&scope).await.unwrap().is_empty());
    assert!(store.list_sealed_secrets().await.unwrap().is_empty());
    assert!(store.list_settings().await.unwrap().is_empty());
    assert!(store.find_settings(&scope, "llm").await.unwrap().is_none());
    assert!(store.list_events(0, 100).await.unwrap().is_empty());
}

pub async fn an_upserted_secret_can_be_found(store: &dyn Store) {
    let (scope, n) = (Scope::Global, name("API_KEY"));
    let secret = SecretWrite {
        description: Some("for the LLM".into()),
        ..write(&scope, &n, sealed(1), 1_000)
    };
    let (meta, event) = store
        .upsert_secret(secret, put_event(&scope, &n, 1_000))
        .await
        .unwrap();
    assert_eq!(
        (
            meta.name.as_str(),
            meta.description.as_deref(),
            meta.version,
            meta.created_at_ms,
            meta.updated_at_ms
        ),
        ("API_KEY", Some("for the LLM"), 1, 1_000, 1_000)
    );
    assert_eq!((event.kind, event.version), (EventKind::SecretPut, 1));

    let record = store.find_secret(&scope, &n).await.unwrap().expect("found");
    assert_eq!(record.meta, meta);
    assert_eq!(record.sealed, sealed(1), "sealed bytes round trip exactly");
    assert_eq!(store.list_secrets(&scope).await.unwrap(), vec![meta]);
}

pub async fn an_upsert_keeps_position_and_created_at_and_bumps_the_version(store: &dyn Store) {
    let scope = Scope::Global;
    for (i, n) in ["A", "B", "C"].into_iter().enumerate() {
        let n = name(n);
        let secret = SecretWrite {
            description: Some("first".into()),
            ..write(&scope, &n, sealed(1), 100 + i as i64)
        };
        store
            .upsert_secret(secret, put_event(&scope, &n, 100))
            .await
            .unwrap();
    }
    let a = name("A");
    let replaced = SecretWrite {
        description: Some("second".into()),
        ..write(&scope, &a, sealed(2), 500)
    };
    let (meta, event) = store
        .upsert_secret(replaced, put_event(&scope, &a, 500))
        .await
        .unwrap();
    assert_eq!(
        (meta.version, meta.created_at_ms, meta.updated_at_ms),
        (2, 100, 500)
    );
    assert_eq!(meta.description.as_deref(), Some("second"));
    assert_eq!(event.version, 2);
    assert_eq!(
        names(&store.list_secrets(&scope).await.unwrap()),
        ["A", "B", "C"]
    );
    assert_eq!(
        store.find_secret(&scope, &a).await.unwrap().unwrap().sealed,
        sealed(2)
    );

    // A description can be removed again.
    let (meta, _) = store
        .upsert_secret(
            write(&scope, &a, sealed(3), 600),
            put_event(&scope, &a, 600),
        )
        .await
        .unwrap();
    assert_eq!((meta.version, meta.description.as_deref()), (3, None));
    let found = store.find_secret(&scope, &a).await.unwrap().unwrap();
    assert_eq!(found.meta, meta);
}

pub async fn a_delete_returns_its_event_once(store: &dyn Store) {
    let (scope, n) = (Scope::Global, name("GONE"));
    store
        .upsert_secret(write(&scope, &n, sealed(1), 1), put_event(&scope, &n, 1))
        .await
        .unwrap();
    store
        .upsert_secret(write(&scope, &n, sealed(2), 2), put_event(&scope, &n, 2))
        .await
        .unwrap();
    let delete = crate::fixtures::event(EventKind::SecretDeleted, &scope, "GONE", 3);

    let event = store
        .delete_secret(&scope, &n, delete.clone())
        .await
        .unwrap()
        .expect("deleted");
    assert_eq!(
        (event.kind, event.name.as_str(), event.version, event.at_ms),
        (EventKind::SecretDeleted, "GONE", 2, 3)
    );
    assert!(store.find_secret(&scope, &n).await.unwrap().is_none());
    assert!(store.list_secrets(&scope).await.unwrap().is_empty());

    assert!(
        store
            .delete_secret(&scope, &n, delete)
            .await
            .unwrap()
            .is_none()
    );
    let kinds: Vec<_> = store
        .list_events(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::SecretPut,
            EventKind::SecretPut,
            EventKind::SecretDeleted
        ],
        "no event for a no-op delete"
    );
}

pub async fn a_deleted_and_recreated_secret_moves_to_the_end(store: &dyn Store) {
    let scope = workspace();
    for n in ["A", "B", "C"] {
        let n = name(n);
        store
            .upsert_secret(write(&scope, &n, sealed(1), 1), put_event(&scope, &n, 1))
            .await
            .unwrap();
    }
    let a = name("A");
    let delete = crate::fixtures::event(EventKind::SecretDeleted, &scope, "A", 2);
    store
        .delete_secret(&scope, &a, delete)
        .await
        .unwrap()
        .expect("deleted");
    let (meta, _) = store
        .upsert_secret(write(&scope, &a, sealed(2), 3), put_event(&scope, &a, 3))
        .await
        .unwrap();
    assert_eq!(
        (meta.version, meta.created_at_ms),
        (1, 3),
        "a re-created secret starts over"
    );
    assert_eq!(
        names(&store.list_secrets(&scope).await.unwrap()),
        ["B", "C", "A"]
    );
}

pub async fn secret_key_ids_are_distinct_per_scope(store: &dyn Store) {
    let (scope, other) = (Scope::Global, account("ops"));
    for (n, key) in [("A", "k2"), ("B", "k1"), ("C", "k2")] {
        let n = name(n);
        let secret = SecretWrite {
            key_id: key.into(),
            ..write(&scope, &n, sealed(1), 1)
        };
        store
            .upsert_secret(secret, put_event(&scope, &n, 1))
            .await
            .unwrap();
    }
    let n = name("D");
    let secret = SecretWrite {
        key_id: "k3".into(),
        ..write(&other, &n, sealed(1), 1)
    };
    store
        .upsert_secret(secret, put_event(&other, &n, 1))
        .await
        .unwrap();

    let mut ids = store.secret_key_ids(&scope).await.unwrap();
    ids.sort();
    assert_eq!(ids, ["k1", "k2"]);
    assert_eq!(store.secret_key_ids(&other).await.unwrap(), ["k3"]);
}

pub async fn scopes_are_isolated(store: &dyn Store) {
    let scopes = [
        Scope::Global,
        workspace(),
        workspace(),
        account("x"),
        account("y"),
    ];
    let n = name("SHARED_NAME");
    for (i, scope) in scopes.iter().enumerate() {
        store
            .upsert_secret(
                write(scope, &n, sealed(i as u8), 1),
                put_event(scope, &n, 1),
            )
            .await
            .unwrap();
    }
    for (i, scope) in scopes.iter().enumerate() {
        assert_eq!(
            store.find_secret(scope, &n).await.unwrap().unwrap().sealed,
            sealed(i as u8),
            "{scope}"
        );
        assert_eq!(store.list_secrets(scope).await.unwrap().len(), 1, "{scope}");
    }
    let delete = crate::fixtures::event(EventKind::SecretDeleted, &scopes[3], "SHARED_NAME", 2);
    store
        .delete_secret(&scopes[3], &n, delete)
        .await
        .unwrap()
        .expect("deleted");
    assert!(store.find_secret(&scopes[3], &n).await.unwrap().is_none());
    for scope in [&scopes[0], &scopes[1], &scopes[2], &scopes[4]] {
        assert!(
            store.find_secret(scope, &n).await.unwrap().is_some(),
            "{scope}"
        );
    }
}

pub async fn concurrent_upserts_to_different_names_all_succeed(store: &dyn Store) {
    let scope = Scope::Global;
    let names: Vec<_> = (0..20).map(|i| name(&format!("CONCURRENT_{i}"))).collect();
    let writes = names
        .iter()
        .map(|n| store.upsert_secret(write(&scope, n, sealed(7), 1), put_event(&scope, n, 1)));
    let results = futures::future::join_all(writes).await;

    let mut event_ids = Vec::new();
    for result in results {
        let (meta, event) = result.expect("every concurrent upsert succeeds");
        assert_eq!(meta.version, 1);
        event_ids.push(event.id);
    }
    event_ids.sort();
    event_ids.dedup();
    assert_eq!(event_ids.len(), 20, "event ids are unique");
    assert_eq!(store.list_secrets(&scope).await.unwrap().len(), 20);
    assert_eq!(store.list_events(0, 100).await.unwrap().len(), 20);
}

store_contract!(
    an_empty_store_lists_nothing,
    an_upserted_secret_can_be_found,
    an_upsert_keeps_position_and_created_at_and_bumps_the_version,
    a_delete_returns_its_event_once,
    a_deleted_and_recreated_secret_moves_to_the_end,
    secret_key_ids_are_distinct_per_scope,
    scopes_are_isolated,
    concurrent_upserts_to_different_names_all_succeed,
);
