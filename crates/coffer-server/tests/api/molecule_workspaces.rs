//! The Molecule workspace lifecycle designed for coffer: create (the token is shown once
//! and stored only hashed), list, get, pause, resume, remove (soft: its tokens stop
//! working at once), token rotation, and bad input on each route.

use reqwest::Method;
use serde_json::{Value, json};

use crate::at_rest::{assert_only_marker_in, postgres_dump, sqlite_files};
use crate::both_backends;
use crate::helpers::{Backend, send};
use crate::molecule_helpers::spawn_molecule;

fn is_lowercase_uuid(s: &str) -> bool {
    coffer_core::domain::WorkspaceId::parse(s).is_some()
}

fn is_rfc3339(v: &Value) -> bool {
    // `2026-04-27T10:00:00.123Z`: a date, `T`, a time, UTC.
    v.as_str().is_some_and(|s| {
        let b = s.as_bytes();
        b.len() >= 20
            && s.ends_with('Z')
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
    })
}

async fn a_created_workspace_comes_with_its_token_once(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let (status, body) = send(
        app.admin(Method::POST, "/workspaces")
            .json(&json!({"name": "research lead", "extra": "ignored"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let ws = &body["workspace"];
    let id = ws["id"].as_str().unwrap();
    assert!(is_lowercase_uuid(id), "{id}");
    let token = body["auth_token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(is_rfc3339(&ws["created_at"]) && is_rfc3339(&ws["updated_at"]));
    let expected = json!({
        "id": id, "name": "research lead", "parent_id": null, "status": "online",
        "status_reason": null, "runtime": "langgraph", "command": null,
        "created_at": ws["created_at"], "updated_at": ws["updated_at"],
    });
    assert_eq!(ws, &expected);
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["workspace", "auth_token"]
    );

    // The token works for its workspace, and is not shown again anywhere.
    let path = format!("/workspaces/{id}");
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(token))).await,
        (200, expected.clone())
    );
    let (_, listed) = send(app.admin(Method::GET, "/workspaces")).await;
    assert_eq!(listed, json!([expected]));
    assert!(!listed.to_string().contains(token));

    // At rest: its SHA-256 and prefix only; a workspace secret only sealed.
    let canary = format!("ws-secret-canary-{}", uuid::Uuid::new_v4().simple());
    let created = crate::molecule_helpers::Ws {
        id: id.to_owned(),
        token: token.to_owned(),
    };
    app.put_ws_secret(&created, "CANARY", &canary).await;
    let stored = match backend {
        Backend::Sqlite => {
            let storage = app.stop().await;
            sqlite_files(&storage)
        }
        Backend::Postgres => postgres_dump(&app.storage).await,
    };
    assert_only_marker_in(
        &stored,
        "research lead",
        &[token, &canary],
        "token and secret",
    );
}

async fn workspaces_form_a_tree_and_fields_are_checked(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let root = app.ws_named("root").await;
    let body = json!({"name": "child", "parent_id": root.id, "runtime": "hermes", "command": "exec sleep 600"});
    let (status, child) = send(app.admin(Method::POST, "/workspaces").json(&body)).await;
    assert_eq!(status, 201, "{child}");
    assert_eq!(child["workspace"]["parent_id"], json!(root.id));
    assert_eq!(child["workspace"]["runtime"], "hermes");
    assert_eq!(child["workspace"]["command"], "exec sleep 600");
    assert_eq!(
        child["workspace"]["status"], "provisioning",
        "supervised: starts provisioning"
    );

    let bad = |body: Value, error: &str| (body, json!({ "error": error }));
    let unknown_parent = uuid::Uuid::new_v4().to_string();
    for (body, answer) in [
        bad(json!({}), "invalid request body"),
        bad(json!({"name": 5}), "invalid request body"),
        bad(
            json!({"name": "x", "command": ["ls"]}),
            "invalid request body",
        ),
        bad(json!(["name"]), "invalid request body"),
        bad(
            json!({"name": "  "}),
            "name must be 1 to 256 characters, not blank, without control characters",
        ),
        bad(
            json!({"name": "x", "parent_id": root.id.to_uppercase()}),
            "parent_id must be a lowercase workspace UUID",
        ),
        bad(
            json!({"name": "x", "parent_id": unknown_parent}),
            "parent workspace not found",
        ),
        bad(
            json!({"name": "x", "runtime": "Lang Graph"}),
            "runtime must be 1 to 64 lowercase letters, digits, '_', '.' or '-'",
        ),
    ] {
        let answer_got = send(app.admin(Method::POST, "/workspaces").json(&body)).await;
        assert_eq!(answer_got, (400, answer), "{body}");
    }
    let raw = send(
        app.admin(Method::POST, "/workspaces")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(raw, (400, json!({"error": "invalid request body"})));
}

async fn pause_resume_and_remove_follow_the_lifecycle(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let post = |action: &str| app.admin(Method::POST, &format!("/workspaces/{}/{action}", ws.id));

    let (status, body) =
        send(app.admin(Method::POST, &format!("/workspaces/{}/resume", ws.id))).await;
    assert_eq!(
        (status, body),
        (409, json!({"error": "workspace is not paused"}))
    );
    let (status, body) = send(post("pause")).await;
    assert_eq!((status, &body["status"]), (200, &json!("paused")));
    let (status, body) = send(post("pause")).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("paused")),
        "idempotent"
    );
    let (status, body) = send(post("resume")).await;
    assert_eq!((status, &body["status"]), (200, &json!("online")));

    // Remove: soft, its token stops working at once, the admin still sees the tombstone.
    let path = format!("/workspaces/{}", ws.id);
    let (status, body) = send(app.admin(Method::DELETE, &path)).await;
    assert_eq!((status, &body["status"]), (200, &json!("removed")));
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&ws.token))).await,
        (401, json!({"error": "invalid workspace auth token"}))
    );
    assert_eq!(app.ws_json(&ws.id).await["status"], "removed");
    assert_eq!(
        send(app.admin(Method::DELETE, &path)).await.0,
        200,
        "idempotent"
    );
    assert_eq!(
        send(app.admin(Method::GET, "/workspaces")).await,
        (200, json!([]))
    );
    for action in ["pause", "resume", "token"] {
        assert_eq!(
            send(post(action)).await,
            (409, json!({"error": "workspace is removed"})),
            "{action}"
        );
    }
    let secret = json!({"key": "K", "value": "v"});
    let secrets = format!("/workspaces/{}/secrets", ws.id);
    assert_eq!(
        send(app.admin(Method::POST, &secrets).json(&secret)).await,
        (409, json!({"error": "workspace is removed"}))
    );

    // Unknown and malformed ids.
    let unknown = uuid::Uuid::new_v4();
    for (method, path) in [
        (Method::GET, format!("/workspaces/{unknown}")),
        (Method::POST, format!("/workspaces/{unknown}/pause")),
        (Method::DELETE, format!("/workspaces/{unknown}")),
        (Method::POST, format!("/workspaces/{unknown}/token")),
    ] {
        assert_eq!(
            send(app.admin(method, &path)).await,
            (404, json!({"error": "workspace not found"})),
            "{path}"
        );
    }
    let upper = unknown.to_string().to_uppercase();
    for (method, path) in [
        (Method::GET, format!("/workspaces/{upper}")),
        (Method::POST, format!("/workspaces/{upper}/resume")),
        (Method::DELETE, "/workspaces/not-a-uuid".to_owned()),
    ] {
        assert_eq!(
            send(app.admin(method, &path)).await,
            (400, json!({"error": "invalid workspace ID"})),
            "{path}"
        );
    }
}

async fn rotating_a_token_revokes_the_old_one(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let (status, body) =
        send(app.admin(Method::POST, &format!("/workspaces/{}/token", ws.id))).await;
    assert_eq!(status, 201, "{body}");
    let new = body["auth_token"].as_str().unwrap().to_owned();
    assert_eq!(body["workspace_id"], json!(ws.id));
    assert_eq!(body["prefix"], json!(new[..8]));
    let path = format!("/workspaces/{}", ws.id);
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&ws.token)))
            .await
            .0,
        401
    );
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&new))).await.0,
        200
    );
}

both_backends!(
    a_created_workspace_comes_with_its_token_once,
    workspaces_form_a_tree_and_fields_are_checked,
    pause_resume_and_remove_follow_the_lifecycle,
    rotating_a_token_revokes_the_old_one,
);
