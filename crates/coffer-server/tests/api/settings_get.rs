//! `GET /api/settings` and its `X-Expose-Secrets` modes: checklist items 1–10 of
//! `shared/spec/openhands.md` §13, against the recorded transcripts T#6–T#13 and T#120.
//!
//! coffer deliberately omits `agent_settings.schema_version` (see
//! `coffer-core/src/settings/defaults.rs`), and always has a Fernet key (derived from the
//! master key when `OH_SECRET_KEY` is unset), so `encrypted` never answers 503 (item 7).

use base64::Engine;
use coffer_core::domain::Scope;
use coffer_core::settings::AGENT_SETTINGS_KEY;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, OH_SECRET_KEY, Options, TestApp, fernet_decrypt, get_settings, overwrite_settings_doc,
    patch_settings, send,
};

/// T#6: the body of `GET /api/settings` on a fresh 1.58.2 server, verbatim.
pub const T6_DEFAULT_BODY: &str = r#"{"agent_settings":{"schema_version":9,"agent_kind":"openhands","agent":"CodeActAgent","llm":{"model":"gpt-5.6","api_key":null,"provider_connection_id":null,"auth_type":"api_key","subscription_vendor":null,"base_url":null,"api_version":null,"aws_access_key_id":null,"aws_secret_access_key":null,"aws_session_token":null,"aws_region_name":null,"aws_profile_name":null,"aws_role_name":null,"aws_session_name":null,"aws_bedrock_runtime_endpoint":null,"openrouter_site_url":"https://docs.all-hands.dev/","openrouter_app_name":"OpenHands","num_retries":5,"retry_multiplier":8.0,"retry_min_wait":8,"retry_max_wait":64,"timeout":300,"stream_idle_timeout":300.0,"max_message_chars":30000,"temperature":null,"top_p":null,"top_k":null,"max_input_tokens":null,"max_output_tokens":null,"model_canonical_name":null,"api_mode":"auto","capability_overrides":{},"extra_headers":null,"input_cost_per_token":null,"output_cost_per_token":null,"ollama_base_url":null,"stream":false,"drop_params":true,"disable_vision":null,"disable_stop_word":false,"caching_prompt":true,"log_completions":false,"log_completions_folder":"logs/completions","custom_tokenizer":null,"native_tool_calling":true,"force_string_serializer":null,"inline_image_urls":null,"reasoning_effort":"high","reasoning_summary":null,"enable_encrypted_reasoning":true,"prompt_cache_retention":"24h","extended_thinking_budget":200000,"seed":null,"usage_id":"default","litellm_extra_body":{},"is_subscription":false},"tools":null,"enable_classify_and_switch_llm_tool":false,"active_meta_profile":null,"meta_profile":null,"meta_profile_llms":{},"tool_concurrency_limit":1,"mcp_config":{},"persona":null,"agent_context":{"skills":[],"system_message_suffix":null,"user_message_suffix":null,"load_user_skills":false,"load_public_skills":false,"marketplace_path":"marketplaces/default.json","registered_marketplaces":[],"load_project_skills":false,"load_memory":false,"disabled_skills":[],"secrets":null,"current_datetime":"2026-11-27T06:00:30.714151Z"},"condenser":{"condenser_kind":"llm_summarizing","enabled":true,"max_size":240,"max_tokens":null,"keep_first":2,"minimum_progress":0.1,"hard_context_reset_max_retries":5,"hard_context_reset_context_scaling":0.8},"verification":{"critic_enabled":false,"critic_mode":"finish_and_message","enable_iterative_refinement":false,"critic_threshold":0.6,"max_refinement_iterations":3,"critic_server_url":null,"critic_model_name":null,"critic_api_key":null}},"conversation_settings":{"schema_version":1,"max_iterations":500,"confirmation_mode":false,"security_analyzer":"llm","default_runtime":"local","worktree_base":"default_branch","worktree_base_ref":null,"worktree_branch_prefix":"openhands/","container_memory":null,"container_cpus":null,"container_browser":true},"llm_api_key_is_set":false,"active_profile":null,"active_agent_profile_id":null,"active_meta_profile":null,"misc_settings":{}}"#;

