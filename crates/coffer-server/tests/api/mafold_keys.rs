//! "Agents & keys": `getMyAgents`, `setAgentKey`, `removeAgentKey`, and the sealed blob
//! at rest (no plaintext; bound to its owner and provider by the AAD; re-sealed by key
//! rotation).

use coffer_core::domain::Provider;
use coffer_crypto::{Aad, ExposeSecret, open_string};
use coffer_server::keys::{KeyConfig, resolve};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, OH_SECRET_KEY, Options, TestApp};
use crate::mafold_helpers::{call, failed, human, ok};

const CLAUDE_KEY: &str = "sk-ant-api03-secretvalue-x7kQ";

fn keyring(app: &TestApp, oh_secret_key: &str) -> coffer_crypto::Keyring {
    let config = KeyConfig {
        oh_secret_key: Some(oh_secret_key.to_owned().into()),
        data_dir: app.storage.data_dir(),
        ..KeyConfig::default()
    };
    resolve(&config).expect("keys").keys.keyring
}

fn configured(agents: &Value) -> Vec<(String, bool)> {
    agents["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["username"].as_str().unwrap().to_owned(),
                a["key_configured"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn my_agents_are_my_forks_and_key_configured_follows_set_and_remove(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let bob = human(&app, "bob").await;
    let agents = ok(&app, &ops, "getMyAgents", Value::Null).await;
    assert_eq!(
        agents,
        json!({"items": [
            {"provider": "claude", "username": "ops:claude", "display_name": "Claude", "key_configured": false},
            {"provider": "deepseek", "username": "ops:deepseek", "display_name": "DeepSeek", "key_configured": false},
        ]})
    );
    let set = ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "claude", "api_key": CLAUDE_KEY}),
    )
    .await;
    assert_eq!(set, json!({"provider": "claude", "key_tail": "•••x7kQ"}));
    assert_eq!(
        configured(&ok(&app, &ops, "getMyAgents", json!({})).await),
        [("ops:claude".into(), true), ("ops:deepseek".into(), false)]
    );
    assert_eq!(
        configured(&ok(&app, &bob, "getMyAgents", Value::Null).await),
        [("bob:claude".into(), false), ("bob:deepseek".into(), false)],
        "another owner's agents are not affected"
    );
    // A second set replaces the first (the tail changes); surrounding blanks are trimmed.
    let set = ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "claude", "api_key": "  sk-second-9Zz1\n"}),
    )
    .await;
    assert_eq!(set["key_tail"], "•••9Zz1");
    let short = ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "deepseek", "api_key": "abcd"}),
    )
    .await;
    assert_eq!(short["key_tail"], "•••", "a short key shows no character");
    // Removing is idempotent.
    for _ in 0..2 {
        let removed = ok(&app, &ops, "removeAgentKey", json!({"provider": "claude"})).await;
        assert_eq!(removed, json!(true));
    }
    assert_eq!(
        configured(&ok(&app, &ops, "getMyAgents", Value::Null).await),
        [("ops:claude".into(), false), ("ops:deepseek".into(), true)]
    );
    app.stop().await;
}

async fn bad_keys_and_providers_are_refused_and_nothing_is_stored(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    for key in ["", "   ", "\n\t"] {
        failed(
            call(
                &app,
                Some(&ops),
                "setAgentKey",
                json!({"provider": "claude", "api_key": key}),
            )
            .await,
            400,
            "invalid argument: api_key is empty",
        );
    }
    for key in ["two words", "sk-ключ", &"k".repeat(4097)] {
        failed(
            call(
                &app,
                Some(&ops),
                "setAgentKey",
                json!({"provider": "claude", "api_key": key}),
            )
            .await,
            400,
            "invalid argument: api_key must be printable ASCII, at most 4096 bytes",
        );
    }
    for provider in ["anthropic", "Claude", "openai", ""] {
        failed(
            call(
                &app,
                Some(&ops),
                "setAgentKey",
                json!({"provider": provider, "api_key": CLAUDE_KEY}),
            )
            .await,
            400,
            "invalid argument: unknown provider (use claude or deepseek)",
        );
        failed(
            call(
                &app,
                Some(&ops),
                "removeAgentKey",
                json!({"provider": provider}),
            )
            .await,
            400,
            "invalid argument: unknown provider (use claude or deepseek)",
        );
    }
    failed(
        call(
            &app,
            Some(&ops),
            "setAgentKey",
            json!({"provider": "claude"}),
        )
        .await,
        400,
        "invalid argument: api_key is required",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "setAgentKey",
            json!({"api_key": CLAUDE_KEY}),
        )
        .await,
        400,
        "invalid argument: provider is required",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "setAgentKey",
            json!({"provider": "claude", "api_key": 42}),
        )
        .await,
        400,
        "invalid argument: api_key must be a string",
    );
    failed(
        call(
            &app,
            Some(&ops),
            "removeAgentKey",
            json!({"provider": ["claude"]}),
        )
        .await,
        400,
        "invalid argument: provider must be a string",
    );
    assert!(app.store.list_sealed_agent_keys().await.unwrap().is_empty());
    assert!(
        configured(&ok(&app, &ops, "getMyAgents", Value::Null).await)
            .iter()
            .all(|(_, on)| !on)
    );
    app.stop().await;
}

