//! Molecule workflow checkpoints (spec §8, checklist §10): upsert (create, update,
//! payload), list DESC and its 404, latest and its 404, delete with a count and its 404,
//! the auth of the four routes, payloads sealed at rest (never plaintext in the SQLite
//! files or the PostgreSQL rows) and the 1 MiB payload cap.

use reqwest::Method;
use serde_json::{Value, json};

use crate::at_rest::{postgres_dump, sqlite_files};
use crate::both_backends;
use crate::helpers::{Backend, TestApp, send};
use crate::molecule_helpers::{Ws, molecule_options, spawn_molecule};

async fn post(app: &TestApp, ws: &Ws, body: Value) -> (u16, Value) {
    let path = format!("/workspaces/{}/checkpoints", ws.id);
    send(app.bearer(Method::POST, &path, Some(&ws.token)).json(&body)).await
}

async fn get(app: &TestApp, ws: &Ws, rest: &str) -> (u16, Value) {
    let path = format!("/workspaces/{}/checkpoints/{rest}", ws.id);
    send(app.bearer(Method::GET, &path, Some(&ws.token))).await
}

async fn delete(app: &TestApp, ws: &Ws, wf: &str) -> (u16, Value) {
    let path = format!("/workspaces/{}/checkpoints/{wf}", ws.id);
    send(app.bearer(Method::DELETE, &path, Some(&ws.token))).await
}

fn step(wf: &str, name: &str, index: i64, payload: Option<Value>) -> Value {
    let mut body = json!({"workflow_id": wf, "step_name": name, "step_index": index});
    if let Some(p) = payload {
        body["payload"] = p;
    }
    body
}

async fn checkpoints_upsert_list_latest_and_delete(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let none_wf = json!({"error": "no checkpoints found for workflow"});
    assert_eq!(
        get(&app, &ws, "latest").await,
        (404, json!({"error": "no checkpoints found for workspace"}))
    );
    assert_eq!(get(&app, &ws, "task-1").await, (404, none_wf.clone()));

    let (status, created) = post(&app, &ws, step("task-1", "task_receive", 0, None)).await;
    assert_eq!(status, 201);
    let first_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created,
        json!({"id": first_id, "workspace_id": ws.id, "workflow_id": "task-1", "step_name": "task_receive"})
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let llm = json!({"messages": [{"role": "user", "content": "hi"}], "tokens": 12});
    assert_eq!(
        post(&app, &ws, step("task-1", "llm_call", 1, Some(llm.clone())))
            .await
            .0,
        201
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(
        post(
            &app,
            &ws,
            step("task-1", "task_complete", 2, Some(json!("done")))
        )
        .await
        .0,
        201
    );

    let (status, steps) = get(&app, &ws, "task-1").await;
    assert_eq!(status, 200);
    let names: Vec<_> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step_name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("task_complete"),
            json!("llm_call"),
            json!("task_receive")
        ]
    );
    assert_eq!(steps[1]["payload"], llm);
    assert_eq!(steps[1]["step_index"], 1);
    assert_eq!(steps[1]["workspace_id"], ws.id.as_str());
    assert!(steps[1]["completed_at"].as_str().unwrap().ends_with('Z'));
    assert!(
        steps[2].get("payload").is_none(),
        "null payload omitted: {}",
        steps[2]
    );

    let (status, latest) = get(&app, &ws, "latest").await;
    assert_eq!(
        (status, latest["step_name"].clone()),
        (200, json!("task_complete"))
    );
    assert_eq!(latest["payload"], "done");

    // A repeated POST of a step updates it in place: same id, new index and payload,
    // and it becomes the latest.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, again) = post(
        &app,
        &ws,
        step("task-1", "task_receive", 7, Some(json!({"v": 2}))),
    )
    .await;
    assert_eq!(
        (status, again["id"].as_str().unwrap()),
        (201, first_id.as_str())
    );
    let (_, steps) = get(&app, &ws, "task-1").await;
    assert_eq!(steps.as_array().unwrap().len(), 3);
    assert_eq!(steps[0]["step_name"], "task_receive");
    assert_eq!(steps[0]["payload"], json!({"v": 2}));
    assert_eq!(
        get(&app, &ws, "latest").await.1["step_name"],
        "task_receive"
    );

    // Another workspace's checkpoints are its own.
    let other = app.ws_named("other").await;
    assert_eq!(get(&app, &other, "task-1").await, (404, none_wf.clone()));

    assert_eq!(
        delete(&app, &ws, "task-1").await,
        (200, json!({"deleted": 3, "workflow_id": "task-1"}))
    );
    assert_eq!(delete(&app, &ws, "task-1").await, (404, none_wf.clone()));
    assert_eq!(get(&app, &ws, "task-1").await, (404, none_wf));
    assert_eq!(get(&app, &ws, "latest").await.0, 404);
}

