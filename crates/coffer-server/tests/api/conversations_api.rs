//! The conversation routes' contract (spec §9, checklist items 61–65): statuses and
//! bodies for unknown and malformed ids, the request validation the original does, the
//! idempotent create, redaction of every secret in responses, the secrets route, event
//! paging, and run/pause.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, TestApp, send};

const ZERO: &str = "00000000-0000-0000-0000-000000000000";

fn not_found() -> (u16, Value) {
    (404, json!({"detail": "Not Found"}))
}

/// A conversation that does not start (no initial message), with every kind of secret.
fn idle_body(llm_base: &str, dir: &str) -> Value {
    let mut body = start_body(
        llm_base,
        dir,
        json!({
            "STATIC_ONE": {"kind": "StaticSecret", "value": "static-val-7", "description": "s"},
            "PLAIN": "plain-val-8",
            "LOOKUP": {"kind": "LookupSecret", "url": "http://127.0.0.1:9/lookup/X",
                       "headers": {"X-Session-API-Key": "sess-key-123", "Authorization": "Bearer b", "X-Plain": "p"}},
        }),
        "",
    );
    body.as_object_mut().unwrap().remove("initial_message");
    body
}

async fn unknown_and_malformed_ids(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let routes = [
        (Method::GET, ""),
        (Method::DELETE, ""),
        (Method::GET, "/agent_final_response"),
        (Method::POST, "/secrets"),
        (Method::GET, "/events"),
        (Method::GET, "/events/search"),
        (Method::POST, "/events"),
        (Method::POST, "/run"),
        (Method::POST, "/pause"),
    ];
    let body =
        json!({"secrets": {"A": "b"}, "role": "user", "content": [{"type": "text", "text": "hi"}]});
    for (method, suffix) in &routes {
        let unknown = app.request(
            method.clone(),
            &format!("/api/conversations/{ZERO}{suffix}"),
        );
        assert_eq!(
            send(unknown.json(&body)).await,
            not_found(),
            "{method} {suffix}"
        );
        let bad = app.request(
            method.clone(),
            &format!("/api/conversations/not-a-uuid{suffix}"),
        );
        let (status, answer) = send(bad.json(&body)).await;
        assert_eq!(status, 422, "{method} {suffix}");
        assert_eq!(
            answer,
            json!({"detail": [{"type": "uuid_parsing", "loc": ["path", "conversation_id"],
                "msg": "Input should be a valid UUID, invalid character: found `n` at 0",
                "input": "not-a-uuid", "ctx": {"error": "invalid character: found `n` at 0"}}]})
        );
        let anonymous = app.anonymous(
            method.clone(),
            &format!("/api/conversations/{ZERO}{suffix}"),
        );
        assert_eq!(
            send(anonymous).await,
            (401, json!({"detail": "Unauthorized"}))
        );
    }
    let anonymous = app
        .anonymous(Method::POST, "/api/conversations")
        .json(&json!({}));
    assert_eq!(
        send(anonymous).await,
        (401, json!({"detail": "Unauthorized"}))
    );
}

