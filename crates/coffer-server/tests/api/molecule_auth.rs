//! WorkspaceAuth and AdminAuth (spec §2, checklist §10): a table walks every route of the
//! Molecule dialect with no token, a wrong token, another workspace's token, a removed
//! workspace's token, an org token, the admin token and the workspace's own token, and
//! checks each status and 401 body; and the bearer is checked before the body and id.
//! The rules around it (fail-open, fallbacks, 503): `molecule_auth_rules.rs`.

use coffer_core::domain::{NewWorkspace, OrgTokenName, Scope, SecretName, WorkspaceId};
use coffer_core::principal::Principal;
use coffer_crypto::{ExposeSecret, SecretString};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send};
use crate::molecule_helpers::{ADMIN_TOKEN, spawn_molecule};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Guard {
    Workspace,
    /// WorkspaceAuth, then the workspace's own token only.
    Bundle,
    Admin,
}

/// Every route of the dialect: method, path (`{T}` is the target workspace), body,
/// guard, and the status it answers once past authentication.
fn routes() -> Vec<(Method, &'static str, Option<Value>, Guard, u16)> {
    use Guard::*;
    let secret = Some(json!({"key": "NEW_KEY", "value": "v"}));
    vec![
        (Method::GET, "/workspaces", None, Admin, 200),
        (
            Method::POST,
            "/workspaces",
            Some(json!({"name": "n"})),
            Admin,
            201,
        ),
        (Method::GET, "/workspaces/{T}", None, Workspace, 200),
        (Method::DELETE, "/workspaces/{T}", None, Admin, 200),
        (Method::POST, "/workspaces/{T}/pause", None, Admin, 200),
        (Method::POST, "/workspaces/{T}/resume", None, Admin, 200),
        (Method::POST, "/workspaces/{T}/token", None, Admin, 201),
        (Method::GET, "/workspaces/{T}/secrets", None, Workspace, 200),
        (
            Method::POST,
            "/workspaces/{T}/secrets",
            secret.clone(),
            Workspace,
            200,
        ),
        (
            Method::PUT,
            "/workspaces/{T}/secrets",
            secret.clone(),
            Workspace,
            200,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/secrets/OWN_KEY",
            None,
            Workspace,
            200,
        ),
        (
            Method::GET,
            "/workspaces/{T}/secrets/values",
            None,
            Bundle,
            200,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/secrets/values",
            None,
            Workspace,
            404,
        ),
        (Method::GET, "/workspaces/{T}/model", None, Workspace, 200),
        (
            Method::PUT,
            "/workspaces/{T}/model",
            Some(json!({"model": "m:x"})),
            Workspace,
            200,
        ),
        (Method::GET, "/workspaces/{T}/events", None, Workspace, 200),
        (Method::GET, "/workspaces/{T}/memory", None, Workspace, 200),
        (
            Method::POST,
            "/workspaces/{T}/memory",
            Some(json!({"key": "k", "value": {"a": 1}})),
            Workspace,
            200,
        ),
        (
            Method::GET,
            "/workspaces/{T}/memory/k",
            None,
            Workspace,
            404,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/memory/k",
            None,
            Workspace,
            200,
        ),
        (
            Method::POST,
            "/workspaces/{T}/checkpoints",
            Some(json!({"workflow_id": "wf", "step_name": "s", "payload": {"p": 1}})),
            Workspace,
            201,
        ),
        (
            Method::GET,
            "/workspaces/{T}/checkpoints/latest",
            None,
            Workspace,
            404,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/checkpoints/latest",
            None,
            Workspace,
            404,
        ),
        (
            Method::GET,
            "/workspaces/{T}/checkpoints/wf",
            None,
            Workspace,
            404,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/checkpoints/wf",
            None,
            Workspace,
            404,
        ),
        (
            Method::POST,
            "/workspaces/{T}/memories",
            Some(json!({"content": "c", "scope": "LOCAL"})),
            Workspace,
            201,
        ),
        (
            Method::GET,
            "/workspaces/{T}/memories?q=c",
            None,
            Workspace,
            200,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/memories/m",
            None,
            Workspace,
            404,
        ),
        (
            Method::GET,
            "/workspaces/{T}/v2/namespaces",
            None,
            Workspace,
            200,
        ),
        (
            Method::POST,
            "/workspaces/{T}/v2/memories",
            Some(json!({"content": "c"})),
            Workspace,
            201,
        ),
        (
            Method::GET,
            "/workspaces/{T}/v2/memories?q=c",
            None,
            Workspace,
            200,
        ),
        (
            Method::DELETE,
            "/workspaces/{T}/v2/memories/m",
            None,
            Workspace,
            404,
        ),
        (Method::GET, "/settings/secrets", None, Admin, 200),
        (Method::PUT, "/settings/secrets", secret.clone(), Admin, 200),
        (
            Method::POST,
            "/settings/secrets",
            secret.clone(),
            Admin,
            200,
        ),
        (
            Method::DELETE,
            "/settings/secrets/GLOBAL_KEY",
            None,
            Admin,
            200,
        ),
        (Method::GET, "/admin/secrets", None, Admin, 200),
        (Method::POST, "/admin/secrets", secret, Admin, 200),
        (
            Method::DELETE,
            "/admin/secrets/GLOBAL_KEY",
            None,
            Admin,
            200,
        ),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cred {
    None,
    Wrong,
    OtherWorkspace,
    RemovedWorkspace,
    Org,
    Admin,
    Own,
}

/// The expected (status, 401 body) of `cred` on a route guarded by `guard`.
fn expected(guard: Guard, cred: Cred, ok: u16) -> (u16, Option<&'static str>) {
    use Cred::*;
    match (guard, cred) {
        (Guard::Workspace | Guard::Bundle, None) => (401, Some("missing workspace auth token")),
        (Guard::Workspace | Guard::Bundle, Wrong | OtherWorkspace | RemovedWorkspace) => {
            (401, Some("invalid workspace auth token"))
        }
        (Guard::Workspace, Org | Admin | Own) | (Guard::Bundle, Own) => (ok, Option::None),
        (Guard::Bundle, Org | Admin) => (401, Some("invalid workspace auth token")),
        (Guard::Admin, None) => (401, Some("admin auth required")),
        (Guard::Admin, Wrong | OtherWorkspace | RemovedWorkspace | Own) => {
            (401, Some("invalid admin auth token"))
        }
        (Guard::Admin, Org | Admin) => (ok, Option::None),
    }
}

/// A fresh workspace through the core, with a secret `OWN_KEY`, its token.
pub async fn target(app: &TestApp) -> (WorkspaceId, String) {
    let new = NewWorkspace::parse("target", None, None, None).unwrap();
    let created = app
        .core
        .create_workspace(&Principal::System, new)
        .await
        .unwrap();
    let id = created.workspace.id;
    let name = SecretName::parse("OWN_KEY").unwrap();
    let value = SecretString::from("own".to_owned());
    app.core
        .put_workspace_secret(&Principal::System, id, &name, value)
        .await
        .unwrap();
    (id, created.token.expose_secret().to_owned())
}

/// Status and body of a request; an event stream is not read past its head.
async fn status_of(req: reqwest::RequestBuilder) -> (u16, Value) {
    let response = req.send().await.expect("request");
    let status = response.status().as_u16();
    let is_stream = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if is_stream {
        return (status, Value::Null);
    }
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn every_route_checks_every_kind_of_credential(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let (_, other_token) = target(&app).await;
    let (removed, removed_token) = target(&app).await;
    app.core
        .remove_workspace(&Principal::System, removed)
        .await
        .unwrap();
    let org = app
        .core
        .create_org_token(&Principal::System, OrgTokenName::parse("ci").unwrap())
        .await
        .unwrap();
    let org_token = org.plaintext.expose_secret().to_owned();
    let wrong = "x".repeat(43);
    let global = SecretName::parse("GLOBAL_KEY").unwrap();
    let creds = [
        Cred::None,
        Cred::Wrong,
        Cred::OtherWorkspace,
        Cred::RemovedWorkspace,
        Cred::Org,
        Cred::Admin,
        Cred::Own,
    ];
    let mut checked = 0;
    for (method, template, body, guard, ok) in routes() {
        for cred in creds {
            let (id, own) = target(&app).await;
            if template.ends_with("/resume") {
                app.core
                    .pause_workspace(&Principal::System, id)
                    .await
                    .unwrap();
            }
            let value = SecretString::from("g".to_owned());
            app.core
                .put_secret(&Principal::System, &Scope::Global, &global, value, None)
                .await
                .unwrap();
            let token = match cred {
                Cred::None => None,
                Cred::Wrong => Some(wrong.as_str()),
                Cred::OtherWorkspace => Some(other_token.as_str()),
                Cred::RemovedWorkspace => Some(removed_token.as_str()),
                Cred::Org => Some(org_token.as_str()),
                Cred::Admin => Some(ADMIN_TOKEN),
                Cred::Own => Some(own.as_str()),
            };
            let path = template.replace("{T}", &id.to_string());
            let mut req = app.bearer(method.clone(), &path, token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            let (status, answer) = status_of(req).await;
            let (want_status, want_error) = expected(guard, cred, ok);
            assert_eq!(
                status, want_status,
                "{method} {template} with {cred:?}: {answer}"
            );
            if let Some(error) = want_error {
                assert_eq!(
                    answer,
                    json!({ "error": error }),
                    "{method} {template} {cred:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, routes().len() * creds.len());
}

async fn a_bad_body_or_id_without_a_token_is_still_401(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let upper = uuid::Uuid::new_v4().to_string().to_uppercase();
    for (method, path) in [
        (Method::POST, format!("/workspaces/{upper}/secrets")),
        (Method::GET, "/workspaces/not-a-uuid/secrets".to_owned()),
    ] {
        let req = app.bearer(method, &path, None).body("{broken");
        assert_eq!(
            send(req).await,
            (401, json!({"error": "missing workspace auth token"}))
        );
    }
    let req = app
        .bearer(Method::POST, "/settings/secrets", None)
        .body("{broken");
    assert_eq!(
        send(req).await,
        (401, json!({"error": "admin auth required"}))
    );
    // A bearer must be exactly `Bearer <token>`.
    let ws = app.ws_named("w").await;
    let path = format!("/workspaces/{}", ws.id);
    for header in [
        format!("bearer {}", ws.token),
        format!("Token {}", ws.token),
        ws.token.clone(),
    ] {
        let req = app.http.get(app.url(&path)).header("Authorization", header);
        assert_eq!(send(req).await.0, 401);
    }
    let padded = app
        .http
        .get(app.url(&path))
        .header("Authorization", format!("Bearer   {}  ", ws.token));
    assert_eq!(send(padded).await.0, 200);
}

both_backends!(
    every_route_checks_every_kind_of_credential,
    a_bad_body_or_id_without_a_token_is_still_401,
);
