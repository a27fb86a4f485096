//! Contract cases for the [`ConversationStore`] port: a conversation row and its event
//! log are written and read back as given, each change is one unit of work (row, events
//! and audit event together, or nothing), and events page by `seq` in both directions
//! and filter by kind and source. See also `conversation_upkeep`.

use std::collections::BTreeMap;

use coffer_core::event::EventKind;
use coffer_core::store::{
    ConversationEventWrite, ConversationRecord, ConversationUpdate, EventFilter, Store,
};
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::ACTOR;

pub fn audit(kind: EventKind, id: Uuid) -> coffer_core::event::NewEvent {
    coffer_core::event::NewEvent {
        kind,
        scope: "global".into(),
        name: format!("conversation:{id}"),
        actor: ACTOR.into(),
        at_ms: 5,
    }
}

pub fn record(id: Uuid, status: &str) -> ConversationRecord {
    ConversationRecord {
        id,
        status: status.into(),
        doc: json!({"agent": {"llm": {"model": "m", "api_key": null}}, "working_dir": "/w"}),
        state: json!({"stats": {"usage_to_metrics": {}}}),
        // Deliberately not UTF-8, like real envelopes.
        sealed: BTreeMap::from([("secrets".to_owned(), vec![0xff, 0x00, 0x80, 7])]),
        created_at_ms: 10,
        updated_at_ms: 11,
    }
}

pub fn event(kind: &str, source: &str, tag: u8) -> ConversationEventWrite {
    ConversationEventWrite {
        event_id: Uuid::new_v4(),
        kind: kind.into(),
        source: source.into(),
        at_ms: 20 + i64::from(tag),
        sealed: vec![0xfe, tag, 0x00],
    }
}

pub fn all(limit: i64) -> EventFilter {
    EventFilter {
        after_seq: None,
        limit,
        newest_first: false,
        kind: None,
        source: None,
    }
}

async fn audit_kinds(store: &dyn Store) -> Vec<(EventKind, String)> {
    store
        .list_events(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.name))
        .collect()
}

