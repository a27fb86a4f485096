//! `GET /api/ws`: the hello frame, conversation events, the streamed reply's event order
//! (`messageNew` placeholder → `messageDelta`+ → `messageComplete`), and each account
//! receiving only its own conversations' events.

use std::time::Duration;

use coffer_llm::scripted::Reply;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::Backend;
use crate::mafold_helpers::{chat, human, ok, send, socket, spawn};

async fn a_streamed_reply_arrives_in_order_to_participants_only(backend: Backend) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ann = human(&app, "ann").await;
    let bob = human(&app, "bob").await;
    human(&app, "cy").await;
    let eve = human(&app, "eve").await;
    ok(
        &app,
        &ann,
        "setAgentKey",
        json!({"provider": "claude", "api_key": "sk-ann-claude"}),
    )
    .await;
    let mut ann_ws = socket(&app, &ann).await;
    let mut bob_ws = socket(&app, &bob).await;
    let mut eve_ws = socket(&app, &eve).await;
    assert_eq!(
        ann_ws.next().await,
        json!({"method": "events.hello", "params": {"username": "ann", "kind": "human", "display_name": "ann"}})
    );
    bob_ws.until("events.hello").await;
    eve_ws.until("events.hello").await;

    let group = chat(&app, &ann, &["bob", "cy"]).await;
    for ws in [&mut ann_ws, &mut bob_ws] {
        let frame = ws.next().await;
        assert_eq!(frame["method"], "events.conversationNew");
        assert_eq!(frame["params"]["id"], group.as_str());
        assert_eq!(frame["params"]["kind"], "group");
    }
    ok(
        &app,
        &ann,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ann:claude", "always_on": false}),
    )
    .await;
    for ws in [&mut ann_ws, &mut bob_ws] {
        let frame = ws.next().await;
        assert_eq!(frame["method"], "events.conversationUpdated");
        assert_eq!(frame["params"]["participants"][3]["username"], "ann:claude");
    }

    providers.claude.push(Reply::Stream {
        deltas: vec!["Str".into(), "eam".into(), "ed!".into()],
        delay: Duration::from_millis(20),
    });
    let sent = send(&app, &bob, &group, "@ann:claude stream please").await;
    for ws in [&mut ann_ws, &mut bob_ws] {
        let own = ws.next().await;
        assert_eq!(own["method"], "events.messageNew");
        assert_eq!(own["params"], sent, "the event carries the stored message");
        assert!(own["params"]["finalized_at"].is_string());

        let placeholder = ws.next().await;
        assert_eq!(placeholder["method"], "events.messageNew");
        let p = &placeholder["params"];
        assert_eq!(
            (p["sender"]["username"].as_str(), p["content"].as_str()),
            (Some("ann:claude"), Some(""))
        );
        assert!(
            p.get("finalized_at").is_none(),
            "a placeholder is not finalized: {p}"
        );
        assert_eq!(p["reply_to_id"], sent["id"]);
        let id = p["id"].clone();

        let mut text = String::new();
        let complete = loop {
            let frame = ws.next().await;
            match frame["method"].as_str().unwrap() {
                "events.messageDelta" => {
                    assert_eq!(frame["params"]["message_id"], id);
                    assert_eq!(frame["params"]["conversation_id"], group.as_str());
                    text.push_str(frame["params"]["delta"].as_str().unwrap());
                }
                "events.messageComplete" => break frame,
                other => panic!("unexpected {other}: {frame}"),
            }
        };
        assert_eq!(text, "Streamed!", "at least one delta, in order");
        let c = &complete["params"];
        assert_eq!(
            (c["id"].clone(), c["content"].as_str()),
            (id, Some("Streamed!"))
        );
        assert!(c["finalized_at"].is_string());
    }

    // Eve is in none of this: her first frame is about her own new conversation.
    let own = chat(&app, &eve, &["ann"]).await;
    let frame = eve_ws.next().await;
    assert_eq!(
        (frame["method"].as_str(), frame["params"]["id"].as_str()),
        (Some("events.conversationNew"), Some(own.as_str()))
    );
    app.stop().await;
}

async fn the_socket_carries_events_only(backend: Backend) {
    let Some((app, _providers)) = spawn(backend).await else {
        return;
    };
    let ann = human(&app, "ann").await;
    let mut ws = socket(&app, &ann).await;
    ws.until("events.hello").await;
    ws.send_text(r#"{"id": 7, "method": "getChats", "params": {}}"#)
        .await;
    let reply: Value = ws.next().await;
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["id"], 7);
    assert_eq!(reply["error"]["code"], "invalid_argument");
    // Dev tokens work on the socket in dev mode, like on methods.
    let mut dev = socket(&app, "dev:ann").await;
    assert_eq!(dev.next().await["params"]["username"], "ann");
    app.stop().await;
}

both_backends!(
    a_streamed_reply_arrives_in_order_to_participants_only,
    the_socket_carries_events_only,
);