async fn the_stored_key_is_sealed_and_bound_to_its_owner_and_provider(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    human(&app, "bob").await;
    ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "claude", "api_key": CLAUDE_KEY}),
    )
    .await;
    let sealed = app
        .store
        .find_agent_key("ops", Provider::Claude)
        .await
        .unwrap()
        .expect("stored");
    let needle = CLAUDE_KEY.as_bytes();
    assert!(
        !sealed.windows(needle.len()).any(|w| w == needle),
        "no plaintext in the blob"
    );
    assert!(
        !sealed.windows(4).any(|w| w == b"x7kQ"),
        "not even the tail"
    );
    let ring = keyring(&app, OH_SECRET_KEY);
    let right = Aad::agent_key("account:ops", "claude");
    assert_eq!(
        open_string(&ring, &right, &sealed).unwrap().expose_secret(),
        CLAUDE_KEY
    );
    for (owner, provider) in [
        ("account:bob", "claude"),
        ("account:ops", "deepseek"),
        ("ops", "claude"),
    ] {
        assert!(
            open_string(&ring, &Aad::agent_key(owner, provider), &sealed).is_err(),
            "{owner} {provider}"
        );
    }
    assert!(open_string(&ring, &Aad::secret("account:ops", "claude"), &sealed).is_err());
    // Copied onto bob's row, it does not open for bob either (bob's agent reports it).
    let row = coffer_core::store::AgentKeyWrite {
        owner: "bob".into(),
        provider: Provider::Claude,
        sealed: sealed.clone(),
        key_id: ring.current_id().to_hex(),
        key_tail: "•••x7kQ".into(),
        at_ms: 1,
    };
    let event = coffer_core::event::NewEvent {
        kind: coffer_core::event::EventKind::AgentKeySet,
        scope: "account:bob".into(),
        name: "claude".into(),
        actor: "test".into(),
        at_ms: 1,
    };
    app.store.upsert_agent_key(row, event).await.unwrap();
    let copied = app
        .store
        .find_agent_key("bob", Provider::Claude)
        .await
        .unwrap()
        .unwrap();
    assert!(open_string(&ring, &Aad::agent_key("account:bob", "claude"), &copied).is_err());
    app.stop().await;
}

async fn rotating_the_master_key_reseals_provider_keys(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "deepseek", "api_key": "sk-deep-1234"}),
    )
    .await;
    let before = app
        .store
        .find_agent_key("ops", Provider::Deepseek)
        .await
        .unwrap()
        .unwrap();
    let rotated = Options {
        oh_secret_key: Some("a-new-key".into()),
        previous_secret_keys: vec![OH_SECRET_KEY.into()],
        ..Options::default()
    };
    let app = app.restart_with(rotated).await;
    let after = app
        .store
        .find_agent_key("ops", Provider::Deepseek)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(before, after, "re-sealed at start-up");
    let ring = keyring(&app, "a-new-key");
    assert_eq!(
        coffer_crypto::envelope_key_id(&after),
        Some(ring.current_id())
    );
    let aad = Aad::agent_key("account:ops", "deepseek");
    assert_eq!(
        open_string(&ring, &aad, &after).unwrap().expose_secret(),
        "sk-deep-1234"
    );
    app.stop().await;
}

both_backends!(
    my_agents_are_my_forks_and_key_configured_follows_set_and_remove,
    bad_keys_and_providers_are_refused_and_nothing_is_stored,
    the_stored_key_is_sealed_and_bound_to_its_owner_and_provider,
    rotating_the_master_key_reseals_provider_keys,
);