pub async fn a_conversation_and_its_events_round_trip(store: &dyn Store) {
    let id = Uuid::new_v4();
    let first = event("message", "user", 1);
    let (seqs, recorded) = store
        .insert_conversation(
            &record(id, "idle"),
            vec![first.clone()],
            audit(EventKind::ConversationCreated, id),
        )
        .await
        .unwrap()
        .expect("inserted");
    assert_eq!(seqs.len(), 1);
    assert_eq!(recorded.kind, EventKind::ConversationCreated);
    assert_eq!(
        store.find_conversation(id).await.unwrap(),
        Some(record(id, "idle"))
    );

    let update = ConversationUpdate {
        status: Some("running".into()),
        state: Some(json!({"stats": {"usage_to_metrics": {"agent": {}}}})),
        sealed: None,
        updated_at_ms: 30,
    };
    let more = vec![
        event("action", "agent", 2),
        event("observation", "environment", 3),
    ];
    let (more_seqs, no_audit) = store
        .update_conversation(id, update, more.clone(), None)
        .await
        .unwrap()
        .expect("exists");
    assert!(no_audit.is_none());
    assert!(seqs[0] < more_seqs[0] && more_seqs[0] < more_seqs[1]);
    let found = store.find_conversation(id).await.unwrap().unwrap();
    assert_eq!(found.status, "running");
    assert_eq!(found.state["stats"]["usage_to_metrics"]["agent"], json!({}));
    assert_eq!(
        found.sealed,
        record(id, "idle").sealed,
        "None keeps the sealed part"
    );
    assert_eq!((found.created_at_ms, found.updated_at_ms), (10, 30));

    let listed = store.list_conversation_events(id, &all(10)).await.unwrap();
    let got: Vec<_> = listed
        .iter()
        .map(|e| (e.event_id, e.kind.as_str(), e.sealed.clone()))
        .collect();
    let want: Vec<_> = [&first, &more[0], &more[1]]
        .iter()
        .map(|e| (e.event_id, e.kind.as_str(), e.sealed.clone()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(listed[2].source, "environment");
    assert_eq!(listed[2].at_ms, 23);

    // Changing only the sealed part.
    let sealed = BTreeMap::from([("secrets".to_owned(), vec![1, 2, 3])]);
    let update = ConversationUpdate {
        sealed: Some(sealed.clone()),
        updated_at_ms: 40,
        ..ConversationUpdate::default()
    };
    let (_, audited) = store
        .update_conversation(
            id,
            update,
            Vec::new(),
            Some(audit(EventKind::ConversationSecretsUpdated, id)),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audited.unwrap().kind, EventKind::ConversationSecretsUpdated);
    let found = store.find_conversation(id).await.unwrap().unwrap();
    assert_eq!((found.sealed, found.status.as_str()), (sealed, "running"));
}

pub async fn events_page_both_ways_and_filter(store: &dyn Store) {
    let id = Uuid::new_v4();
    let other = Uuid::new_v4();
    store
        .insert_conversation(
            &record(id, "idle"),
            Vec::new(),
            audit(EventKind::ConversationCreated, id),
        )
        .await
        .unwrap()
        .unwrap();
    store
        .insert_conversation(
            &record(other, "idle"),
            vec![event("message", "user", 99)],
            audit(EventKind::ConversationCreated, other),
        )
        .await
        .unwrap()
        .unwrap();
    let kinds = ["message", "action", "observation", "action", "observation"];
    let sources = ["user", "agent", "environment", "agent", "environment"];
    let writes: Vec<_> = (0..5)
        .map(|i| event(kinds[i], sources[i], i as u8))
        .collect();
    let (seqs, _) = store
        .update_conversation(id, ConversationUpdate::default(), writes, None)
        .await
        .unwrap()
        .unwrap();

    let page1 = store.list_conversation_events(id, &all(2)).await.unwrap();
    let after = EventFilter {
        after_seq: Some(page1[1].seq),
        ..all(10)
    };
    let page2 = store.list_conversation_events(id, &after).await.unwrap();
    let seen: Vec<i64> = page1.iter().chain(&page2).map(|e| e.seq).collect();
    assert_eq!(seen, seqs, "no event of the other conversation, none twice");

    let newest = EventFilter {
        newest_first: true,
        ..all(2)
    };
    let desc = store.list_conversation_events(id, &newest).await.unwrap();
    assert_eq!(
        desc.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [seqs[4], seqs[3]]
    );
    let before = EventFilter {
        after_seq: Some(seqs[3]),
        newest_first: true,
        ..all(10)
    };
    let older = store.list_conversation_events(id, &before).await.unwrap();
    assert_eq!(
        older.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [seqs[2], seqs[1], seqs[0]]
    );

    let actions = EventFilter {
        kind: Some("action".into()),
        ..all(10)
    };
    let got = store.list_conversation_events(id, &actions).await.unwrap();
    assert_eq!(
        got.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [seqs[1], seqs[3]]
    );
    let env = EventFilter {
        source: Some("environment".into()),
        kind: Some("observation".into()),
        ..all(10)
    };
    assert_eq!(
        store
            .list_conversation_events(id, &env)
            .await
            .unwrap()
            .len(),
        2
    );
    let none = EventFilter {
        source: Some("user".into()),
        kind: Some("action".into()),
        ..all(10)
    };
    assert!(
        store
            .list_conversation_events(id, &none)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_conversation_events(Uuid::new_v4(), &all(10))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn an_existing_id_is_not_overwritten_and_unknown_ids_change_nothing(store: &dyn Store) {
    let id = Uuid::new_v4();
    store
        .insert_conversation(
            &record(id, "idle"),
            Vec::new(),
            audit(EventKind::ConversationCreated, id),
        )
        .await
        .unwrap()
        .unwrap();
    let before = audit_kinds(store).await;
    let again = store
        .insert_conversation(
            &record(id, "finished"),
            vec![event("message", "user", 1)],
            audit(EventKind::ConversationCreated, id),
        )
        .await
        .unwrap();
    assert!(again.is_none());
    assert_eq!(
        store.find_conversation(id).await.unwrap().unwrap().status,
        "idle"
    );
    assert!(
        store
            .list_conversation_events(id, &all(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        audit_kinds(store).await,
        before,
        "no audit event for a create that did nothing"
    );

    let unknown = Uuid::new_v4();
    let update = ConversationUpdate {
        status: Some("running".into()),
        ..ConversationUpdate::default()
    };
    let result = store
        .update_conversation(
            unknown,
            update,
            vec![event("message", "user", 1)],
            Some(audit(EventKind::ConversationSecretsUpdated, unknown)),
        )
        .await
        .unwrap();
    assert!(result.is_none());
    assert!(
        store
            .list_conversation_events(unknown, &all(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .delete_conversation(unknown, audit(EventKind::ConversationDeleted, unknown))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit_kinds(store).await, before);
    assert!(store.find_conversation(unknown).await.unwrap().is_none());
}

pub async fn deleting_removes_the_row_and_its_events(store: &dyn Store) {
    let (id, kept) = (Uuid::new_v4(), Uuid::new_v4());
    for c in [id, kept] {
        store
            .insert_conversation(
                &record(c, "finished"),
                vec![event("message", "user", 1)],
                audit(EventKind::ConversationCreated, c),
            )
            .await
            .unwrap()
            .unwrap();
    }
    let deleted = store
        .delete_conversation(id, audit(EventKind::ConversationDeleted, id))
        .await
        .unwrap()
        .expect("existed");
    assert_eq!(deleted.kind, EventKind::ConversationDeleted);
    assert!(store.find_conversation(id).await.unwrap().is_none());
    assert!(
        store
            .list_conversation_events(id, &all(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .delete_conversation(id, audit(EventKind::ConversationDeleted, id))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .list_conversation_events(kept, &all(10))
            .await
            .unwrap()
            .len(),
        1
    );
    let kinds = audit_kinds(store).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|(k, _)| *k == EventKind::ConversationDeleted)
            .count(),
        1
    );
}

store_contract!(
    a_conversation_and_its_events_round_trip,
    events_page_both_ways_and_filter,
    an_existing_id_is_not_overwritten_and_unknown_ids_change_nothing,
    deleting_removes_the_row_and_its_events,
);