/// T#108: the default `conversation_settings`, verbatim.
pub const DEFAULT_CONVERSATION_SETTINGS: &str = r#"{"schema_version":1,"max_iterations":500,"confirmation_mode":false,"security_analyzer":"llm","default_runtime":"local","worktree_base":"default_branch","worktree_base_ref":null,"worktree_branch_prefix":"openhands/","container_memory":null,"container_cpus":null,"container_browser":true}"#;

/// The body coffer answers for default settings: T#6 without
/// `agent_settings.schema_version`, with `agent_context.current_datetime` taken from
/// `actual` (it is the time the defaults were made).
pub fn expected_defaults(actual: &Value) -> Value {
    let mut expected: Value = serde_json::from_str(T6_DEFAULT_BODY).unwrap();
    expected["agent_settings"]
        .as_object_mut()
        .unwrap()
        .shift_remove("schema_version");
    expected["agent_settings"]["agent_context"]["current_datetime"] =
        actual["agent_settings"]["agent_context"]["current_datetime"].clone();
    expected
}

/// The object's keys, in order.
pub fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// Equal values with equal key order at every level.
#[track_caller]
pub fn assert_json_eq_ordered(actual: &Value, expected: &Value) {
    assert_eq!(actual, expected);
    assert_eq!(
        serde_json::to_string(actual).unwrap(),
        serde_json::to_string(expected).unwrap()
    );
}

/// `2026-11-27T06:00:30.714151Z`, as the original formats it.
fn is_original_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 27
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            26 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

async fn set_llm_key(app: &TestApp, key: &str) {
    let (status, _) = patch_settings(
        app,
        json!({"agent_settings_diff": {"llm": {"api_key": key}}}),
    )
    .await;
    assert_eq!(status, 200);
}

async fn a_fresh_server_answers_the_original_defaults_without_schema_version(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let t6: Value = serde_json::from_str(T6_DEFAULT_BODY).unwrap();
    let (status, body) = get_settings(&app, None).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&body), keys(&t6));
    let t6_agent_keys: Vec<String> = keys(&t6["agent_settings"])
        .into_iter()
        .filter(|k| k != "schema_version")
        .collect();
    assert_eq!(keys(&body["agent_settings"]), t6_agent_keys);
    assert_eq!(
        keys(&body["agent_settings"]["llm"]),
        keys(&t6["agent_settings"]["llm"])
    );
    assert!(body["agent_settings"].get("schema_version").is_none());
    let datetime = body["agent_settings"]["agent_context"]["current_datetime"]
        .as_str()
        .unwrap();
    assert!(is_original_datetime(datetime), "{datetime}");
    assert_json_eq_ordered(&body, &expected_defaults(&body));
    assert_eq!(body["llm_api_key_is_set"], false);
    assert_eq!(body["active_profile"], Value::Null);
    assert_eq!(body["misc_settings"], json!({}));
    assert_eq!(body["agent_settings"]["llm"]["model"], "gpt-5.6");
    assert_json_eq_ordered(
        &body["conversation_settings"],
        &serde_json::from_str(DEFAULT_CONVERSATION_SETTINGS).unwrap(),
    );
    for mode in ["plaintext", "encrypted"] {
        let (status, body) = get_settings(&app, Some(mode)).await;
        assert_eq!(status, 200, "{mode}");
        assert_json_eq_ordered(&body, &expected_defaults(&body));
    }
    // Reading the defaults stores nothing.
    assert!(
        app.store
            .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}

async fn a_stored_key_reads_masked_without_the_header_and_unset_secrets_stay_null(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let diff = json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-test-plain-123", "base_url": "http://127.0.0.1:9/v1"}}});
    assert_eq!(patch_settings(&app, diff).await.0, 200);
    for header in [None, Some(""), Some("  ")] {
        let (status, body) = get_settings(&app, header).await;
        assert_eq!(status, 200, "{header:?}");
        // T#8: the defaults with the three fields set and the key masked.
        let mut expected = expected_defaults(&body);
        expected["agent_settings"]["llm"]["model"] = json!("openai/gpt-4o-mini");
        expected["agent_settings"]["llm"]["api_key"] = json!("**********");
        expected["agent_settings"]["llm"]["base_url"] = json!("http://127.0.0.1:9/v1");
        expected["llm_api_key_is_set"] = json!(true);
        assert_json_eq_ordered(&body, &expected);
        let llm = &body["agent_settings"]["llm"];
        for unset in [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
        ] {
            assert_eq!(llm[unset], Value::Null, "{unset}");
        }
        assert_eq!(
            body["agent_settings"]["verification"]["critic_api_key"],
            Value::Null
        );
        assert_eq!(
            body["agent_settings"]["agent_context"]["secrets"],
            Value::Null
        );
    }
    app.stop().await;
}

