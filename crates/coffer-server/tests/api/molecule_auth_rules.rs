//! The rules around WorkspaceAuth and AdminAuth: fail-open only in dev mode, on loopback,
//! without `ADMIN_TOKEN`; the deprecated workspace-token fallback of AdminAuth when no
//! `ADMIN_TOKEN` is set; and 503 `platform_unavailable` when the datastore is gone.

use coffer_core::principal::Principal;
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Options, TestApp, send};
use crate::molecule_auth::target;
use crate::molecule_helpers::{ADMIN_TOKEN, molecule_options, spawn_molecule};

async fn fail_open_needs_dev_mode_no_admin_token_and_loopback(backend: Backend) {
    let dev = Options {
        admin_token: None,
        dev_mode: true,
        ..molecule_options()
    };
    let Some(app) = TestApp::spawn_with(backend, dev.clone()).await else {
        return;
    };
    let (status, created) = send(
        app.bearer(Method::POST, "/workspaces", None)
            .json(&json!({"name": "d"})),
    )
    .await;
    assert_eq!(status, 201, "AdminAuth fails open");
    let id = created["workspace"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send(app.bearer(Method::GET, &format!("/workspaces/{id}"), None))
            .await
            .0,
        200
    );
    assert_eq!(
        send(app.bearer(Method::GET, "/settings/secrets", None))
            .await
            .0,
        200
    );
    assert_eq!(
        send(app.bearer(Method::GET, &format!("/workspaces/{id}"), Some("wrong"))).await,
        (401, json!({"error": "invalid workspace auth token"})),
        "a bearer is still checked"
    );
    assert_eq!(
        send(app.bearer(
            Method::GET,
            &format!("/workspaces/{id}/secrets/values"),
            None
        ))
        .await,
        (401, json!({"error": "missing workspace auth token"})),
        "plaintext needs the workspace's own token"
    );
    drop(app);

    for closed in [
        Options {
            admin_token: Some(ADMIN_TOKEN.to_owned()),
            ..dev.clone()
        },
        Options {
            bound_to_loopback: false,
            ..dev.clone()
        },
        Options {
            dev_mode: false,
            ..dev.clone()
        },
    ] {
        let app = TestApp::spawn_with(backend, closed).await.unwrap();
        assert_eq!(
            send(app.bearer(Method::GET, "/settings/secrets", None)).await,
            (401, json!({"error": "admin auth required"}))
        );
        let path = format!("/workspaces/{}", uuid::Uuid::new_v4());
        assert_eq!(
            send(app.bearer(Method::GET, &path, None)).await,
            (401, json!({"error": "missing workspace auth token"}))
        );
    }
}

async fn without_admin_token_a_live_workspace_token_passes_admin_auth(backend: Backend) {
    let options = Options {
        admin_token: None,
        ..molecule_options()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let (id, token) = target(&app).await;
    assert_eq!(
        send(app.bearer(Method::GET, "/settings/secrets", Some(&token)))
            .await
            .0,
        200
    );
    assert_eq!(
        send(app.bearer(Method::GET, "/settings/secrets", Some(ADMIN_TOKEN))).await,
        (401, json!({"error": "invalid admin auth token"}))
    );
    app.core
        .remove_workspace(&Principal::System, id)
        .await
        .unwrap();
    assert_eq!(
        send(app.bearer(Method::GET, "/settings/secrets", Some(&token))).await,
        (401, json!({"error": "invalid admin auth token"}))
    );
}

async fn a_datastore_failure_while_checking_a_token_is_503(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    app.store.close().await;
    let unavailable = json!({
        "error": "platform datastore unavailable — retry shortly",
        "code": "platform_unavailable",
    });
    let path = format!("/workspaces/{}/secrets", ws.id);
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&ws.token))).await,
        (503, unavailable.clone())
    );
    assert_eq!(
        send(app.bearer(Method::GET, "/admin/secrets", Some("t"))).await,
        (503, unavailable)
    );
    // No bearer: refused without a database call.
    assert_eq!(send(app.bearer(Method::GET, &path, None)).await.0, 401);
}

both_backends!(
    fail_open_needs_dev_mode_no_admin_token_and_loopback,
    without_admin_token_a_live_workspace_token_passes_admin_auth,
    a_datastore_failure_while_checking_a_token_is_503,
);
