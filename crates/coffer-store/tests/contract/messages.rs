//! Contract cases for Mafold messages: retried sends stored once, and history pages.

use coffer_core::event::EventKind;
use coffer_core::store::{MessageInsert, NewMessage, Store};

use crate::accounts::create;
use crate::chats::{ev, group, message, send};

pub async fn a_retried_send_with_the_same_client_id_is_stored_once(store: &dyn Store) {
    create(store, "ann").await;
    create(store, "bob").await;
    let chat = group(store, &["ann", "bob", "claude"], 10).await;
    let with_id = |sender: &str, text: &str| NewMessage {
        client_msg_id: Some("c-1".to_owned()),
        ..message(chat, sender, text, 20)
    };
    let first = send(store, with_id("ann", "first")).await;
    let events = store.list_events(0, 1000).await.unwrap().len();
    match store
        .insert_message(with_id("ann", "retry"), ev(EventKind::MessageCreated, "m"))
        .await
        .unwrap()
    {
        MessageInsert::Duplicate(m) => assert_eq!((m.id, m.content.as_str()), (first.id, "first")),
        other => panic!("expected the first send back, got {other:?}"),
    }
    assert_eq!(store.list_events(0, 1000).await.unwrap().len(), events);
    // Another sender may use the same client id.
    let bobs = send(store, with_id("bob", "mine")).await;
    assert_eq!(bobs.client_msg_id.as_deref(), Some("c-1"));
    assert_eq!(store.list_messages(chat, None, 10).await.unwrap().len(), 2);
}

pub async fn history_pages_are_oldest_first_and_end_before_a_message(store: &dyn Store) {
    create(store, "ann").await;
    let chat = group(store, &["ann", "claude", "deepseek"], 10).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            send(store, message(chat, "ann", &format!("m{i}"), 20 + i))
                .await
                .id,
        );
    }
    let texts = |page: Vec<coffer_core::domain::Message>| {
        page.into_iter().map(|m| m.content).collect::<Vec<_>>()
    };
    assert_eq!(
        texts(store.list_messages(chat, None, 3).await.unwrap()),
        ["m4", "m5", "m6"]
    );
    assert_eq!(
        texts(store.list_messages(chat, Some(ids[4]), 3).await.unwrap()),
        ["m1", "m2", "m3"]
    );
    assert_eq!(
        texts(store.list_messages(chat, Some(ids[1]), 3).await.unwrap()),
        ["m0"]
    );
    assert!(
        store
            .list_messages(chat, Some(ids[0]), 3)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.list_messages(chat, None, 100).await.unwrap().len(), 7);
    let other = group(store, &["ann", "claude", "deepseek"], 11).await;
    assert!(
        store
            .list_messages(other, None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_messages(other, Some(ids[3]), 100)
            .await
            .unwrap()
            .is_empty(),
        "a message of another conversation starts no page here"
    );
}

store_contract!(
    a_retried_send_with_the_same_client_id_is_stored_once,
    history_pages_are_oldest_first_and_end_before_a_message,
);
