//! Restarts over the same storage: everything survives; a different key leaves names
//! listed but values unreadable and writes refused; rotation through
//! `OH_PREVIOUS_SECRET_KEYS` re-seals everything at start-up (checklist items 29 and 42;
//! transcripts T#401–T#407 and T#451–T#457).

use coffer_core::domain::Scope;
use coffer_core::event::EventKind;
use coffer_core::settings::AGENT_SETTINGS_KEY;
use coffer_crypto::{MasterKey, envelope_key_id};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, OH_SECRET_KEY, Options, TestApp, fernet_decrypt, get_settings, patch_settings, send,
};
use crate::settings_get::assert_json_eq_ordered;

const OTHER_KEY: &str = "a-different-key";
const SETTINGS_CORRUPT: &str = "Settings file is corrupted or encrypted with a different key: restore that key as OH_SECRET_KEY or add it to OH_PREVIOUS_SECRET_KEYS";
const SECRETS_CORRUPT_EXCEPTION: &str = "500: Secrets file is corrupted or encrypted with a different key: restore that key as OH_SECRET_KEY or add it to OH_PREVIOUS_SECRET_KEYS";
const UNICODE_VALUE: &str = "héllo\nwörld 🔑 秘密";

fn with_key(key: &str, previous: &[&str]) -> Options {
    Options {
        oh_secret_key: Some(key.to_owned()),
        previous_secret_keys: previous.iter().map(|k| (*k).to_owned()).collect(),
        ..Options::default()
    }
}

fn key_id(oh_secret_key: &str) -> String {
    MasterKey::from_passphrase(oh_secret_key).id().to_hex()
}

async fn put_secret(app: &TestApp, body: Value) -> (u16, Value) {
    send(
        app.request(Method::PUT, "/api/settings/secrets")
            .json(&body),
    )
    .await
}

async fn read_secret(app: &TestApp, name: &str) -> (u16, String) {
    let response = app
        .request(Method::GET, &format!("/api/settings/secrets/{name}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn list_secrets(app: &TestApp) -> (u16, Value) {
    send(app.request(Method::GET, "/api/settings/secrets")).await
}

fn seeded_list() -> Value {
    json!({"secrets": [
        {"name": "MY_TOKEN", "description": "Updated"},
        {"name": "UNI", "description": null},
        {"name": "EXTRA", "description": "d"}
    ]})
}

/// Three secrets (one upserted, to check it keeps its place) and settings with an LLM
/// key, an MCP env value and misc settings.
async fn seed(app: &TestApp) {
    for body in [
        json!({"name": "MY_TOKEN", "value": "tok-value-1", "description": "First"}),
        json!({"name": "UNI", "value": UNICODE_VALUE}),
        json!({"name": "EXTRA", "value": "extra-value", "description": "d"}),
        json!({"name": "MY_TOKEN", "value": "tok-value-2", "description": "Updated"}),
    ] {
        assert_eq!(put_secret(app, body).await.0, 200);
    }
    let diff = json!({
        "agent_settings_diff": {
            "llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-test-plain-123", "base_url": "http://127.0.0.1:9/v1"},
            "mcp_config": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"FETCH_TOKEN": "tok-abc"}}}
        },
        "misc_settings_diff": {"theme": "dark"}
    });
    assert_eq!(patch_settings(app, diff).await.0, 200);
    assert_eq!(list_secrets(app).await, (200, seeded_list()));
}

/// Every seeded value reads back.
async fn assert_seed_readable(app: &TestApp) {
    assert_eq!(list_secrets(app).await, (200, seeded_list()));
    assert_eq!(
        read_secret(app, "MY_TOKEN").await,
        (200, "tok-value-2".to_owned())
    );
    assert_eq!(
        read_secret(app, "UNI").await,
        (200, UNICODE_VALUE.to_owned())
    );
    assert_eq!(
        read_secret(app, "EXTRA").await,
        (200, "extra-value".to_owned())
    );
    let (status, plain) = get_settings(app, Some("plaintext")).await;
    assert_eq!(status, 200);
    assert_eq!(
        plain["agent_settings"]["llm"]["api_key"],
        "sk-test-plain-123"
    );
    assert_eq!(
        plain["agent_settings"]["mcp_config"]["fetch"]["env"]["FETCH_TOKEN"],
        "tok-abc"
    );
    assert_eq!(plain["llm_api_key_is_set"], true);
    let (status, masked) = get_settings(app, None).await;
    assert_eq!(status, 200);
    assert_eq!(masked["agent_settings"]["llm"]["api_key"], "**********");
}

