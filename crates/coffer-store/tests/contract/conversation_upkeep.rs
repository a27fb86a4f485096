//! Contract cases for conversation upkeep: start-up recovery moves only `running` rows,
//! concurrent appends keep each log in order, re-sealing (key rotation) is
//! compare-and-set, and everything survives reopening the database.

use std::collections::BTreeMap;

use coffer_core::event::EventKind;
use coffer_core::store::{ConversationUpdate, Store};
use uuid::Uuid;

use crate::conversations::{all, audit, event, record};
use crate::harness::Harness;

pub async fn resealing_is_compare_and_set(store: &dyn Store) {
    let id = Uuid::new_v4();
    let events: Vec<_> = (0..3).map(|i| event("message", "user", i)).collect();
    store
        .insert_conversation(
            &record(id, "idle"),
            events.clone(),
            audit(EventKind::ConversationCreated, id),
        )
        .await
        .unwrap()
        .unwrap();
    let seals = store.list_conversation_seals().await.unwrap();
    let (_, old) = seals.iter().find(|(c, _)| *c == id).unwrap().clone();
    let new = BTreeMap::from([("secrets".to_owned(), vec![9, 9])]);
    assert!(
        store
            .reseal_conversation(id, &old, new.clone())
            .await
            .unwrap()
    );
    assert!(
        !store
            .reseal_conversation(id, &old, BTreeMap::new())
            .await
            .unwrap(),
        "stale"
    );
    assert_eq!(
        store.find_conversation(id).await.unwrap().unwrap().sealed,
        new
    );

    let page = store.list_sealed_conversation_events(0, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(
        (page[0].conversation_id, page[0].event_id),
        (id, events[0].event_id)
    );
    let rest = store
        .list_sealed_conversation_events(page[1].seq, 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert!(
        store
            .reseal_conversation_event(rest[0].seq, &rest[0].sealed, vec![7])
            .await
            .unwrap()
    );
    assert!(
        !store
            .reseal_conversation_event(rest[0].seq, &rest[0].sealed, vec![8])
            .await
            .unwrap()
    );
    let listed = store.list_conversation_events(id, &all(10)).await.unwrap();
    assert_eq!(listed[2].sealed, vec![7]);
}

pub async fn recovery_moves_only_running_conversations(store: &dyn Store) {
    let running: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let finished = Uuid::new_v4();
    for (id, status) in running
        .iter()
        .map(|id| (*id, "running"))
        .chain([(finished, "finished")])
    {
        store
            .insert_conversation(
                &record(id, status),
                Vec::new(),
                audit(EventKind::ConversationCreated, id),
            )
            .await
            .unwrap()
            .unwrap();
    }
    let mut moved = store
        .move_conversations_status("running", "paused", 99)
        .await
        .unwrap();
    moved.sort();
    let mut want = running.clone();
    want.sort();
    assert_eq!(moved, want);
    for id in &running {
        let found = store.find_conversation(*id).await.unwrap().unwrap();
        assert_eq!((found.status.as_str(), found.updated_at_ms), ("paused", 99));
    }
    assert_eq!(
        store
            .find_conversation(finished)
            .await
            .unwrap()
            .unwrap()
            .status,
        "finished"
    );
    assert!(
        store
            .move_conversations_status("running", "paused", 100)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn concurrent_appends_keep_each_log_in_order(store: &dyn Store) {
    let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    for id in &ids {
        store
            .insert_conversation(
                &record(*id, "running"),
                Vec::new(),
                audit(EventKind::ConversationCreated, *id),
            )
            .await
            .unwrap()
            .unwrap();
    }
    let appends = ids.iter().map(|id| async move {
        let mut last = 0;
        for i in 0..10u8 {
            let (seqs, _) = store
                .update_conversation(
                    *id,
                    ConversationUpdate::default(),
                    vec![event("action", "agent", i)],
                    None,
                )
                .await
                .unwrap()
                .unwrap();
            assert!(seqs[0] > last);
            last = seqs[0];
        }
    });
    futures::future::join_all(appends).await;
    for id in &ids {
        let events = store
            .list_conversation_events(*id, &all(100))
            .await
            .unwrap();
        let tags: Vec<u8> = events.iter().map(|e| e.sealed[1]).collect();
        assert_eq!(tags, (0..10).collect::<Vec<u8>>());
    }
}

pub async fn conversations_survive_reopening(h: &Harness) {
    let id = Uuid::new_v4();
    let first = event("message", "user", 1);
    h.store()
        .insert_conversation(
            &record(id, "running"),
            vec![first.clone()],
            audit(EventKind::ConversationCreated, id),
        )
        .await
        .unwrap()
        .unwrap();
    h.store().close().await;
    let reopened = h.open_again().await.expect("reopen");
    assert_eq!(
        reopened.find_conversation(id).await.unwrap(),
        Some(record(id, "running"))
    );
    let events = reopened
        .list_conversation_events(id, &all(10))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].event_id, events[0].sealed.clone()),
        (first.event_id, first.sealed)
    );
    reopened.close().await;
}

store_contract!(
    resealing_is_compare_and_set,
    recovery_moves_only_running_conversations,
    concurrent_appends_keep_each_log_in_order,
);

mod reopen {
    use super::conversations_survive_reopening;
    harness_contract!(conversations_survive_reopening);
}