async fn checkpoint_bodies_and_auth(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let other = app.ws_named("other").await;
    let invalid = json!({"error": "invalid request body"});
    for body in [
        json!({"step_name": "s"}),
        json!({"workflow_id": "wf"}),
        json!({"workflow_id": "", "step_name": "s"}),
        json!({"workflow_id": "wf", "step_name": "s", "step_index": "one"}),
        json!({"workflow_id": "wf", "step_name": "s", "step_index": 1.5}),
        json!({"workflow_id": 1, "step_name": "s"}),
    ] {
        assert_eq!(post(&app, &ws, body).await, (400, invalid.clone()));
    }
    // step_index defaults to 0.
    let (status, _) = post(&app, &ws, json!({"workflow_id": "wf", "step_name": "s"})).await;
    assert_eq!(status, 201);
    assert_eq!(get(&app, &ws, "wf").await.1[0]["step_index"], 0);

    let paths = [
        (Method::POST, format!("/workspaces/{}/checkpoints", ws.id)),
        (
            Method::GET,
            format!("/workspaces/{}/checkpoints/latest", ws.id),
        ),
        (Method::GET, format!("/workspaces/{}/checkpoints/wf", ws.id)),
        (
            Method::DELETE,
            format!("/workspaces/{}/checkpoints/wf", ws.id),
        ),
    ];
    for (method, path) in &paths {
        let body = json!({"workflow_id": "wf", "step_name": "x"});
        let none = app.bearer(method.clone(), path, None).json(&body);
        assert_eq!(
            send(none).await,
            (401, json!({"error": "missing workspace auth token"})),
            "{method} {path}"
        );
        let foreign = app
            .bearer(method.clone(), path, Some(&other.token))
            .json(&body);
        assert_eq!(
            send(foreign).await,
            (401, json!({"error": "invalid workspace auth token"})),
            "{method} {path}"
        );
    }
    assert_eq!(get(&app, &ws, "wf").await.1.as_array().unwrap().len(), 1);
}

async fn payloads_are_sealed_at_rest_and_capped(backend: Backend) {
    let mut options = molecule_options();
    options.max_body_bytes = 4 * 1024 * 1024;
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let canary = "checkpoint-canary-7f3a9c";
    let body = step("wf", "llm_call", 1, Some(json!({"secret": canary})));
    assert_eq!(post(&app, &ws, body).await.0, 201);
    assert_eq!(get(&app, &ws, "wf").await.1[0]["payload"]["secret"], canary);
    let at_rest = match backend {
        Backend::Sqlite => sqlite_files(&app.storage),
        Backend::Postgres => postgres_dump(&app.storage).await,
    };
    assert!(
        !at_rest
            .windows(canary.len())
            .any(|w| w == canary.as_bytes()),
        "the payload is in plaintext at rest"
    );

    // The payload's JSON text may be 1 MiB, not more.
    let fits = "a".repeat(1024 * 1024 - 2);
    let body = step("wf", "big", 2, Some(json!(fits)));
    assert_eq!(post(&app, &ws, body).await.0, 201);
    let over = "a".repeat(1024 * 1024 - 1);
    let body = step("wf", "too-big", 3, Some(json!(over)));
    assert_eq!(
        post(&app, &ws, body).await,
        (413, json!({"error": "checkpoint payload too large"}))
    );
    assert_eq!(get(&app, &ws, "too-big").await.0, 404);
    assert_eq!(get(&app, &ws, "wf").await.1.as_array().unwrap().len(), 2);
}

both_backends!(
    checkpoints_upsert_list_latest_and_delete,
    checkpoint_bodies_and_auth,
    payloads_are_sealed_at_rest_and_capped,
);
