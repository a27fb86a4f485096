//! Contract cases for Mafold conversations: direct and group conversations, participants,
//! agent settings, and agent reply placeholders (the builders here are shared with
//! [`crate::messages`]).

use coffer_core::domain::{ChatKind, direct_key};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::store::{ChatInsert, GroupAgentWrite, MessageInsert, NewChat, NewMessage, Store};
use uuid::Uuid;

use crate::accounts::create;
use crate::fixtures::ACTOR;

pub fn ev(kind: EventKind, name: &str) -> NewEvent {
    NewEvent {
        kind,
        scope: "chat:test".to_owned(),
        name: name.to_owned(),
        actor: ACTOR.to_owned(),
        at_ms: 3,
    }
}

fn direct(a: &str, b: &str, at_ms: i64) -> NewChat {
    NewChat {
        id: Uuid::new_v4(),
        kind: ChatKind::Direct,
        title: None,
        direct_key: Some(direct_key(a, b)),
        participants: vec![a.to_owned(), b.to_owned()],
        at_ms,
    }
}

pub async fn group(store: &dyn Store, people: &[&str], at_ms: i64) -> Uuid {
    let chat = NewChat {
        id: Uuid::new_v4(),
        kind: ChatKind::Group,
        title: Some("Launch".to_owned()),
        direct_key: None,
        participants: people.iter().map(|p| p.to_string()).collect(),
        at_ms,
    };
    let id = chat.id;
    match store
        .insert_chat(chat, ev(EventKind::ChatCreated, "group"))
        .await
        .unwrap()
    {
        ChatInsert::Created(event) => assert_eq!(event.kind, EventKind::ChatCreated),
        other => panic!("expected a new group, got {other:?}"),
    }
    id
}

pub fn message(chat_id: Uuid, sender: &str, text: &str, at_ms: i64) -> NewMessage {
    NewMessage {
        id: Uuid::new_v4(),
        chat_id,
        sender: sender.to_owned(),
        content: text.to_owned(),
        reply_to_id: None,
        client_msg_id: None,
        finalized: true,
        at_ms,
    }
}

pub async fn send(store: &dyn Store, m: NewMessage) -> coffer_core::domain::Message {
    match store
        .insert_message(m, ev(EventKind::MessageCreated, "m"))
        .await
        .unwrap()
    {
        MessageInsert::Created(message, _) => message,
        other => panic!("expected a new message, got {other:?}"),
    }
}

pub async fn a_direct_conversation_is_unique_per_pair(store: &dyn Store) {
    create(store, "ann").await;
    create(store, "bob").await;
    let first = direct("ann", "bob", 10);
    let id = first.id;
    assert!(matches!(
        store
            .insert_chat(first, ev(EventKind::ChatCreated, "direct"))
            .await
            .unwrap(),
        ChatInsert::Created(_)
    ));
    let events = store.list_events(0, 100).await.unwrap().len();
    let again = store
        .insert_chat(
            direct("bob", "ann", 20),
            ev(EventKind::ChatCreated, "direct"),
        )
        .await
        .unwrap();
    assert!(matches!(again, ChatInsert::ExistingDirect(existing) if existing == id));
    assert_eq!(
        store.list_events(0, 100).await.unwrap().len(),
        events,
        "nothing written"
    );
    let chat = store.find_chat(id).await.unwrap().expect("chat");
    assert_eq!(chat.kind, ChatKind::Direct);
    let people: Vec<&str> = chat
        .participants
        .iter()
        .map(|p| p.username.as_str())
        .collect();
    assert_eq!(people, ["ann", "bob"]);
    assert!(store.find_chat(Uuid::new_v4()).await.unwrap().is_none());
}

pub async fn conversations_list_with_participants_most_recent_first(store: &dyn Store) {
    for name in ["ann", "bob", "cy"] {
        create(store, name).await;
    }
    let older = group(store, &["ann", "bob", "cy"], 10).await;
    let newer = group(store, &["ann", "bob", "ann:claude"], 20).await;
    let ann: Vec<Uuid> = store
        .list_chats_of("ann")
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ann, [newer, older]);
    // A message moves a conversation to the top.
    send(store, message(older, "cy", "bump", 30)).await;
    let chats = store.list_chats_of("ann").await.unwrap();
    assert_eq!(
        chats.iter().map(|c| c.id).collect::<Vec<_>>(),
        [older, newer]
    );
    assert_eq!(chats[0].updated_at_ms, 30);
    assert_eq!(chats[1].title.as_deref(), Some("Launch"));
    let people: Vec<&str> = chats[1]
        .participants
        .iter()
        .map(|p| p.username.as_str())
        .collect();
    assert_eq!(people, ["ann", "bob", "ann:claude"]);
    let cy: Vec<Uuid> = store
        .list_chats_of("cy")
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(cy, [older]);
}

