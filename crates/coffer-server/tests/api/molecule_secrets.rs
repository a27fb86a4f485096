//! Molecule workspace secrets (spec §4, checklist §10): a workspace's secrets layered
//! over the global ones, set/delete answers, bad input, the plaintext bundle (own token
//! only, never partial), the model with its derived fallback, and a database error's
//! 500. Global secrets: `molecule_global_secrets.rs`.

use coffer_core::domain::{OrgTokenName, Scope, SecretName};
use coffer_core::event::{EventKind, NewEvent, now_ms};
use coffer_core::principal::Principal;
use coffer_core::store::SecretWrite;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send, send_raw};
use crate::molecule_helpers::{Ws, spawn_molecule};

pub fn keys_and_scopes(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (key, scope) = (e["key"].as_str().unwrap(), e["scope"].as_str().unwrap());
            (key.to_owned(), scope.to_owned())
        })
        .collect()
}

pub async fn list(app: &TestApp, ws: &Ws) -> (u16, Value) {
    let path = format!("/workspaces/{}/secrets", ws.id);
    send(app.bearer(Method::GET, &path, Some(&ws.token))).await
}

async fn a_workspace_lists_its_own_secrets_then_the_globals_it_does_not_shadow(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    assert_eq!(list(&app, &ws).await, (200, json!([])));
    app.put_global("B_SHARED", "global-b").await;
    app.put_global("A_GLOBAL", "global-a").await;
    app.put_ws_secret(&ws, "C_OWN", "own-c").await;
    app.put_ws_secret(&ws, "B_SHARED", "own-b").await;
    let (status, body) = list(&app, &ws).await;
    assert_eq!(status, 200);
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys_and_scopes(&body),
        pairs(&[
            ("B_SHARED", "workspace"),
            ("C_OWN", "workspace"),
            ("A_GLOBAL", "global")
        ])
    );
    let first = body[0].as_object().unwrap();
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        ["key", "has_value", "scope", "created_at", "updated_at"]
    );
    assert_eq!(first["has_value"], true);
    assert!(!body.to_string().contains("own-") && !body.to_string().contains("global-"));
}

async fn setting_and_deleting_answer_as_the_original(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let path = format!("/workspaces/{}/secrets", ws.id);
    let req = |method: Method, path: &str| app.bearer(method, path, Some(&ws.token));
    for method in [Method::POST, Method::PUT] {
        let body = json!({"key": "API_KEY", "value": "v1"});
        assert_eq!(
            send(req(method, &path).json(&body)).await,
            (200, json!({"status": "saved", "key": "API_KEY"}))
        );
    }
    let invalid = json!({"error": "invalid request body"});
    for body in [
        json!({"value": "v"}),
        json!({"key": "K"}),
        json!({"key": "", "value": "v"}),
        json!({"key": "K", "value": ""}),
        json!({"key": "K", "value": 5}),
        json!({"key": "K", "value": null}),
        json!({"key": "1BAD", "value": "v"}),
        json!({"key": "has-dash", "value": "v"}),
        json!({"key": "K", "value": "**********"}),
        json!("K=v"),
    ] {
        assert_eq!(
            send(req(Method::POST, &path).json(&body)).await,
            (400, invalid.clone()),
            "{body}"
        );
    }
    let not_json = req(Method::POST, &path).body("key=K&value=v");
    assert_eq!(send(not_json).await, (400, invalid.clone()));

    assert_eq!(
        send(req(Method::DELETE, &format!("{path}/API_KEY"))).await,
        (200, json!({"status": "deleted", "key": "API_KEY"}))
    );
    for key in ["API_KEY", "NEVER_SET", "has-dash", "values"] {
        assert_eq!(
            send(req(Method::DELETE, &format!("{path}/{key}"))).await,
            (404, json!({"error": "secret not found"})),
            "{key}"
        );
    }

    // Ids: uppercase or malformed → 400 (after auth), unknown → 404.
    let upper = format!("/workspaces/{}/secrets", ws.id.to_uppercase());
    assert_eq!(
        send(app.admin(Method::GET, &upper)).await,
        (400, json!({"error": "invalid workspace ID"}))
    );
    let unknown = format!("/workspaces/{}/secrets", uuid::Uuid::new_v4());
    assert_eq!(
        send(app.admin(Method::GET, &unknown)).await,
        (404, json!({"error": "workspace not found"}))
    );
}