async fn everything_survives_a_restart_with_the_same_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    seed(&app).await;
    let (_, plain_before) = get_settings(&app, Some("plaintext")).await;
    let (_, masked_before) = get_settings(&app, None).await;
    let app = app.restart_with(Options::default()).await;
    assert_seed_readable(&app).await;
    assert_json_eq_ordered(
        &get_settings(&app, Some("plaintext")).await.1,
        &plain_before,
    );
    assert_json_eq_ordered(&get_settings(&app, None).await.1, &masked_before);
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let token = encrypted["agent_settings"]["llm"]["api_key"]
        .as_str()
        .unwrap();
    assert_eq!(
        fernet_decrypt(OH_SECRET_KEY, token).as_deref(),
        Some("sk-test-plain-123")
    );
    app.stop().await;
}

async fn with_a_different_key_names_stay_listed_values_are_unreadable_and_writes_are_refused(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    seed(&app).await;
    let (_, plain_before) = get_settings(&app, Some("plaintext")).await;
    let app = app.restart_with(with_key(OTHER_KEY, &[])).await;
    let events_before = app.store.list_events(0, 10_000).await.unwrap().len();

    // T#403, T#404
    assert_eq!(list_secrets(&app).await, (200, seeded_list()));
    for name in ["MY_TOKEN", "UNI", "EXTRA"] {
        assert_eq!(
            read_secret(&app, name).await,
            (404, r#"{"detail":"Secret not found"}"#.to_owned()),
            "{name}"
        );
    }
    // T#406, T#407
    let refused =
        json!({"detail": "Internal Server Error", "exception": SECRETS_CORRUPT_EXCEPTION});
    assert_eq!(
        put_secret(&app, json!({"name": "NEWONE", "value": "n1"})).await,
        (500, refused.clone())
    );
    assert_eq!(
        put_secret(&app, json!({"name": "MY_TOKEN", "value": "overwrite"})).await,
        (500, refused.clone())
    );
    assert_eq!(
        send(app.request(Method::DELETE, "/api/settings/secrets/EXTRA")).await,
        (500, refused)
    );
    assert_eq!(list_secrets(&app).await, (200, seeded_list()));

    // T#401, T#402: the key reads as unset, the rest as stored.
    for mode in [None, Some("plaintext"), Some("encrypted")] {
        let response = app.request(Method::GET, "/api/settings");
        let response = match mode {
            Some(m) => response.header("X-Expose-Secrets", m),
            None => response,
        };
        let response = response.send().await.unwrap();
        assert_eq!(response.status(), 200, "{mode:?}");
        let text = response.text().await.unwrap();
        assert!(
            !text.contains("sk-test-plain-123") && !text.contains("tok-abc"),
            "{mode:?}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        let llm = &body["agent_settings"]["llm"];
        assert_eq!(
            (&llm["api_key"], &body["llm_api_key_is_set"]),
            (&Value::Null, &json!(false)),
            "{mode:?}"
        );
        assert_eq!(
            (&llm["model"], &llm["base_url"]),
            (
                &json!("openai/gpt-4o-mini"),
                &json!("http://127.0.0.1:9/v1")
            )
        );
        assert_eq!(body["misc_settings"], json!({"theme": "dark"}));
    }
    // T#405
    assert_eq!(
        patch_settings(
            &app,
            json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4.1"}}})
        )
        .await,
        (409, json!({"detail": SETTINGS_CORRUPT}))
    );
    assert_eq!(
        app.store.list_events(0, 10_000).await.unwrap().len(),
        events_before,
        "nothing was written"
    );

    // The right key again: nothing was damaged.
    let app = app.restart_with(Options::default()).await;
    assert_seed_readable(&app).await;
    assert_json_eq_ordered(
        &get_settings(&app, Some("plaintext")).await.1,
        &plain_before,
    );
    app.stop().await;
}

async fn rotation_reseals_everything_under_the_new_key_at_start_up(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    seed(&app).await;
    let (old_id, new_id) = (key_id(OH_SECRET_KEY), key_id(OTHER_KEY));
    assert_ne!(old_id, new_id);
    assert_eq!(
        app.store.secret_key_ids(&Scope::Global).await.unwrap(),
        [old_id.as_str()]
    );

    let app = app
        .restart_with(with_key(OTHER_KEY, &[OH_SECRET_KEY]))
        .await;
    // Start-up re-sealed every secret and every settings field under the new key.
    assert_eq!(
        app.store.secret_key_ids(&Scope::Global).await.unwrap(),
        [new_id.as_str()]
    );
    let record = app
        .store
        .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.sealed.len(), 2);
    for envelope in record.sealed.values() {
        assert_eq!(
            envelope_key_id(envelope).map(|id| id.to_hex()),
            Some(new_id.clone())
        );
    }
    let events = app.store.list_events(0, 10_000).await.unwrap();
    let rotated: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::KeyRotated)
        .collect();
    assert_eq!(rotated.len(), 1);
    assert_eq!(
        (rotated[0].name.as_str(), rotated[0].actor.as_str()),
        (new_id.as_str(), "system")
    );

    // T#451–T#454: readable.
    assert_seed_readable(&app).await;
    // T#455–T#457: writable.
    let (status, body) = patch_settings(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4.1"}}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &body["agent_settings"]["llm"]["model"],
            &body["agent_settings"]["llm"]["api_key"]
        ),
        (&json!("openai/gpt-4.1"), &json!("**********"))
    );
    assert_eq!(
        put_secret(&app, json!({"name": "NEWONE", "value": "n1"})).await,
        (200, json!({"name": "NEWONE", "description": null}))
    );
    assert_eq!(
        send(app.request(Method::DELETE, "/api/settings/secrets/EXTRA")).await,
        (200, json!({"deleted": true}))
    );
    assert_eq!(
        app.store.secret_key_ids(&Scope::Global).await.unwrap(),
        [new_id.as_str()]
    );
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let token = encrypted["agent_settings"]["llm"]["api_key"]
        .as_str()
        .unwrap();
    assert_eq!(
        fernet_decrypt(OTHER_KEY, token).as_deref(),
        Some("sk-test-plain-123"),
        "tokens use the new key"
    );
    assert_eq!(fernet_decrypt(OH_SECRET_KEY, token), None);

    // The old key is no longer needed.
    let app = app.restart_with(with_key(OTHER_KEY, &[])).await;
    let expected_list = json!({"secrets": [
        {"name": "MY_TOKEN", "description": "Updated"},
        {"name": "UNI", "description": null},
        {"name": "NEWONE", "description": null}
    ]});
    assert_eq!(list_secrets(&app).await, (200, expected_list));
    assert_eq!(
        read_secret(&app, "MY_TOKEN").await,
        (200, "tok-value-2".to_owned())
    );
    assert_eq!(
        read_secret(&app, "UNI").await,
        (200, UNICODE_VALUE.to_owned())
    );
    assert_eq!(read_secret(&app, "NEWONE").await, (200, "n1".to_owned()));
    let (_, plain) = get_settings(&app, Some("plaintext")).await;
    assert_eq!(plain["agent_settings"]["llm"]["model"], "openai/gpt-4.1");
    assert_eq!(
        plain["agent_settings"]["llm"]["api_key"],
        "sk-test-plain-123"
    );
    assert_eq!(
        plain["agent_settings"]["mcp_config"]["fetch"]["env"]["FETCH_TOKEN"],
        "tok-abc"
    );
    assert_eq!(
        patch_settings(&app, json!({"misc_settings_diff": {"after": true}}))
            .await
            .0,
        200
    );
    assert_eq!(
        put_secret(&app, json!({"name": "LATER", "value": "l"}))
            .await
            .0,
        200
    );
    app.stop().await;
}

