//! Molecule KV memory (spec §6, checklist §10): list and get (404), set without a
//! version (create, overwrite), the `if_match_version` cases with their exact 409
//! bodies, missing key / value / wrong types (400, never 500), TTL expiry, delete (200
//! even when absent), and a removed workspace refusing writes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send};
use crate::molecule_helpers::{Ws, spawn_molecule};

async fn set(app: &TestApp, ws: &Ws, body: Value) -> (u16, Value) {
    let path = format!("/workspaces/{}/memory", ws.id);
    send(app.bearer(Method::POST, &path, Some(&ws.token)).json(&body)).await
}

async fn get(app: &TestApp, ws: &Ws, key: &str) -> (u16, Value) {
    let path = format!("/workspaces/{}/memory/{key}", ws.id);
    send(app.bearer(Method::GET, &path, Some(&ws.token))).await
}

async fn list(app: &TestApp, ws: &Ws) -> (u16, Value) {
    let path = format!("/workspaces/{}/memory", ws.id);
    send(app.bearer(Method::GET, &path, Some(&ws.token))).await
}

async fn memory_lists_gets_and_versions_entries(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    assert_eq!(list(&app, &ws).await, (200, json!([])));
    assert_eq!(
        get(&app, &ws, "nope").await,
        (404, json!({"error": "key not found"}))
    );
    let value = json!({"nested": [1, "two", null], "ok": true});
    assert_eq!(
        set(&app, &ws, json!({"key": "b", "value": value})).await,
        (200, json!({"status": "ok", "key": "b", "version": 1}))
    );
    assert_eq!(
        set(&app, &ws, json!({"key": "b", "value": "again"})).await,
        (200, json!({"status": "ok", "key": "b", "version": 2}))
    );
    assert_eq!(
        set(&app, &ws, json!({"key": "a", "value": null})).await.1["version"],
        1
    );
    let (status, one) = get(&app, &ws, "b").await;
    assert_eq!(status, 200);
    assert_eq!(one["key"], "b");
    assert_eq!(one["value"], "again");
    assert_eq!(one["version"], 2);
    assert!(one.get("expires_at").is_none(), "{one}");
    assert!(one["updated_at"].as_str().unwrap().ends_with('Z'));
    let (status, all) = list(&app, &ws).await;
    assert_eq!(status, 200);
    let keys: Vec<_> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].clone())
        .collect();
    assert_eq!(keys, [json!("a"), json!("b")]);
    assert_eq!(all[0]["value"], Value::Null);

    // Another workspace sees none of it.
    let other = app.ws_named("other").await;
    assert_eq!(list(&app, &other).await, (200, json!([])));
}

async fn if_match_version_answers_exactly(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    // Create-only with 0 on an absent key.
    assert_eq!(
        set(
            &app,
            &ws,
            json!({"key": "k", "value": 1, "if_match_version": 0})
        )
        .await,
        (200, json!({"status": "ok", "key": "k", "version": 1}))
    );
    // 0 again: the key exists now.
    assert_eq!(
        set(
            &app,
            &ws,
            json!({"key": "k", "value": 2, "if_match_version": 0})
        )
        .await,
        (
            409,
            json!({"error": "if_match_version mismatch", "expected_version": 0, "current_version": 1})
        )
    );
    // A match updates.
    assert_eq!(
        set(
            &app,
            &ws,
            json!({"key": "k", "value": 2, "if_match_version": 1})
        )
        .await,
        (200, json!({"status": "ok", "key": "k", "version": 2}))
    );
    // A mismatch leaves the value alone.
    assert_eq!(
        set(
            &app,
            &ws,
            json!({"key": "k", "value": 3, "if_match_version": 7})
        )
        .await,
        (
            409,
            json!({"error": "if_match_version mismatch", "expected_version": 7, "current_version": 2})
        )
    );
    assert_eq!(get(&app, &ws, "k").await.1["value"], 2);
    // Non-zero on an absent key.
    assert_eq!(
        set(
            &app,
            &ws,
            json!({"key": "absent", "value": 1, "if_match_version": 3})
        )
        .await,
        (
            409,
            json!({"error": "if_match_version mismatch: key does not exist", "expected_version": 3, "current_version": null})
        )
    );
    assert_eq!(get(&app, &ws, "absent").await.0, 404);
}

