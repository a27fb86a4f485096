//! Bad input on every method — not JSON, not an object, missing fields, wrong types,
//! unknown conversations and messages, a non-participant, a non-owner, a 1 MB message —
//! answers the envelope with the right code, and nothing is half-written.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send as raw_send};
use crate::mafold_helpers::{call, chat, failed, human, messages, ok, send};

const EVERY_METHOD: [&str; 15] = [
    "signIn",
    "getUser",
    "getUsers",
    "getMyAgents",
    "setAgentKey",
    "removeAgentKey",
    "startChat",
    "getChats",
    "getChat",
    "sendMessage",
    "getMessages",
    "getGroupAgents",
    "addGroupAgent",
    "removeGroupAgent",
    "setGroupAgentMode",
];

async fn bodies_that_are_not_a_json_object_are_400_on_every_method(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    for method in EVERY_METHOD {
        for (body, detail) in [
            ("{not json", "the body is not valid JSON"),
            ("[1, 2]", "the body must be a JSON object"),
            ("\"text\"", "the body must be a JSON object"),
            ("null", "the body must be a JSON object"),
        ] {
            let req = app
                .anonymous(reqwest::Method::POST, &format!("/api/{method}"))
                .header("Authorization", format!("Bearer {ops}"))
                .header("content-type", "application/json")
                .body(body);
            failed(
                raw_send(req).await,
                400,
                &format!("invalid argument: {detail}"),
            );
        }
    }
    app.stop().await;
}

async fn wrong_fields_unknown_ids_and_foreign_chats_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let bob = human(&app, "bob").await;
    human(&app, "cy").await;
    let eve = human(&app, "eve").await;
    let group = chat(&app, &ops, &["bob", "cy"]).await;
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:claude"}),
    )
    .await;
    send(&app, &ops, &group, "first").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        (
            &eve,
            "getUser",
            json!({}),
            400,
            "invalid argument: user_id is required",
        ),
        (
            &eve,
            "getUsers",
            json!({"kind": 1}),
            400,
            "invalid argument: kind must be a string",
        ),
        (
            &eve,
            "startChat",
            json!({}),
            400,
            "invalid argument: user_ids is required",
        ),
        (
            &eve,
            "getChat",
            json!({"chat_id": 12}),
            400,
            "invalid argument: chat_id must be a UUID string",
        ),
        (
            &eve,
            "getChat",
            json!({"chat_id": group}),
            403,
            "permission denied: not a participant",
        ),
        (
            &eve,
            "sendMessage",
            json!({"chat_id": group, "text": "let me in"}),
            403,
            "permission denied: not a participant",
        ),
        (
            &eve,
            "getMessages",
            json!({"chat_id": group}),
            403,
            "permission denied: not a participant",
        ),
        (
            &eve,
            "setGroupAgentMode",
            json!({"chat_id": group, "agent_username": "ops:claude", "always_on": true}),
            403,
            "permission denied: not a participant",
        ),
        (
            &bob,
            "setGroupAgentMode",
            json!({"chat_id": group, "agent_username": "ops:claude", "always_on": true}),
            403,
            "permission denied: not the owner of the agent",
        ),
        (
            &bob,
            "removeGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:claude"}),
            403,
            "permission denied: not the owner of the agent",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": unknown, "text": "hi"}),
            404,
            "not found: conversation",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group}),
            400,
            "invalid argument: text is required",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": 5}),
            400,
            "invalid argument: text must be a string",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "  \n "}),
            400,
            "invalid argument: text is empty",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "nul \u{0} byte"}),
            400,
            "invalid argument: text contains a NUL character",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "x".repeat(16_001)}),
            400,
            "invalid argument: text is longer than 16000 characters",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "hi", "reply_to_message_id": unknown}),
            404,
            "not found: message",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "hi", "reply_to_message_id": "x"}),
            400,
            "invalid argument: reply_to_message_id must be a UUID",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "hi", "client_msg_id": ""}),
            400,
            "invalid argument: client_msg_id must be 1-128 bytes without control characters",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "hi", "client_msg_id": 9}),
            400,
            "invalid argument: client_msg_id must be a string",
        ),
        (
            &ops,
            "sendMessage",
            json!({"chat_id": group, "text": "hi", "attachments": [{"url": "x"}]}),
            400,
            "invalid argument: attachments are not supported",
        ),
        (
            &ops,
            "getMessages",
            json!({"chat_id": group, "limit": 0}),
            400,
            "invalid argument: limit must be between 1 and 200",
        ),
        (
            &ops,
            "getMessages",
            json!({"chat_id": group, "limit": "10"}),
            400,
            "invalid argument: limit must be an integer",
        ),
        (
            &ops,
            "getMessages",
            json!({"chat_id": group, "before": unknown}),
            404,
            "not found: message",
        ),
        (
            &ops,
            "getGroupAgents",
            json!({}),
            400,
            "invalid argument: chat_id is required",
        ),
        (
            &ops,
            "removeGroupAgent",
            json!({"chat_id": group, "agent_username": 3}),
            400,
            "invalid argument: agent_username must be a string",
        ),
        (
            &ops,
            "setAgentKey",
            json!({"provider": "claude", "api_key": null}),
            400,
            "invalid argument: api_key is required",
        ),
        (
            &ops,
            "startChat",
            json!({"user_ids": ["bob"], "title": "t".repeat(201)}),
            200,
            "",
        ),
    ];
    for (token, method, body, code, description) in cases {
        let answer = call(&app, Some(token), method, body.clone()).await;
        if code == 200 {
            assert_eq!(
                answer.0, 200,
                "{method} {body}: a direct chat ignores its title"
            );
            continue;
        }
        failed(answer, code, description);
    }
    failed(
        call(
            &app,
            Some(&ops),
            "startChat",
            json!({"user_ids": ["bob", "eve"], "title": "t".repeat(201)}),
        )
        .await,
        400,
        "invalid argument: title is longer than 200 characters",
    );
    // Nothing was half-written: one message, one agent, one group (plus the direct chat).
    let history = messages(&app, &ops, &group).await;
    assert_eq!(history.len(), 1, "{history:?}");
    let agents = ok(&app, &ops, "getGroupAgents", json!({"chat_id": group})).await;
    assert_eq!(
        agents["items"],
        json!([{"agent": {"username": "ops:claude", "display_name": "Claude", "kind": "agent", "parent_username": "ops", "agent_provider": "claude"}, "always_on": false}])
    );
    let chats = ok(&app, &ops, "getChats", Value::Null).await;
    assert_eq!(chats["items"].as_array().unwrap().len(), 2);
    assert!(
        ok(&app, &eve, "getChats", Value::Null).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(app.store.list_sealed_agent_keys().await.unwrap().is_empty());
    app.stop().await;
}