async fn an_encrypted_token_made_under_the_previous_key_is_accepted_after_rotation(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(
        patch_settings(
            &app,
            json!({"agent_settings_diff": {"llm": {"api_key": "sk-old-1"}}})
        )
        .await
        .0,
        200
    );
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let old_token = encrypted["agent_settings"]["llm"]["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        fernet_decrypt(OH_SECRET_KEY, &old_token).as_deref(),
        Some("sk-old-1")
    );
    assert_eq!(
        patch_settings(
            &app,
            json!({"agent_settings_diff": {"llm": {"api_key": "sk-other"}}})
        )
        .await
        .0,
        200
    );

    let app = app
        .restart_with(with_key(OTHER_KEY, &[OH_SECRET_KEY]))
        .await;
    let (status, body) = patch_settings(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": old_token}}}),
    )
    .await;
    assert_eq!((status, &body["llm_api_key_is_set"]), (200, &json!(true)));
    assert_eq!(
        get_settings(&app, Some("plaintext")).await.1["agent_settings"]["llm"]["api_key"],
        "sk-old-1"
    );

    // Without the previous key the old token opens under no key: it clears the field.
    let app = app.restart_with(with_key(OTHER_KEY, &[])).await;
    let (status, body) = patch_settings(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": old_token}}}),
    )
    .await;
    assert_eq!((status, &body["llm_api_key_is_set"]), (200, &json!(false)));
    assert_eq!(
        get_settings(&app, Some("plaintext")).await.1["agent_settings"]["llm"]["api_key"],
        Value::Null
    );
    app.stop().await;
}

both_backends!(
    everything_survives_a_restart_with_the_same_key,
    with_a_different_key_names_stay_listed_values_are_unreadable_and_writes_are_refused,
    rotation_reseals_everything_under_the_new_key_at_start_up,
    an_encrypted_token_made_under_the_previous_key_is_accepted_after_rotation,
);