async fn bad_memory_bodies_are_400(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let required = json!({"error": "key is required"});
    assert_eq!(
        set(&app, &ws, json!({"value": 1})).await,
        (400, required.clone())
    );
    assert_eq!(
        set(&app, &ws, json!({"key": "", "value": 1})).await,
        (400, required)
    );
    assert_eq!(
        set(&app, &ws, json!({"key": "k"})).await,
        (400, json!({"error": "value is required"}))
    );
    let invalid = json!({"error": "invalid request body"});
    for body in [
        json!([1]),
        json!({"key": 5, "value": 1}),
        json!({"key": "k", "value": 1, "ttl_seconds": "soon"}),
        json!({"key": "k", "value": 1, "if_match_version": 1.5}),
    ] {
        assert_eq!(set(&app, &ws, body).await, (400, invalid.clone()));
    }
    let path = format!("/workspaces/{}/memory", ws.id);
    let raw = app
        .bearer(Method::POST, &path, Some(&ws.token))
        .body("{not json");
    assert_eq!(send(raw).await, (400, invalid));
    assert_eq!(
        set(&app, &ws, json!({"key": "k", "value": 1, "ttl_seconds": 0}))
            .await
            .0,
        400
    );
    assert_eq!(
        set(&app, &ws, json!({"key": "k".repeat(1025), "value": 1})).await,
        (400, json!({"error": "key must be at most 1024 bytes"}))
    );
    // An unknown workspace and a bad id.
    let upper = ws.id.to_uppercase();
    let path = format!("/workspaces/{upper}/memory");
    let (status, body) = send(app.admin(Method::GET, &path)).await;
    assert_eq!(
        (status, body),
        (400, json!({"error": "invalid workspace ID"}))
    );
    let path = format!("/workspaces/{}/memory", uuid::Uuid::new_v4());
    let (status, body) = send(app.admin(Method::GET, &path)).await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "workspace not found"}))
    );
}

async fn ttl_expires_entries_and_delete_is_always_200(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let body = json!({"key": "short", "value": "x", "ttl_seconds": 1});
    assert_eq!(set(&app, &ws, body).await.0, 200);
    let (status, one) = get(&app, &ws, "short").await;
    assert_eq!(status, 200);
    assert!(one["expires_at"].as_str().unwrap().ends_with('Z'), "{one}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if get(&app, &ws, "short").await.0 == 404 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never expired");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(list(&app, &ws).await, (200, json!([])));
    // An expired key counts as absent: version 1 again, create-only allowed.
    let body = json!({"key": "short", "value": "y", "if_match_version": 0});
    assert_eq!(set(&app, &ws, body).await.1["version"], 1);

    let path = format!("/workspaces/{}/memory/short", ws.id);
    let deleted = json!({"status": "deleted"});
    assert_eq!(
        send(app.bearer(Method::DELETE, &path, Some(&ws.token))).await,
        (200, deleted.clone())
    );
    assert_eq!(
        send(app.bearer(Method::DELETE, &path, Some(&ws.token))).await,
        (200, deleted)
    );
    assert_eq!(get(&app, &ws, "short").await.0, 404);

    // A removed workspace keeps its data but takes no writes.
    assert_eq!(
        set(&app, &ws, json!({"key": "kept", "value": 1})).await.0,
        200
    );
    let (status, _) = send(app.admin(Method::DELETE, &format!("/workspaces/{}", ws.id))).await;
    assert_eq!(status, 200);
    let path = format!("/workspaces/{}/memory", ws.id);
    let (status, body) = send(
        app.admin(Method::POST, &path)
            .json(&json!({"key": "k", "value": 1})),
    )
    .await;
    assert_eq!(
        (status, body),
        (409, json!({"error": "workspace is removed"}))
    );
    let (status, body) = send(app.admin(Method::GET, &path)).await;
    assert_eq!((status, body[0]["key"].clone()), (200, json!("kept")));
}

both_backends!(
    memory_lists_gets_and_versions_entries,
    if_match_version_answers_exactly,
    bad_memory_bodies_are_400,
    ttl_expires_entries_and_delete_is_always_200,
);