async fn requests_are_validated_like_the_original(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let body = json!({"workspace": {"working_dir": "/tmp/ws"}});
    let (status, answer) = create(&app, &body).await;
    assert_eq!(status, 422);
    let msg = "One of `agent`, `agent_settings`, or `agent_profile_id` must be provided";
    assert_eq!(
        answer,
        json!({"detail": [{"type": "value_error", "loc": ["body"], "msg": format!("Value error, {msg}"),
            "input": body, "ctx": {"error": msg}}]})
    );
    let with_null = json!({"agent": null, "workspace": {"working_dir": "/tmp/ws"}});
    assert_eq!(create(&app, &with_null).await.0, 422);

    let profile = json!({"agent_profile_id": ZERO, "workspace": {"working_dir": "/w"}});
    assert_eq!(
        create(&app, &profile).await,
        (
            404,
            json!({"detail": format!("Agent profile with id '{ZERO}' not found")})
        )
    );
    let agent = json!({"llm": {"model": "openai/m", "api_key": "sk-hidden"}, "tools": [{"name": "browser"}]});
    let (status, answer) = create(
        &app,
        &json!({"agent": agent, "workspace": {"working_dir": "/w"}}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .starts_with("Tool 'browser' is not available")
    );
    let agent = json!({"llm": {"model": "openai/m", "api_key": "sk-hidden"}});
    let (status, answer) = create(
        &app,
        &json!({"agent": agent, "workspace": {"working_dir": "relative/dir"}}),
    )
    .await;
    assert_eq!(
        (status, answer),
        (
            422,
            json!({"detail": "workspace.working_dir must be an absolute path"})
        )
    );
    let (status, answer) = create(&app, &json!({"agent": agent})).await;
    assert_eq!(status, 422);
    assert_eq!(answer["detail"][0]["loc"], json!(["body", "workspace"]));
    assert!(!answer.to_string().contains("sk-hidden"), "{answer}");
    let (status, answer) = create(
        &app,
        &json!({"agent": agent, "workspace": {"working_dir": "/w"}, "max_iterations": 0}),
    )
    .await;
    assert_eq!(
        (status, answer["detail"][0]["type"].clone()),
        (422, json!("greater_than_equal"))
    );
    let acp = json!({"agent_settings": {"agent_kind": "acp"}, "workspace": {"working_dir": "/w"}});
    assert_eq!(create(&app, &acp).await.0, 422);
}

async fn create_is_idempotent_and_responses_hide_every_secret(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ws = tempfile::tempdir().unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let mut body = idle_body("http://127.0.0.1:9", ws.path().to_str().unwrap());
    body["conversation_id"] = json!(id);
    let (status, created) = create(&app, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["id"], id);
    assert_eq!(created["execution_status"], "idle");
    assert_eq!(created["stats"], json!({"usage_to_metrics": {}}));
    assert_eq!(
        created["secret_registry"]["secret_sources"],
        json!({
            "LOOKUP": {"description": null, "url": "http://127.0.0.1:9/lookup/X", "headers": {"X-Plain": "p"}, "kind": "LookupSecret"},
            "PLAIN": {"description": null, "value": null, "kind": "StaticSecret"},
            "STATIC_ONE": {"description": "s", "value": null, "kind": "StaticSecret"},
        })
    );
    assert_eq!(created["agent"]["llm"]["api_key"], Value::Null);
    assert_eq!(
        created["agent"]["tools"],
        json!([{"name": "terminal", "params": {}}, {"name": "file_editor", "params": {}}])
    );
    assert_eq!(
        created["tool_module_qualnames"],
        json!({"terminal": "openhands.tools.terminal.definition", "file_editor": "openhands.tools.file_editor.definition"})
    );
    for value in [
        "static-val-7",
        "plain-val-8",
        "sess-key-123",
        "Bearer b",
        "sk-test-llm-key",
    ] {
        assert!(!created.to_string().contains(value), "{value} leaked");
    }

    // The same id again: 200 and the existing conversation, unchanged.
    let mut again = body.clone();
    again["agent"]["llm"]["model"] = json!("openai/other");
    let (status, existing) = create(&app, &again).await;
    assert_eq!(status, 200);
    assert_eq!(existing["agent"]["llm"]["model"], "openai/gpt-4o-mini");
    let (status, got) = get_conversation(&app, &id).await;
    assert_eq!(status, 200);
    assert_eq!(got["secret_registry"], created["secret_registry"]);
    assert_eq!(
        final_response(&app, &id).await,
        (200, json!({"response": ""}))
    );
    assert!(events(&app, &id).await.is_empty());
}

async fn secrets_route_accepts_the_three_forms(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ws = tempfile::tempdir().unwrap();
    let (_, created) = create(
        &app,
        &idle_body("http://127.0.0.1:9", ws.path().to_str().unwrap()),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/conversations/{id}/secrets");
    let update = json!({"secrets": {
        "NEW_PLAIN": "abc",
        "NEW_DICT": {"value": "def", "description": "ignored?"},
        "NEW_LOOKUP": {"kind": "LookupSecret", "url": "http://127.0.0.1:9/lookup/NEW", "headers": {"X-Session-API-Key": "sess-key-123"}, "description": "lk"},
        "STATIC_ONE": "replaced",
    }});
    assert_eq!(
        send(app.request(Method::POST, &path).json(&update)).await,
        (200, json!({"success": true}))
    );
    let (_, got) = get_conversation(&app, id).await;
    let sources = &got["secret_registry"]["secret_sources"];
    assert_eq!(
        sources["NEW_DICT"],
        json!({"description": null, "value": null, "kind": "StaticSecret"})
    );
    assert_eq!(
        sources["NEW_LOOKUP"],
        json!({"description": "lk", "url": "http://127.0.0.1:9/lookup/NEW", "headers": {}, "kind": "LookupSecret"})
    );
    assert_eq!(sources["STATIC_ONE"]["description"], Value::Null);
    assert_eq!(sources.as_object().unwrap().len(), 6);
    assert!(!got.to_string().contains("sess-key-123") && !got.to_string().contains("replaced"));

    let bad = json!({"secrets": "x"});
    assert_eq!(
        send(app.request(Method::POST, &path).json(&bad)).await,
        (
            422,
            json!({"detail": [{"type": "dict_type", "loc": ["body", "secrets"], "msg": "Input should be a valid dictionary", "input": "x"}]})
        )
    );
}

async fn run_and_pause_follow_the_status_rules(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, _| openai_finish(turn, "ok")).await;
    let ws = tempfile::tempdir().unwrap();
    let mut body = start_body(&llm.base, ws.path().to_str().unwrap(), json!({}), "");
    body.as_object_mut().unwrap().remove("initial_message");
    let (_, created) = create(&app, &body).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let at = |s: &str| format!("/api/conversations/{id}/{s}");
    let ok = (200, json!({"success": true}));

    // Idle → paused (a PauseEvent is recorded); run resumes; finished stays finished.
    assert_eq!(send(app.request(Method::POST, &at("pause"))).await, ok);
    assert_eq!(
        get_conversation(&app, &id).await.1["execution_status"],
        "paused"
    );
    assert_eq!(events(&app, &id).await[0]["kind"], "PauseEvent");
    assert_eq!(send(app.request(Method::POST, &at("run"))).await, ok);
    wait_for(&app, &id, &["finished"]).await;
    assert_eq!(llm.seen().len(), 1);
    assert_eq!(send(app.request(Method::POST, &at("run"))).await, ok);
    assert_eq!(send(app.request(Method::POST, &at("pause"))).await, ok);
    assert_eq!(
        get_conversation(&app, &id).await.1["execution_status"],
        "finished"
    );
    assert_eq!(
        llm.seen().len(),
        1,
        "a finished conversation does not call the model again"
    );

    // A new message makes it idle again; with `run` it is answered.
    let message =
        json!({"role": "user", "content": [{"type": "text", "text": "once more"}], "run": true});
    assert_eq!(
        send(app.request(Method::POST, &at("events")).json(&message)).await,
        ok
    );
    wait_for(&app, &id, &["finished"]).await;
    let seen = llm.seen();
    assert_eq!(seen.len(), 2);
    let messages = seen[1].body["messages"].as_array().unwrap();
    assert_eq!(
        messages.last().unwrap(),
        &json!({"role": "user", "content": "once more"})
    );
    // The earlier finish call got an answer, as the protocol requires.
    assert!(
        messages
            .iter()
            .any(|m| m["role"] == "tool" && m["content"] == "Finished.")
    );
}

both_backends!(
    unknown_and_malformed_ids,
    requests_are_validated_like_the_original,
    create_is_idempotent_and_responses_hide_every_secret,
    secrets_route_accepts_the_three_forms,
    run_and_pause_follow_the_status_rules,
);
