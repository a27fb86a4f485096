//! Agents in groups: `getGroupAgents`, `addGroupAgent`, `removeGroupAgent`,
//! `setGroupAgentMode`, with their 403/404/400 rules in order.

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

async fn owners_add_switch_and_remove_their_agents(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let bob = human(&app, "bob").await;
    let eve = human(&app, "eve").await;
    let group = chat(&app, &ops, &["bob", "claude"]).await;
    let agents = |token: String| {
        let app = &app;
        let group = group.clone();
        async move { ok(app, &token, "getGroupAgents", json!({"chat_id": group})).await }
    };
    // The house agent joined with the chat: no setting, so it answers every human message.
    assert_eq!(
        agents(ops.clone()).await["items"],
        json!([{"agent": {"username": "claude", "display_name": "Claude", "kind": "agent", "agent_provider": "claude"}, "always_on": true}])
    );

    assert_eq!(
        ok(
            &app,
            &ops,
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:claude", "always_on": false})
        )
        .await,
        json!(true)
    );
    ok(
        &app,
        &bob,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "bob:deepseek", "always_on": true}),
    )
    .await;
    // always_on defaults to mention-only.
    ok(
        &app,
        &ops,
        "addGroupAgent",
        json!({"chat_id": group, "agent_username": "ops:deepseek"}),
    )
    .await;
    let listed = agents(bob.clone()).await;
    let modes: Vec<(String, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["agent"]["username"].as_str().unwrap().to_owned(),
                i["always_on"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        modes,
        [
            ("claude".into(), true),
            ("ops:claude".into(), false),
            ("bob:deepseek".into(), true),
            ("ops:deepseek".into(), false)
        ]
    );
    assert_eq!(listed["items"][1]["agent"]["parent_username"], "ops");

    assert_eq!(
        ok(
            &app,
            &ops,
            "setGroupAgentMode",
            json!({"chat_id": group, "agent_username": "ops:claude", "always_on": true})
        )
        .await,
        json!(true)
    );
    // Any participant may manage a house agent (it has no owner).
    ok(
        &app,
        &bob,
        "setGroupAgentMode",
        json!({"chat_id": group, "agent_username": "claude", "always_on": false}),
    )
    .await;
    let listed = agents(ops.clone()).await;
    assert_eq!(listed["items"][0]["always_on"], false);
    assert_eq!(listed["items"][1]["always_on"], true);

    assert_eq!(
        ok(
            &app,
            &ops,
            "removeGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:claude"})
        )
        .await,
        json!(true)
    );
    failed(
        call(
            &app,
            Some(&ops),
            "removeGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:claude"}),
        )
        .await,
        404,
        "not found: agent",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "setGroupAgentMode",
            json!({"chat_id": group, "agent_username": "ops:claude", "always_on": true}),
        )
        .await,
        404,
        "not found: agent",
    );
    let usernames: Vec<String> = agents(ops.clone()).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["agent"]["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(usernames, ["claude", "bob:deepseek", "ops:deepseek"]);
    let chat_now = ok(&app, &ops, "getChat", json!({"chat_id": group})).await;
    assert!(
        !names(&chat_now["participants"], "/username").contains(&"ops:claude".to_owned()),
        "removed from the participants too"
    );

    // The 403/404/400 rules, in order.
    failed(
        call(
            &app,
            Some(&bob),
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:claude"}),
        )
        .await,
        403,
        "permission denied: not the owner of the agent",
    );
    failed(
        call(
            &app,
            Some(&bob),
            "setGroupAgentMode",
            json!({"chat_id": group, "agent_username": "ops:deepseek", "always_on": true}),
        )
        .await,
        403,
        "permission denied: not the owner of the agent",
    );
    failed(
        call(
            &app,
            Some(&bob),
            "removeGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:deepseek"}),
        )
        .await,
        403,
        "permission denied: not the owner of the agent",
    );
    failed(
        call(
            &app,
            Some(&eve),
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": "eve:claude"}),
        )
        .await,
        403,
        "permission denied: not a participant",
    );
    failed(
        call(
            &app,
            Some(&eve),
            "getGroupAgents",
            json!({"chat_id": group}),
        )
        .await,
        403,
        "permission denied: not a participant",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": "nobody:claude"}),
        )
        .await,
        404,
        "not found: agent",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": "bob"}),
        )
        .await,
        400,
        "invalid argument: agent_username is not an agent",
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    failed(
        call(
            &app,
            Some(&ops),
            "addGroupAgent",
            json!({"chat_id": unknown, "agent_username": "ops:claude"}),
        )
        .await,
        404,
        "not found: conversation",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "getGroupAgents",
            json!({"chat_id": unknown}),
        )
        .await,
        404,
        "not found: conversation",
    );
    let direct = chat(&app, &ops, &["bob"]).await;
    failed(
        call(
            &app,
            Some(&ops),
            "addGroupAgent",
            json!({"chat_id": direct, "agent_username": "ops:claude"}),
        )
        .await,
        400,
        "invalid argument: the conversation is not a group",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "addGroupAgent",
            json!({"chat_id": group, "agent_username": "ops:claude", "always_on": "yes"}),
        )
        .await,
        400,
        "invalid argument: always_on must be a boolean",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "setGroupAgentMode",
            json!({"chat_id": group, "agent_username": "ops:deepseek"}),
        )
        .await,
        400,
        "invalid argument: always_on is required",
    );
    failed(
        call(&app, Some(&ops), "addGroupAgent", json!({"chat_id": group})).await,
        400,
        "invalid argument: agent_username is required",
    );
    app.stop().await;
}

both_backends!(owners_add_switch_and_remove_their_agents);
