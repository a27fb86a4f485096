//! Molecule global secrets (spec §4): `/settings/secrets` and the legacy `/admin/secrets`
//! aliases, and the same `global` scope seen from the OpenHands dialect, both ways.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, send, send_raw};
use crate::molecule_helpers::spawn_molecule;
use crate::molecule_secrets::{keys_and_scopes, list};

async fn global_secrets_and_their_legacy_aliases(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    assert_eq!(
        send(app.admin(Method::GET, "/settings/secrets")).await,
        (200, json!([]))
    );
    for (method, path, key) in [
        (Method::PUT, "/settings/secrets", "Z_LAST"),
        (Method::POST, "/settings/secrets", "M_MID"),
        (Method::POST, "/admin/secrets", "A_FIRST"),
    ] {
        let body = json!({"key": key, "value": "v"});
        assert_eq!(
            send(app.admin(method, path).json(&body)).await,
            (
                200,
                json!({"status": "saved", "key": key, "scope": "global"})
            )
        );
    }
    for path in ["/settings/secrets", "/admin/secrets"] {
        let (status, body) = send(app.admin(Method::GET, path)).await;
        assert_eq!(status, 200);
        let keys: Vec<&str> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["A_FIRST", "M_MID", "Z_LAST"], "{path}: by key");
        assert_eq!(
            body[0].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["key", "has_value", "created_at", "updated_at", "scope"]
        );
    }
    assert_eq!(
        send(app.admin(Method::DELETE, "/admin/secrets/A_FIRST")).await,
        (
            200,
            json!({"status": "deleted", "key": "A_FIRST", "scope": "global"})
        )
    );
    assert_eq!(
        send(app.admin(Method::DELETE, "/settings/secrets/M_MID")).await,
        (
            200,
            json!({"status": "deleted", "key": "M_MID", "scope": "global"})
        )
    );
    for path in ["/settings/secrets/M_MID", "/admin/secrets/nope-nope"] {
        assert_eq!(
            send(app.admin(Method::DELETE, path)).await,
            (404, json!({"error": "secret not found"}))
        );
    }
    let raw = send_raw(
        app.admin(Method::PUT, "/admin/secrets")
            .json(&json!({"key": "K", "value": "v"})),
    )
    .await;
    assert_eq!(
        (raw.status, raw.json()),
        (405, json!({"error": "method not allowed"}))
    );
    assert_eq!(
        send(
            app.admin(Method::PUT, "/settings/secrets")
                .json(&json!({"key": "K"}))
        )
        .await,
        (400, json!({"error": "invalid request body"}))
    );
}

async fn global_secrets_are_shared_with_the_openhands_dialect_both_ways(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    // OpenHands → Molecule: listed as global, inherited by the workspace.
    let oh = json!({"name": "FROM_OPENHANDS", "value": "oh-value", "description": "kept"});
    let (status, _) = send(app.request(Method::PUT, "/api/settings/secrets").json(&oh)).await;
    assert_eq!(status, 200);
    let (_, listed) = send(app.admin(Method::GET, "/settings/secrets")).await;
    assert_eq!(listed[0]["key"], "FROM_OPENHANDS");
    assert_eq!(
        keys_and_scopes(&list(&app, &ws).await.1),
        [("FROM_OPENHANDS".to_owned(), "global".to_owned())]
    );
    let values = format!("/workspaces/{}/secrets/values", ws.id);
    assert_eq!(
        send(app.bearer(Method::GET, &values, Some(&ws.token))).await,
        (200, json!({"FROM_OPENHANDS": "oh-value"}))
    );

    // Molecule → OpenHands: the value reads back; a Molecule update keeps the description.
    app.put_global("FROM_MOLECULE", "mol-value").await;
    app.put_global("FROM_OPENHANDS", "updated").await;
    let raw = send_raw(app.request(Method::GET, "/api/settings/secrets/FROM_MOLECULE")).await;
    assert_eq!((raw.status, raw.text()), (200, "mol-value".to_owned()));
    let raw = send_raw(app.request(Method::GET, "/api/settings/secrets/FROM_OPENHANDS")).await;
    assert_eq!((raw.status, raw.text()), (200, "updated".to_owned()));
    let (_, oh_list) = send(app.request(Method::GET, "/api/settings/secrets")).await;
    assert!(
        oh_list["secrets"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "FROM_OPENHANDS", "description": "kept"})),
        "{oh_list}"
    );
    // And a delete through one dialect is gone in the other.
    assert_eq!(
        send(app.admin(Method::DELETE, "/settings/secrets/FROM_MOLECULE"))
            .await
            .0,
        200
    );
    assert_eq!(
        send(app.request(Method::GET, "/api/settings/secrets/FROM_MOLECULE"))
            .await
            .0,
        404
    );
}

async fn oversized_bodies_and_unknown_paths_answer_in_the_dialect_s_shape(backend: Backend) {
    let options = crate::helpers::Options {
        max_body_bytes: 1024,
        ..crate::molecule_helpers::molecule_options()
    };
    let Some(app) = crate::helpers::TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let big = json!({"key": "BIG", "value": "x".repeat(2048)});
    for (path, token) in [
        (
            "/settings/secrets".to_owned(),
            crate::molecule_helpers::ADMIN_TOKEN,
        ),
        (format!("/workspaces/{}/secrets", ws.id), ws.token.as_str()),
    ] {
        let req = app.bearer(Method::PUT, &path, Some(token)).json(&big);
        assert_eq!(
            send(req).await,
            (413, json!({"error": "request body too large"})),
            "{path}"
        );
    }
    let unknown = format!("/workspaces/{}/nope", ws.id);
    assert_eq!(send(app.admin(Method::GET, &unknown)).await.0, 404);
}

both_backends!(
    oversized_bodies_and_unknown_paths_answer_in_the_dialect_s_shape,
    global_secrets_and_their_legacy_aliases,
    global_secrets_are_shared_with_the_openhands_dialect_both_ways,
);