async fn the_bundle_merges_globals_and_overrides_for_the_workspace_itself(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let other = app.ws_named("other").await;
    app.put_global("SHARED", "from-global").await;
    app.put_global("ONLY_GLOBAL", "g").await;
    app.put_ws_secret(&ws, "SHARED", "from-workspace").await;
    app.put_ws_secret(&ws, "ONLY_OWN", "o").await;
    app.put_ws_secret(&other, "NOT_MINE", "x").await;
    let path = format!("/workspaces/{}/secrets/values", ws.id);
    let raw = send_raw(app.bearer(Method::GET, &path, Some(&ws.token))).await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("cache-control"), Some("no-store"));
    assert_eq!(
        raw.json(),
        json!({"ONLY_GLOBAL": "g", "ONLY_OWN": "o", "SHARED": "from-workspace"})
    );

    // Only the workspace's own token reads plaintext (as the original's second check).
    let org = app
        .core
        .create_org_token(&Principal::System, OrgTokenName::parse("ci").unwrap())
        .await
        .unwrap();
    let org = coffer_crypto::ExposeSecret::expose_secret(&org.plaintext).to_owned();
    for token in [
        Some(crate::molecule_helpers::ADMIN_TOKEN),
        Some(org.as_str()),
    ] {
        assert_eq!(
            send(app.bearer(Method::GET, &path, token)).await,
            (401, json!({"error": "invalid workspace auth token"}))
        );
    }
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&other.token))).await,
        (401, json!({"error": "invalid workspace auth token"}))
    );

    // A value that does not open (here: another row's sealed bytes) refuses the bundle.
    let scope = Scope::Workspace(ws.id.parse().unwrap());
    let name = SecretName::parse("MOVED").unwrap();
    let foreign = app
        .store
        .find_secret(&Scope::Global, &SecretName::parse("ONLY_GLOBAL").unwrap())
        .await
        .unwrap()
        .unwrap();
    let key_id = coffer_crypto::envelope_key_id(&foreign.sealed)
        .unwrap()
        .to_hex();
    let write = SecretWrite {
        scope: &scope,
        name: &name,
        sealed: foreign.sealed,
        key_id,
        description: None,
        at_ms: now_ms(),
    };
    let event = NewEvent {
        kind: EventKind::SecretPut,
        scope: scope.to_string(),
        name: "MOVED".into(),
        actor: "test-tamper".into(),
        at_ms: now_ms(),
    };
    app.store.upsert_secret(write, event).await.unwrap();
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&ws.token))).await,
        (
            500,
            json!({
                "error": "one or more secrets failed to decrypt; refusing to return partial bundle",
                "failed_keys": ["workspace:MOVED"],
            })
        )
    );
}

async fn the_model_is_the_workspace_secret_else_derived_from_provider_keys(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let path = format!("/workspaces/{}/model", ws.id);
    let get = || send(app.bearer(Method::GET, &path, Some(&ws.token)));
    let put = |body: Value| send(app.bearer(Method::PUT, &path, Some(&ws.token)).json(&body));
    assert_eq!(
        get().await,
        (200, json!({"model": "", "source": "default"}))
    );
    app.put_global("OPENAI_API_KEY", "sk-test").await;
    assert_eq!(
        get().await,
        (200, json!({"model": "openai:gpt-4.1", "source": "derived"}))
    );
    app.put_ws_secret(&ws, "ANTHROPIC_API_KEY", "a").await;
    assert_eq!(
        get().await,
        (
            200,
            json!({"model": "anthropic:claude-opus-4-7", "source": "derived"})
        )
    );
    assert_eq!(
        put(json!({"model": "openrouter:x/y"})).await,
        (200, json!({"status": "saved", "model": "openrouter:x/y"}))
    );
    assert_eq!(
        get().await,
        (
            200,
            json!({"model": "openrouter:x/y", "source": "workspace_secrets"})
        )
    );
    assert_eq!(
        put(json!({"model": ""})).await,
        (200, json!({"status": "cleared"}))
    );
    assert_eq!(
        put(json!({"model": ""})).await,
        (200, json!({"status": "cleared"}))
    );
    assert_eq!(get().await.1["source"], "derived");
    for bad in [json!({}), json!({"model": 3})] {
        assert_eq!(
            put(bad).await,
            (400, json!({"error": "invalid request body"}))
        );
    }
    let upper = format!("/workspaces/{}/model", ws.id.to_uppercase());
    let (status, _) = send(app.admin(Method::PUT, &upper).json(&json!({"model": "m"}))).await;
    assert_eq!(status, 400);
}

async fn a_database_error_is_a_500_with_the_route_s_words(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    app.raw_sql("ALTER TABLE secrets RENAME TO secrets_gone")
        .await;
    let path = format!("/workspaces/{}/secrets", ws.id);
    assert_eq!(
        send(app.bearer(Method::GET, &path, Some(&ws.token))).await,
        (500, json!({"error": "query failed"}))
    );
    let body = json!({"key": "K", "value": "v"});
    assert_eq!(
        send(app.bearer(Method::POST, &path, Some(&ws.token)).json(&body)).await,
        (500, json!({"error": "failed to save secret"}))
    );
    assert_eq!(
        send(app.bearer(Method::DELETE, &format!("{path}/K"), Some(&ws.token))).await,
        (500, json!({"error": "failed to delete secret"}))
    );
    app.raw_sql("ALTER TABLE secrets_gone RENAME TO secrets")
        .await;
}

both_backends!(
    a_workspace_lists_its_own_secrets_then_the_globals_it_does_not_shadow,
    setting_and_deleting_answer_as_the_original,
    the_bundle_merges_globals_and_overrides_for_the_workspace_itself,
    the_model_is_the_workspace_secret_else_derived_from_provider_keys,
    a_database_error_is_a_500_with_the_route_s_words,
);