pub async fn group_agents_join_change_mode_and_leave(store: &dyn Store) {
    create(store, "ann").await;
    create(store, "bob").await;
    let chat = group(store, &["ann", "bob", "claude"], 10).await;
    let agents = store.list_chat_agents(chat).await.unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(
        (agents[0].0.username.as_str(), agents[0].1),
        ("claude", None),
        "no setting"
    );

    let write = |agent: &str, always_on, join| GroupAgentWrite {
        chat_id: chat,
        agent: agent.to_owned(),
        always_on,
        added_by: "ann".to_owned(),
        join,
        at_ms: 12,
    };
    let set = |name: &str| ev(EventKind::GroupAgentSet, name);
    // Changing the mode of an agent that is not in the group writes nothing.
    assert!(
        store
            .upsert_group_agent(write("ann:claude", true, false), set("a"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .upsert_group_agent(write("ann:claude", false, true), set("a"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .upsert_group_agent(write("ann:claude", true, false), set("a"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .upsert_group_agent(write("claude", false, false), set("c"))
            .await
            .unwrap()
            .is_some()
    );
    let agents: Vec<(String, Option<bool>)> = store
        .list_chat_agents(chat)
        .await
        .unwrap()
        .into_iter()
        .map(|(a, on)| (a.username, on))
        .collect();
    assert_eq!(
        agents,
        [
            ("claude".to_owned(), Some(false)),
            ("ann:claude".to_owned(), Some(true))
        ]
    );
    let people = store
        .find_chat(chat)
        .await
        .unwrap()
        .unwrap()
        .participants
        .len();
    assert_eq!(people, 4, "joining twice adds one participant");

    let removed = ev(EventKind::GroupAgentRemoved, "ann:claude");
    assert!(
        store
            .remove_chat_agent(chat, "ann:claude", 13, removed.clone())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .remove_chat_agent(chat, "ann:claude", 14, removed)
            .await
            .unwrap()
            .is_none()
    );
    let agents = store.list_chat_agents(chat).await.unwrap();
    assert_eq!(agents.len(), 1);
    // Joining again starts from the given mode, not the old setting.
    assert!(
        store
            .upsert_group_agent(write("ann:claude", false, true), set("a"))
            .await
            .unwrap()
            .is_some()
    );
    let agents = store.list_chat_agents(chat).await.unwrap();
    assert_eq!(agents[1].1, Some(false));
}

pub async fn a_placeholder_is_finalized_once(store: &dyn Store) {
    create(store, "ann").await;
    let chat = group(store, &["ann", "claude", "ann:claude"], 10).await;
    let asked = send(store, message(chat, "ann", "@claude hi", 11)).await;
    assert_eq!(
        asked.finalized_at_ms,
        Some(11),
        "a person's message is final at once"
    );
    assert_eq!(asked.sender.username, "ann");
    let placeholder = NewMessage {
        reply_to_id: Some(asked.id),
        finalized: false,
        ..message(chat, "claude", "", 12)
    };
    let id = placeholder.id;
    let open = send(store, placeholder).await;
    let listed = store.list_open_messages(13, 10).await.unwrap();
    assert_eq!(listed.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
    assert!(
        store.list_open_messages(12, 10).await.unwrap().is_empty(),
        "created at 12"
    );
    assert_eq!((open.finalized_at_ms, open.content.as_str()), (None, ""));
    assert_eq!(open.reply_to_id, Some(asked.id));

    let fin = ev(EventKind::MessageFinalized, "m");
    let (done, event) = store
        .finalize_message(id, "Hello!".to_owned(), 15, fin.clone())
        .await
        .unwrap()
        .expect("finalized");
    assert_eq!(
        (done.content.as_str(), done.finalized_at_ms),
        ("Hello!", Some(15))
    );
    assert_eq!(event.kind, EventKind::MessageFinalized);
    assert!(store.list_open_messages(100, 10).await.unwrap().is_empty());
    assert!(
        store
            .finalize_message(id, "again".into(), 16, fin.clone())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .finalize_message(Uuid::new_v4(), "x".into(), 16, fin)
            .await
            .unwrap()
            .is_none()
    );
    let found = store.find_message(chat, id).await.unwrap().expect("found");
    assert_eq!(found.content, "Hello!");
    assert!(
        store
            .find_message(Uuid::new_v4(), id)
            .await
            .unwrap()
            .is_none(),
        "wrong chat"
    );
}

store_contract!(
    a_direct_conversation_is_unique_per_pair,
    conversations_list_with_participants_most_recent_first,
    group_agents_join_change_mode_and_leave,
    a_placeholder_is_finalized_once,
);