async fn plaintext_in_any_letter_case_returns_the_exact_stored_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    set_llm_key(&app, "sk-test-plain-123").await;
    for header in ["plaintext", "PlainText", "PLAINTEXT"] {
        let (status, body) = get_settings(&app, Some(header)).await;
        assert_eq!(status, 200, "{header}");
        let mut expected = expected_defaults(&body);
        expected["agent_settings"]["llm"]["api_key"] = json!("sk-test-plain-123");
        expected["llm_api_key_is_set"] = json!(true);
        assert_json_eq_ordered(&body, &expected);
    }
    app.stop().await;
}

async fn encrypted_returns_a_fresh_fernet_token_that_decrypts_to_the_stored_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    set_llm_key(&app, "sk-test-plain-123").await;
    let (_, plain) = get_settings(&app, Some("plaintext")).await;
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let (status, mut body) = get_settings(&app, Some("encrypted")).await;
        assert_eq!(status, 200);
        assert_eq!(body["llm_api_key_is_set"], true);
        let token = body["agent_settings"]["llm"]["api_key"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(token.starts_with("gAAAAA"), "{token}");
        assert_ne!(token, "sk-test-plain-123");
        assert_ne!(token, "**********");
        let raw = base64::engine::general_purpose::URL_SAFE
            .decode(&token)
            .unwrap();
        assert_eq!(raw[0], 0x80, "Fernet version byte");
        assert_eq!(
            fernet_decrypt(OH_SECRET_KEY, &token).as_deref(),
            Some("sk-test-plain-123")
        );
        // Only the secret differs from the plaintext answer.
        body["agent_settings"]["llm"]["api_key"] = json!("sk-test-plain-123");
        assert_json_eq_ordered(&body, &plain);
        tokens.push(token);
    }
    assert_ne!(tokens[0], tokens[1], "every call encrypts afresh");
    app.stop().await;
}

async fn the_legacy_value_true_means_encrypted_and_never_plaintext(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    set_llm_key(&app, "sk-test-plain-123").await;
    for header in ["true", "TRUE"] {
        let (status, body) = get_settings(&app, Some(header)).await;
        assert_eq!(status, 200);
        let token = body["agent_settings"]["llm"]["api_key"].as_str().unwrap();
        assert!(token.starts_with("gAAAAA"), "{token}");
        assert_eq!(
            fernet_decrypt(OH_SECRET_KEY, token).as_deref(),
            Some("sk-test-plain-123")
        );
    }
    app.stop().await;
}

async fn an_unknown_header_value_is_400_naming_the_lowercased_value(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    set_llm_key(&app, "sk-test-plain-123").await;
    for (header, detail) in [
        (
            "bogus",
            "Invalid X-Expose-Secrets header value: 'bogus'. Valid values are: 'encrypted', 'plaintext'.",
        ),
        (
            "BoGuS",
            "Invalid X-Expose-Secrets header value: 'bogus'. Valid values are: 'encrypted', 'plaintext'.",
        ),
        (
            "Invalid-Value",
            "Invalid X-Expose-Secrets header value: 'invalid-value'. Valid values are: 'encrypted', 'plaintext'.",
        ),
        (
            "1",
            "Invalid X-Expose-Secrets header value: '1'. Valid values are: 'encrypted', 'plaintext'.",
        ),
    ] {
        assert_eq!(
            get_settings(&app, Some(header)).await,
            (400, json!({"detail": detail})),
            "{header}"
        );
    }
    app.stop().await;
}

