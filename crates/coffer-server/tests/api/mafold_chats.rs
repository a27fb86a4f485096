//! Conversations and accounts: `startChat` (direct reuse, groups, who may be included),
//! `getChats`, `getChat` (participants only), `getUser`, `getUsers`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp};
use crate::mafold_helpers::{call, chat, failed, human, ok};

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer(field).and_then(Value::as_str).unwrap().to_owned())
        .collect()
}

async fn start_chat_reuses_direct_chats_and_makes_groups(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ann = human(&app, "ann").await;
    let bob = human(&app, "bob").await;
    human(&app, "cy").await;
    let direct = ok(
        &app,
        &ann,
        "startChat",
        json!({"user_ids": ["BOB"], "title": "ignored"}),
    )
    .await;
    assert_eq!(direct["kind"], "direct");
    assert!(direct.get("title").is_none() && direct.get("unread_count").is_none());
    assert_eq!(names(&direct["participants"], "/username"), ["ann", "bob"]);
    assert!(direct["updated_at"].as_str().unwrap().ends_with('Z'));
    let again = ok(&app, &bob, "startChat", json!({"user_ids": ["ann", "bob"]})).await;
    assert_eq!(
        again["id"], direct["id"],
        "the pair's direct chat is reused"
    );
    let group = ok(
        &app,
        &ann,
        "startChat",
        json!({"user_ids": ["bob", "cy", "claude", "ann:claude"], "title": "  Launch "}),
    )
    .await;
    assert_eq!(group["kind"], "group");
    assert_eq!(group["title"], "Launch");
    assert_eq!(
        names(&group["participants"], "/username"),
        ["ann", "bob", "cy", "claude", "ann:claude"]
    );
    let fork = &group["participants"][4];
    assert_eq!(fork["parent_username"], "ann");
    assert_eq!(fork["agent_provider"], "claude");

    failed(
        call(&app, Some(&ann), "startChat", json!({"user_ids": []})).await,
        400,
        "invalid argument: a conversation needs at least two participants",
    );
    failed(
        call(
            &app,
            Some(&ann),
            "startChat",
            json!({"user_ids": ["ann", "ANN"]}),
        )
        .await,
        400,
        "invalid argument: a conversation needs at least two participants",
    );
    failed(
        call(
            &app,
            Some(&ann),
            "startChat",
            json!({"user_ids": ["bob", "nobody"]}),
        )
        .await,
        404,
        "not found: account",
    );
    failed(
        call(
            &app,
            Some(&ann),
            "startChat",
            json!({"user_ids": ["bob", "not a name"]}),
        )
        .await,
        404,
        "not found: account",
    );
    failed(
        call(
            &app,
            Some(&ann),
            "startChat",
            json!({"user_ids": ["bob", "bob:claude"]}),
        )
        .await,
        403,
        "permission denied: not the owner of the agent",
    );
    failed(
        call(&app, Some(&ann), "startChat", json!({"user_ids": "bob"})).await,
        400,
        "invalid argument: user_ids must be a list of strings",
    );
    failed(
        call(&app, Some(&ann), "startChat", json!({"user_ids": [1, 2]})).await,
        400,
        "invalid argument: user_ids must be a list of strings",
    );
    failed(
        call(
            &app,
            Some(&ann),
            "startChat",
            json!({"user_ids": ["bob", "cy"], "title": 5}),
        )
        .await,
        400,
        "invalid argument: title must be a string",
    );
    let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    failed(
        call(&app, Some(&ann), "startChat", json!({"user_ids": many})).await,
        400,
        "invalid argument: a conversation has at most 100 participants",
    );

    // getChats: the caller's conversations only, most recently active first.
    let chats = ok(&app, &ann, "getChats", Value::Null).await;
    let mut ids = names(&chats["items"], "/id");
    let times = names(&chats["items"], "/updated_at");
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "most recent first: {times:?}"
    );
    ids.sort();
    let mut expected = vec![
        group["id"].as_str().unwrap().to_owned(),
        direct["id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    let cy_chats = ok(&app, &app_token(&app, "cy").await, "getChats", json!({})).await;
    assert_eq!(cy_chats["items"].as_array().unwrap().len(), 1);
    let got = ok(&app, &bob, "getChat", json!({"chat_id": direct["id"]})).await;
    assert_eq!(got, direct);
    app.stop().await;
}

async fn app_token(app: &TestApp, name: &str) -> String {
    use coffer_crypto::ExposeSecret;
    let issued = app
        .core
        .issue_account_token(&coffer_core::principal::Principal::System, name)
        .await
        .unwrap();
    issued.token.expose_secret().to_owned()
}

async fn get_chat_is_for_participants_and_users_are_listed(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ann = human(&app, "ann").await;
    let bob = human(&app, "bob").await;
    let eve = human(&app, "eve").await;
    let id = chat(&app, &ann, &["bob"]).await;
    failed(
        call(&app, Some(&eve), "getChat", json!({"chat_id": id})).await,
        403,
        "permission denied: not a participant",
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    failed(
        call(&app, Some(&ann), "getChat", json!({"chat_id": unknown})).await,
        404,
        "not found: conversation",
    );
    failed(
        call(&app, Some(&ann), "getChat", json!({"chat_id": "nope"})).await,
        400,
        "invalid argument: chat_id must be a UUID",
    );
    failed(
        call(&app, Some(&ann), "getChat", json!({})).await,
        400,
        "invalid argument: chat_id is required",
    );

    let user = ok(&app, &bob, "getUser", json!({"user_id": "ANN:DeepSeek"})).await;
    assert_eq!(
        user,
        json!({"username": "ann:deepseek", "display_name": "DeepSeek", "kind": "agent", "parent_username": "ann", "agent_provider": "deepseek"})
    );
    let house = ok(&app, &bob, "getUser", json!({"user_id": "claude"})).await;
    assert_eq!(
        house,
        json!({"username": "claude", "display_name": "Claude", "kind": "agent", "agent_provider": "claude"})
    );
    failed(
        call(&app, Some(&bob), "getUser", json!({"user_id": "nobody"})).await,
        404,
        "not found: account",
    );
    failed(
        call(&app, Some(&bob), "getUser", json!({"user_id": 7})).await,
        400,
        "invalid argument: user_id must be a string",
    );
    let humans = ok(&app, &bob, "getUsers", json!({"kind": "human"})).await;
    assert_eq!(names(&humans["items"], "/username"), ["ann", "bob", "eve"]);
    let agents = ok(&app, &bob, "getUsers", json!({"kind": "agent"})).await;
    assert_eq!(agents["items"].as_array().unwrap().len(), 2 + 6);
    let all = ok(&app, &bob, "getUsers", Value::Null).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3 + 8);
    failed(
        call(&app, Some(&bob), "getUsers", json!({"kind": "bot"})).await,
        400,
        "invalid argument: kind must be human or agent",
    );
    app.stop().await;
}

both_backends!(
    start_chat_reuses_direct_chats_and_makes_groups,
    get_chat_is_for_participants_and_users_are_listed,
);