async fn a_one_megabyte_message_is_refused_whole(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let group = chat(&app, &ops, &["claude"]).await;
    // Just under the body limit: the text rule refuses it.
    let text = "m".repeat(1_000_000);
    failed(
        call(
            &app,
            Some(&ops),
            "sendMessage",
            json!({"chat_id": group, "text": text}),
        )
        .await,
        400,
        "invalid argument: text is longer than 16000 characters",
    );
    // Over the body limit: refused before it is parsed.
    let text = "m".repeat(1_100_000);
    failed(
        call(
            &app,
            Some(&ops),
            "sendMessage",
            json!({"chat_id": group, "text": text}),
        )
        .await,
        413,
        "payload too large: the request body is over the limit",
    );
    assert!(messages(&app, &ops, &group).await.is_empty());
    app.stop().await;
}

async fn a_retried_send_returns_the_first_message_and_dispatches_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let group = chat(&app, &ops, &["ops:claude"]).await;
    let body = json!({"chat_id": group, "text": "once", "client_msg_id": "c-1"});
    let first = ok(&app, &ops, "sendMessage", body.clone()).await;
    let again = ok(
        &app,
        &ops,
        "sendMessage",
        json!({"chat_id": group, "text": "changed", "client_msg_id": "c-1"}),
    )
    .await;
    assert_eq!(again, first);
    assert_eq!(first["client_msg_id"], "c-1");
    // One person's message and one (key-less) agent reply, not two.
    let replies = crate::mafold_helpers::agent_replies(&app, &ops, &group, 1).await;
    let all = messages(&app, &ops, &group).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(replies[0]["reply_to_id"], first["id"]);
    app.stop().await;
}

both_backends!(
    bodies_that_are_not_a_json_object_are_400_on_every_method,
    wrong_fields_unknown_ids_and_foreign_chats_change_nothing,
    a_one_megabyte_message_is_refused_whole,
    a_retried_send_returns_the_first_message_and_dispatches_once,
);