async fn without_oh_secret_key_encrypted_mode_uses_a_key_derived_from_the_master_key(
    backend: Backend,
) {
    let options = Options {
        oh_secret_key: None,
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    set_llm_key(&app, "sk-no-oh-key").await;
    let (status, body) = get_settings(&app, Some("encrypted")).await;
    assert_eq!(status, 200);
    let token = body["agent_settings"]["llm"]["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("gAAAAA"), "{token}");
    assert_ne!(token, "sk-no-oh-key");
    // Not the test OH_SECRET_KEY's Fernet key: none is configured.
    assert_eq!(fernet_decrypt(OH_SECRET_KEY, &token), None);
    // Change the key, then send the token back: it opens to the value it was made from.
    set_llm_key(&app, "sk-something-else").await;
    let (status, _) = patch_settings(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": token}}}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = get_settings(&app, Some("plaintext")).await;
    assert_eq!(body["agent_settings"]["llm"]["api_key"], "sk-no-oh-key");
    assert_eq!(body["llm_api_key_is_set"], true);
    app.stop().await;
}

async fn llm_api_key_is_set_follows_the_stored_key_in_every_mode(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let modes = [None, Some("plaintext"), Some("encrypted")];
    for mode in modes {
        assert_eq!(
            get_settings(&app, mode).await.1["llm_api_key_is_set"],
            false,
            "{mode:?}"
        );
    }
    set_llm_key(&app, "sk-1").await;
    for mode in modes {
        assert_eq!(
            get_settings(&app, mode).await.1["llm_api_key_is_set"],
            true,
            "{mode:?}"
        );
    }
    let (status, body) = patch_settings(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": null}}}),
    )
    .await;
    assert_eq!((status, &body["llm_api_key_is_set"]), (200, &json!(false)));
    for mode in modes {
        let (_, body) = get_settings(&app, mode).await;
        assert_eq!(body["llm_api_key_is_set"], false, "{mode:?}");
        assert_eq!(
            body["agent_settings"]["llm"]["api_key"],
            Value::Null,
            "{mode:?}"
        );
    }
    app.stop().await;
}

async fn an_unreadable_stored_document_reads_as_the_defaults(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let diff = json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}}, "misc_settings_diff": {"theme": "dark"}});
    assert_eq!(patch_settings(&app, diff).await.0, 200);
    for garbage in [
        json!("not a settings document"),
        json!({"agent_settings": 1, "conversation_settings": {}}),
        json!({"agent_settings": {}, "conversation_settings": []}),
        json!({"agent_settings": {}, "conversation_settings": {}, "active_profile": 7}),
        json!([1, 2, 3]),
    ] {
        overwrite_settings_doc(&app, garbage.clone()).await;
        for mode in [None, Some("plaintext"), Some("encrypted")] {
            let (status, body) = get_settings(&app, mode).await;
            assert_eq!(status, 200, "{garbage} {mode:?}");
            assert_json_eq_ordered(&body, &expected_defaults(&body));
        }
    }
    app.stop().await;
}

async fn a_trailing_slash_redirects_to_the_path_without_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let response = app
        .request(Method::GET, "/api/settings/")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(response.headers()["location"], "/api/settings");
    assert_eq!(response.text().await.unwrap(), "");
    app.stop().await;
}

async fn an_unknown_llm_profile_is_404(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let expected = (404, json!({"detail": "Profile 'nope' not found"}));
    assert_eq!(
        send(app.request(Method::GET, "/api/profiles/nope")).await,
        expected
    );
    let plaintext = app
        .request(Method::GET, "/api/profiles/nope")
        .header("X-Expose-Secrets", "plaintext");
    assert_eq!(send(plaintext).await, expected);
    app.stop().await;
}

both_backends!(
    a_fresh_server_answers_the_original_defaults_without_schema_version,
    a_stored_key_reads_masked_without_the_header_and_unset_secrets_stay_null,
    plaintext_in_any_letter_case_returns_the_exact_stored_key,
    encrypted_returns_a_fresh_fernet_token_that_decrypts_to_the_stored_key,
    the_legacy_value_true_means_encrypted_and_never_plaintext,
    an_unknown_header_value_is_400_naming_the_lowercased_value,
    without_oh_secret_key_encrypted_mode_uses_a_key_derived_from_the_master_key,
    llm_api_key_is_set_follows_the_stored_key_in_every_mode,
    an_unreadable_stored_document_reads_as_the_defaults,
    a_trailing_slash_redirects_to_the_path_without_it,
    an_unknown_llm_profile_is_404,
);
