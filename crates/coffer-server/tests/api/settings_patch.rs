//! `PATCH /api/settings`: checklist items 11–28 of `shared/spec/openhands.md` §13, against
//! the recorded transcripts T#7, T#14–T#19 and T#101–T#119. (Item 20, copying an LLM
//! profile into `llm`, has no counterpart: coffer stores no LLM profiles yet, so every
//! profile name is unknown.)

use coffer_core::domain::{Scope, SettingsRecord};
use coffer_core::event::{Event, EventKind};
use coffer_core::settings::AGENT_SETTINGS_KEY;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, OH_SECRET_KEY, TestApp, fernet_decrypt, get_settings, overwrite_settings_doc,
    patch_settings, send,
};
use crate::settings_get::{assert_json_eq_ordered, expected_defaults};

const EMPTY_UPDATE: &str = "At least one of agent_settings_diff, conversation_settings_diff, misc_settings_diff, active_profile, active_agent_profile_id, or active_meta_profile must be provided";
const SETTINGS_CORRUPT: &str = "Settings file is corrupted or encrypted with a different key: restore that key as OH_SECRET_KEY or add it to OH_PREVIOUS_SECRET_KEYS";

/// `PATCH /api/settings`, returning the raw body text.
async fn patch_text(app: &TestApp, body: &Value) -> (u16, String) {
    let response = app
        .request(Method::PATCH, "/api/settings")
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn stored(app: &TestApp) -> SettingsRecord {
    app.store
        .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
        .await
        .unwrap()
        .expect("a stored settings document")
}

async fn settings_events(app: &TestApp) -> Vec<Event> {
    let events = app.store.list_events(0, 10_000).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.kind == EventKind::SettingsUpdated)
        .collect()
}

async fn plaintext_llm(app: &TestApp) -> Value {
    let (status, body) = get_settings(app, Some("plaintext")).await;
    assert_eq!(status, 200);
    body["agent_settings"]["llm"].clone()
}

async fn ok(app: &TestApp, body: Value) -> Value {
    let (status, answer) = patch_settings(app, body.clone()).await;
    assert_eq!(status, 200, "{body} -> {answer}");
    answer
}

async fn an_llm_diff_sets_model_and_key_and_the_answer_is_masked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // T#7
    let answer = ok(&app, json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-test-plain-123", "base_url": "http://127.0.0.1:9/v1"}}})).await;
    let mut expected = expected_defaults(&answer);
    expected["agent_settings"]["llm"]["model"] = json!("openai/gpt-4o-mini");
    expected["agent_settings"]["llm"]["api_key"] = json!("**********");
    expected["agent_settings"]["llm"]["base_url"] = json!("http://127.0.0.1:9/v1");
    expected["llm_api_key_is_set"] = json!(true);
    assert_json_eq_ordered(&answer, &expected);
    // T#8: a later GET answers the same.
    assert_json_eq_ordered(&get_settings(&app, None).await.1, &expected);
    // Item 11 verbatim.
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "gpt-4o", "api_key": "sk-new-key"}}}),
    )
    .await;
    assert_eq!(answer["agent_settings"]["llm"]["model"], "gpt-4o");
    assert_eq!(answer["agent_settings"]["llm"]["api_key"], "**********");
    assert_eq!(answer["llm_api_key_is_set"], true);
    app.stop().await;
}

async fn two_diffs_deep_merge_and_both_persist(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "gpt-4o"}}}),
    )
    .await;
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": "sk-new-key"}}}),
    )
    .await;
    let llm = plaintext_llm(&app).await;
    assert_eq!(
        (&llm["model"], &llm["api_key"]),
        (&json!("gpt-4o"), &json!("sk-new-key"))
    );
    assert_eq!(llm["base_url"], Value::Null);
    assert_eq!(llm["num_retries"], 5);
    app.stop().await;
}

async fn a_body_naming_no_field_is_400_and_stores_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for body in [
        json!({}),
        json!({"foo": 1}),
        json!({"agent_settings_diff": null, "conversation_settings_diff": null, "misc_settings_diff": null}),
    ] {
        assert_eq!(
            patch_settings(&app, body.clone()).await,
            (400, json!({"detail": EMPTY_UPDATE})),
            "{body}"
        );
    }
    assert!(
        app.store
            .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
            .await
            .unwrap()
            .is_none()
    );
    assert!(settings_events(&app).await.is_empty());
    app.stop().await;
}

async fn an_empty_agent_settings_diff_is_accepted_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}}}),
    )
    .await;
    let (_, before) = get_settings(&app, None).await;
    let answer = ok(&app, json!({"agent_settings_diff": {}})).await;
    assert_json_eq_ordered(&answer, &before);
    assert_json_eq_ordered(&get_settings(&app, None).await.1, &before);
    assert_eq!(plaintext_llm(&app).await["api_key"], "sk-1");
    app.stop().await;
}

async fn an_invalid_result_is_422_with_a_generic_message_that_never_echoes_a_secret(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}}}),
    )
    .await;
    let (_, before) = get_settings(&app, Some("plaintext")).await;
    let events_before = settings_events(&app).await.len();
    for body in [
        json!({"conversation_settings_diff": {"max_iterations": -5}}),
        json!({"conversation_settings_diff": {"max_iterations": 0}}),
        json!({"conversation_settings_diff": {"confirmation_mode": null}}),
        json!({"conversation_settings_diff": {"security_analyzer": "bogus"}}),
        json!({"agent_settings_diff": {"llm": "not-an-object"}}),
        json!({"agent_settings_diff": {"llm": {"model": "", "api_key": "sk-secret-value"}}}),
        json!({"agent_settings_diff": {"llm": {"num_retries": "five", "api_key": "sk-secret-value"}}}),
        json!({"agent_settings_diff": {"agent_kind": "martian", "llm": {"api_key": "sk-secret-value"}}}),
        // A secret field holds a string or nothing: any other JSON would be kept unsealed.
        json!({"agent_settings_diff": {"llm": {"api_key": {"nested": "sk-secret-value"}}}}),
        json!({"agent_settings_diff": {"llm": {"api_key": ["sk-secret-value"]}}}),
        json!({"agent_settings_diff": {"llm": {"aws_secret_access_key": 12345}}}),
        json!({"agent_settings_diff": {"verification": {"critic_api_key": {"k": "sk-secret-value"}}}}),
        json!({"agent_settings_diff": {"agent_context": {"secrets": {"X": {"value": {"v": "sk-secret-value"}}}}}}),
        json!({"agent_settings_diff": {"agent_context": {"secrets": {"X": ["sk-secret-value"]}}}}),
    ] {
        let (status, text) = patch_text(&app, &body).await;
        assert_eq!(
            (status, text.as_str()),
            (422, r#"{"detail":"Settings validation failed"}"#),
            "{body}"
        );
        assert!(!text.contains("sk-secret-value"));
    }
    let (_, after) = get_settings(&app, Some("plaintext")).await;
    assert_json_eq_ordered(&after, &before);
    assert_eq!(settings_events(&app).await.len(), events_before);
    app.stop().await;
}

async fn a_diff_that_is_not_an_object_is_a_422_validation_list(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // T#113
    assert_eq!(
        patch_text(&app, &json!({"agent_settings_diff": "x"})).await,
        (
            422,
            r#"{"detail":[{"type":"dict_type","loc":["body","agent_settings_diff"],"msg":"Input should be a valid dictionary","input":"x"}]}"#.to_owned()
        )
    );
    for field in ["conversation_settings_diff", "misc_settings_diff"] {
        let expected = json!({"detail": [{"type": "dict_type", "loc": ["body", field], "msg": "Input should be a valid dictionary", "input": [1]}]});
        assert_eq!(
            patch_settings(&app, json!({field: [1]})).await,
            (422, expected)
        );
    }
    assert!(
        app.store
            .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}

async fn misc_settings_deep_merge_with_lists_replaced_and_nested_nulls_deleted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // T#19
    let answer = ok(&app, json!({"misc_settings_diff": {"theme": "dark"}})).await;
    assert_eq!(answer["misc_settings"], json!({"theme": "dark"}));
    ok(&app, json!({"misc_settings_diff": {"ui": {"a": 1, "b": {"c": 2}, "keep": true}, "tabs": [1, 2, 3], "n": 1.5}})).await;
    let answer = ok(
        &app,
        json!({"misc_settings_diff": {
            "ui": {"a": null, "b": {"d": 3}, "missing": null},
            "tabs": [9],
            "fresh": {"k": null, "s": "x"},
            "theme": null
        }}),
    )
    .await;
    let expected = json!({
        "theme": null,
        "ui": {"b": {"c": 2, "d": 3}, "keep": true},
        "tabs": [9],
        "n": 1.5,
        "fresh": {"k": null, "s": "x"}
    });
    assert_eq!(answer["misc_settings"], expected);
    assert_eq!(get_settings(&app, None).await.1["misc_settings"], expected);
    app.stop().await;
}

async fn a_misc_only_patch_does_not_clobber_agent_settings(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(&app, json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}, "agent_context": {"load_memory": true}}})).await;
    let (_, before) = get_settings(&app, Some("plaintext")).await;
    let answer = ok(
        &app,
        json!({"misc_settings_diff": {"anything": [1, {"x": "y"}, null, true]}}),
    )
    .await;
    assert_eq!(answer["llm_api_key_is_set"], true);
    let (_, after) = get_settings(&app, Some("plaintext")).await;
    assert_json_eq_ordered(&after["agent_settings"], &before["agent_settings"]);
    assert_json_eq_ordered(
        &after["conversation_settings"],
        &before["conversation_settings"],
    );
    assert_eq!(
        after["misc_settings"],
        json!({"anything": [1, {"x": "y"}, null, true]})
    );
    app.stop().await;
}

async fn a_nested_agent_context_flag_round_trips(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, before) = get_settings(&app, None).await;
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"agent_context": {"load_memory": true}}}),
    )
    .await;
    assert_eq!(
        answer["agent_settings"]["agent_context"]["load_memory"],
        true
    );
    let (_, after) = get_settings(&app, None).await;
    let mut expected = before["agent_settings"]["agent_context"].clone();
    expected["load_memory"] = json!(true);
    expected["current_datetime"] =
        after["agent_settings"]["agent_context"]["current_datetime"].clone();
    assert_json_eq_ordered(&after["agent_settings"]["agent_context"], &expected);
    app.stop().await;
}

async fn active_profile_is_cleared_by_null_and_bad_or_unknown_names_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let answer = ok(&app, json!({"active_profile": null})).await;
    assert_eq!(answer["active_profile"], Value::Null);
    assert_eq!(
        get_settings(&app, None).await.1["active_profile"],
        Value::Null
    );
    assert_eq!(stored(&app).await.doc["active_profile"], Value::Null);
    // T#117
    assert_eq!(
        patch_text(&app, &json!({"active_profile": "not a valid profile"})).await,
        (
            422,
            r#"{"detail":[{"type":"string_pattern_mismatch","loc":["body","active_profile"],"msg":"String should match pattern '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'","input":"not a valid profile","ctx":{"pattern":"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}}]}"#.to_owned()
        )
    );
    let too_long = "a".repeat(65);
    let (status, body) = patch_settings(&app, json!({"active_profile": too_long})).await;
    assert_eq!(
        (status, &body["detail"][0]["type"]),
        (422, &json!("string_pattern_mismatch"))
    );
    // T#116
    assert_eq!(
        patch_settings(&app, json!({"active_profile": "nope"})).await,
        (404, json!({"detail": "Profile 'nope' not found"}))
    );
    assert_eq!(settings_events(&app).await.len(), 1);
    app.stop().await;
}

async fn active_agent_profile_id_must_be_the_uuid_of_a_known_profile(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (status, body) =
        patch_settings(&app, json!({"active_agent_profile_id": "not-a-uuid"})).await;
    assert_eq!(status, 422);
    let items = body["detail"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["type"], "uuid_parsing");
    assert_eq!(items[0]["loc"], json!(["body", "active_agent_profile_id"]));
    assert_eq!(items[0]["input"], "not-a-uuid");
    assert!(
        items[0]["msg"]
            .as_str()
            .unwrap()
            .starts_with("Input should be a valid UUID, "),
        "{body}"
    );
    let (status, body) = patch_settings(&app, json!({"active_agent_profile_id": 7})).await;
    assert_eq!(
        (status, &body["detail"][0]["loc"]),
        (422, &json!(["body", "active_agent_profile_id"]))
    );
    let id = "0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    assert_eq!(
        patch_settings(&app, json!({"active_agent_profile_id": id})).await,
        (
            404,
            json!({"detail": "Agent profile with id '0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' not found"})
        )
    );
    assert!(
        app.store
            .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
            .await
            .unwrap()
            .is_none()
    );
    let answer = ok(&app, json!({"active_agent_profile_id": null})).await;
    assert_eq!(answer["active_agent_profile_id"], Value::Null);
    assert_eq!(
        get_settings(&app, None).await.1["active_agent_profile_id"],
        Value::Null
    );
    app.stop().await;
}

async fn active_meta_profile_must_name_a_known_meta_profile(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(
        patch_settings(&app, json!({"active_meta_profile": "x"})).await,
        (404, json!({"detail": "Meta-profile 'x' not found"}))
    );
    let (status, body) = patch_settings(&app, json!({"active_meta_profile": "not valid"})).await;
    assert_eq!(
        (status, &body["detail"][0]["type"]),
        (422, &json!("string_pattern_mismatch"))
    );
    assert_eq!(
        body["detail"][0]["loc"],
        json!(["body", "active_meta_profile"])
    );
    let answer = ok(&app, json!({"active_meta_profile": null})).await;
    assert_eq!(answer["active_meta_profile"], Value::Null);
    assert_eq!(
        get_settings(&app, None).await.1["active_meta_profile"],
        Value::Null
    );
    app.stop().await;
}

async fn a_stored_document_without_the_newer_pointer_fields_reads_them_as_null(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m-old"}}}),
    )
    .await;
    let mut doc = stored(&app).await.doc;
    for field in ["active_agent_profile_id", "active_meta_profile"] {
        doc.as_object_mut().unwrap().shift_remove(field);
    }
    overwrite_settings_doc(&app, doc).await;
    let (status, body) = get_settings(&app, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["agent_settings"]["llm"]["model"], "m-old");
    assert_eq!(
        (
            &body["active_agent_profile_id"],
            &body["active_meta_profile"]
        ),
        (&Value::Null, &Value::Null)
    );
    let answer = ok(&app, json!({"misc_settings_diff": {"k": 1}})).await;
    assert_eq!(answer["agent_settings"]["llm"]["model"], "m-old");
    app.stop().await;
}

async fn mcp_env_and_header_values_are_masked_shown_in_plaintext_and_sealed_at_rest(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let answer = ok(&app, json!({"agent_settings_diff": {"mcp_config": {
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"FETCH_TOKEN": "tok-abc"}},
        "remote": {"url": "https://mcp.example/sse", "headers": {"Authorization": "Bearer hdr-secret"}}
    }}}))
    .await;
    // T#17: compact servers, `enabled` written, values masked.
    let masked = json!({
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"FETCH_TOKEN": "**********"}, "enabled": true},
        "remote": {"url": "https://mcp.example/sse", "headers": {"Authorization": "**********"}, "enabled": true}
    });
    assert_json_eq_ordered(&answer["agent_settings"]["mcp_config"], &masked);
    assert_eq!(answer["llm_api_key_is_set"], false);
    assert_json_eq_ordered(
        &get_settings(&app, None).await.1["agent_settings"]["mcp_config"],
        &masked,
    );
    // T#18
    let plain = json!({
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"FETCH_TOKEN": "tok-abc"}, "enabled": true},
        "remote": {"url": "https://mcp.example/sse", "headers": {"Authorization": "Bearer hdr-secret"}, "enabled": true}
    });
    assert_json_eq_ordered(
        &get_settings(&app, Some("plaintext")).await.1["agent_settings"]["mcp_config"],
        &plain,
    );
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let mcp = &encrypted["agent_settings"]["mcp_config"];
    let env_token = mcp["fetch"]["env"]["FETCH_TOKEN"].as_str().unwrap();
    let header_token = mcp["remote"]["headers"]["Authorization"].as_str().unwrap();
    assert_eq!(
        fernet_decrypt(OH_SECRET_KEY, env_token).as_deref(),
        Some("tok-abc")
    );
    assert_eq!(
        fernet_decrypt(OH_SECRET_KEY, header_token).as_deref(),
        Some("Bearer hdr-secret")
    );

    // At rest: the values are only in `sealed`, under their pointers; `doc` holds null.
    let env_ptr = "/agent_settings/mcp_config/fetch/env/FETCH_TOKEN";
    let header_ptr = "/agent_settings/mcp_config/remote/headers/Authorization";
    let record = stored(&app).await;
    assert_eq!(
        record.sealed.keys().map(String::as_str).collect::<Vec<_>>(),
        [env_ptr, header_ptr]
    );
    assert_eq!(record.doc.pointer(env_ptr), Some(&Value::Null));
    assert_eq!(record.doc.pointer(header_ptr), Some(&Value::Null));
    let doc_text = serde_json::to_string(&record.doc).unwrap();
    for plaintext in ["tok-abc", "hdr-secret"] {
        assert!(!doc_text.contains(plaintext));
        for sealed in record.sealed.values() {
            assert!(
                !sealed
                    .windows(plaintext.len())
                    .any(|w| w == plaintext.as_bytes())
            );
        }
    }

    // T#119: deleting the last env key removes `env`.
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"mcp_config": {"fetch": {"env": {"FETCH_TOKEN": null}}}}}),
    )
    .await;
    assert_json_eq_ordered(
        &answer["agent_settings"]["mcp_config"]["fetch"],
        &json!({"command": "uvx", "args": ["mcp-server-fetch"], "enabled": true}),
    );
    assert_eq!(
        stored(&app)
            .await
            .sealed
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [header_ptr]
    );
    // A null on a whole server deletes it.
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"mcp_config": {"remote": null}}}),
    )
    .await;
    assert_json_eq_ordered(
        &answer["agent_settings"]["mcp_config"],
        &json!({"fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "enabled": true}}),
    );
    assert!(stored(&app).await.sealed.is_empty());
    app.stop().await;
}

async fn an_encrypted_token_sent_back_is_stored_as_its_plaintext(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {
            "llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-test-plain-123"},
            "mcp_config": {"fetch": {"command": "uvx", "env": {"FETCH_TOKEN": "tok-abc"}}}
        }}),
    )
    .await;
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let key_token = encrypted["agent_settings"]["llm"]["api_key"].clone();
    let env_token =
        encrypted["agent_settings"]["mcp_config"]["fetch"]["env"]["FETCH_TOKEN"].clone();
    ok(&app, json!({"agent_settings_diff": {"llm": {"api_key": "sk-changed"}, "mcp_config": {"fetch": {"env": {"FETCH_TOKEN": "tok-changed"}}}}})).await;
    // T#101: the token goes back; the answer is masked.
    let answer = ok(&app, json!({"agent_settings_diff": {"llm": {"api_key": key_token}, "mcp_config": {"fetch": {"env": {"FETCH_TOKEN": env_token}}}}})).await;
    assert_eq!(answer["agent_settings"]["llm"]["api_key"], "**********");
    // T#102: the original plaintext, not the token (not double-encrypted).
    let (_, plain) = get_settings(&app, Some("plaintext")).await;
    assert_eq!(
        plain["agent_settings"]["llm"]["api_key"],
        "sk-test-plain-123"
    );
    assert_eq!(
        plain["agent_settings"]["mcp_config"]["fetch"]["env"]["FETCH_TOKEN"],
        "tok-abc"
    );
    // A token that opens under no configured key clears the field.
    let foreign =
        coffer_crypto::FernetKey::from_secret_key("some-other-key").encrypt(b"sk-foreign");
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": foreign}}}),
    )
    .await;
    assert_eq!(answer["agent_settings"]["llm"]["api_key"], Value::Null);
    assert_eq!(answer["llm_api_key_is_set"], false);
    assert_eq!(plaintext_llm(&app).await["api_key"], Value::Null);
    app.stop().await;
}

async fn the_mask_and_blank_values_clear_the_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for cleared in ["**********", "", "  "] {
        ok(&app, json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-test-plain-123"}}})).await;
        // T#103
        let answer = ok(
            &app,
            json!({"agent_settings_diff": {"llm": {"api_key": cleared}}}),
        )
        .await;
        assert_eq!(
            answer["agent_settings"]["llm"]["api_key"],
            Value::Null,
            "{cleared:?}"
        );
        assert_eq!(answer["llm_api_key_is_set"], false);
        // T#104
        let llm = plaintext_llm(&app).await;
        assert_eq!(
            (&llm["api_key"], &llm["model"]),
            (&Value::Null, &json!("openai/gpt-4o-mini")),
            "{cleared:?}"
        );
        assert!(
            !stored(&app)
                .await
                .sealed
                .contains_key("/agent_settings/llm/api_key")
        );
    }
    // In an MCP env map a masked entry is dropped.
    ok(&app, json!({"agent_settings_diff": {"mcp_config": {"s": {"command": "c", "env": {"A": "a", "B": "b"}}}}})).await;
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"mcp_config": {"s": {"env": {"A": "**********"}}}}}),
    )
    .await;
    assert_eq!(
        answer["agent_settings"]["mcp_config"]["s"]["env"],
        json!({"B": "**********"})
    );
    let (_, plain) = get_settings(&app, Some("plaintext")).await;
    assert_eq!(
        plain["agent_settings"]["mcp_config"]["s"]["env"],
        json!({"B": "b"})
    );
    app.stop().await;
}

async fn null_clears_the_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-test-plain-123"}}}),
    )
    .await;
    // T#106
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"api_key": null}}}),
    )
    .await;
    assert_eq!(
        (
            &answer["agent_settings"]["llm"]["api_key"],
            &answer["llm_api_key_is_set"]
        ),
        (&Value::Null, &json!(false))
    );
    let llm = plaintext_llm(&app).await;
    assert_eq!(
        (&llm["api_key"], &llm["model"]),
        (&Value::Null, &json!("m1"))
    );
    assert!(stored(&app).await.sealed.is_empty());
    app.stop().await;
}

async fn a_temperature_only_diff_keeps_the_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-keep-me"}}}),
    )
    .await;
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"temperature": 0.1}}}),
    )
    .await;
    assert_eq!(answer["llm_api_key_is_set"], true);
    let llm = plaintext_llm(&app).await;
    assert_eq!(
        (&llm["api_key"], &llm["temperature"], &llm["model"]),
        (&json!("sk-keep-me"), &json!(0.1), &json!("m1"))
    );
    // A null resets an optional field to its default.
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"temperature": null}}}),
    )
    .await;
    let llm = plaintext_llm(&app).await;
    assert_eq!(
        (&llm["api_key"], &llm["temperature"]),
        (&json!("sk-keep-me"), &Value::Null)
    );
    app.stop().await;
}

async fn switching_agent_kind_starts_from_the_new_kinds_defaults(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(&app, json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}, "mcp_config": {"s": {"command": "c"}}}})).await;
    let answer = ok(&app, json!({"agent_settings_diff": {"agent_kind": "acp"}})).await;
    assert_eq!(answer["agent_settings"]["agent_kind"], "acp");
    assert!(answer["agent_settings"].get("llm").is_none(), "{answer}");
    assert_eq!(
        answer["agent_settings"]["mcp_config"],
        json!({}),
        "nothing carries over"
    );
    assert_eq!(answer["llm_api_key_is_set"], false);
    let (_, plain) = get_settings(&app, Some("plaintext")).await;
    assert_json_eq_ordered(&plain["agent_settings"], &answer["agent_settings"]);
    assert_eq!(plain["llm_api_key_is_set"], false);
    assert!(stored(&app).await.sealed.is_empty());
    // Same-kind diffs merge after a switch.
    ok(
        &app,
        json!({"agent_settings_diff": {"acp_command": "my-agent"}}),
    )
    .await;
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"acp_args": ["--fast"]}}),
    )
    .await;
    assert_eq!(
        (
            &answer["agent_settings"]["acp_command"],
            &answer["agent_settings"]["acp_args"]
        ),
        (&json!("my-agent"), &json!(["--fast"]))
    );
    // Back to openhands: the defaults, not the old llm.
    let answer = ok(
        &app,
        json!({"agent_settings_diff": {"agent_kind": "openhands"}}),
    )
    .await;
    assert_json_eq_ordered(
        &answer["agent_settings"],
        &expected_defaults(&answer)["agent_settings"],
    );
    assert_eq!(answer["llm_api_key_is_set"], false);
    let llm = plaintext_llm(&app).await;
    assert_eq!(
        (&llm["model"], &llm["api_key"]),
        (&json!("gpt-5.6"), &Value::Null)
    );
    // A switch with fields applies them to the fresh variant.
    ok(&app, json!({"agent_settings_diff": {"agent_kind": "acp"}})).await;
    let answer = ok(&app, json!({"agent_settings_diff": {"agent_kind": "openhands", "llm": {"model": "m2", "api_key": "sk-2"}}})).await;
    assert_eq!(
        (
            &answer["agent_settings"]["llm"]["model"],
            &answer["llm_api_key_is_set"]
        ),
        (&json!("m2"), &json!(true))
    );
    app.stop().await;
}

async fn unknown_keys_in_the_diff_are_ignored(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}}}),
    )
    .await;
    let (_, before) = get_settings(&app, None).await;
    // T#110
    let answer = ok(&app, json!({"agent_settings_diff": {"bogus_field": 1, "llm": {"bogus_llm_field": 2}, "condenser": {"nope": 3}}})).await;
    assert_json_eq_ordered(&answer, &before);
    assert_json_eq_ordered(&get_settings(&app, None).await.1, &before);
    let doc_text = serde_json::to_string(&stored(&app).await.doc).unwrap();
    assert!(
        !doc_text.contains("bogus") && !doc_text.contains("nope"),
        "{doc_text}"
    );
    // Unknown top-level keys beside a known one are ignored too.
    ok(&app, json!({"misc_settings_diff": {"a": 1}, "foo": 1})).await;
    app.stop().await;
}

async fn ten_concurrent_patches_all_succeed_and_one_of_them_wins(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let models: Vec<String> = (0..10).map(|i| format!("model-{i}")).collect();
    let tasks: Vec<_> = models
        .iter()
        .map(|model| {
            let req = app
                .request(Method::PATCH, "/api/settings")
                .json(&json!({"agent_settings_diff": {"llm": {"model": model, "api_key": format!("sk-{model}")}}}));
            tokio::spawn(send(req))
        })
        .collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let llm = plaintext_llm(&app).await;
    let model = llm["model"].as_str().unwrap();
    assert!(models.iter().any(|m| m == model), "{model}");
    assert_eq!(
        llm["api_key"],
        format!("sk-{model}"),
        "model and key come from the same write"
    );
    let mut versions: Vec<i64> = settings_events(&app)
        .await
        .iter()
        .map(|e| e.version)
        .collect();
    versions.sort_unstable();
    assert_eq!(
        versions,
        (1..=10).collect::<Vec<i64>>(),
        "ten writes, none lost"
    );
    app.stop().await;
}

async fn the_patch_answer_is_masked_even_when_plaintext_is_asked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(&app, json!({"agent_settings_diff": {"llm": {"api_key": "sk-test-plain-123"}, "mcp_config": {"s": {"command": "c", "env": {"T": "tok"}}}}})).await;
    for header in ["plaintext", "encrypted", "true"] {
        // T#108
        let req = app
            .request(Method::PATCH, "/api/settings")
            .header("X-Expose-Secrets", header)
            .json(&json!({"agent_settings_diff": {"llm": {"temperature": 0.1}}}));
        let (status, body) = send(req).await;
        assert_eq!(status, 200, "{header}");
        assert_eq!(
            body["agent_settings"]["llm"]["api_key"], "**********",
            "{header}"
        );
        assert_eq!(
            body["agent_settings"]["mcp_config"]["s"]["env"]["T"], "**********",
            "{header}"
        );
        assert!(!body.to_string().contains("sk-test-plain-123"));
    }
    app.stop().await;
}

async fn every_successful_patch_appends_one_settings_updated_event(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut published = app.core.events().subscribe();
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1"}}}),
    )
    .await;
    assert_eq!(patch_settings(&app, json!({})).await.0, 400);
    assert_eq!(
        patch_settings(
            &app,
            json!({"conversation_settings_diff": {"max_iterations": -5}})
        )
        .await
        .0,
        422
    );
    assert_eq!(
        patch_settings(&app, json!({"active_profile": "nope"}))
            .await
            .0,
        404
    );
    ok(&app, json!({"misc_settings_diff": {"a": 1}})).await;
    ok(&app, json!({"active_profile": null})).await;
    let events = settings_events(&app).await;
    let seen: Vec<(&str, &str, i64, &str)> = events
        .iter()
        .map(|e| {
            (
                e.scope.as_str(),
                e.name.as_str(),
                e.version,
                e.actor.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("global", "agent", 1, "session-key:0"),
            ("global", "agent", 2, "session-key:0"),
            ("global", "agent", 3, "session-key:0")
        ]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    // The same events, as recorded, are published to watchers.
    for event in &events {
        assert_eq!(&published.try_recv().unwrap(), event);
    }
    assert!(published.try_recv().is_err());
    app.stop().await;
}

async fn a_patch_over_an_unreadable_document_is_409_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    ok(
        &app,
        json!({"agent_settings_diff": {"llm": {"model": "m1", "api_key": "sk-1"}}}),
    )
    .await;
    overwrite_settings_doc(&app, json!("corrupt")).await;
    let version = stored(&app).await.version;
    // T#505
    assert_eq!(
        patch_settings(
            &app,
            json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4.1"}}})
        )
        .await,
        (409, json!({"detail": SETTINGS_CORRUPT}))
    );
    let record = stored(&app).await;
    assert_eq!((record.doc, record.version), (json!("corrupt"), version));
    let (status, body) = get_settings(&app, None).await;
    assert_eq!(status, 200);
    assert_json_eq_ordered(&body, &expected_defaults(&body));
    app.stop().await;
}

async fn agent_context_secrets_are_masked_and_sealed_as_strings_and_as_secret_sources(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let answer = ok(&app, json!({"agent_settings_diff": {"agent_context": {"secrets": {
        "PLAIN": "plain-a",
        "STATIC": {"kind": "StaticSecret", "value": "static-b"},
        "LOOKUP": {"kind": "LookupSecret", "url": "https://vault.example/x", "headers": {"Authorization": "Bearer lookup-c"}}
    }}}}))
    .await;
    let masked = json!({
        "PLAIN": "**********",
        "STATIC": {"kind": "StaticSecret", "value": "**********"},
        "LOOKUP": {"kind": "LookupSecret", "url": "https://vault.example/x", "headers": {"Authorization": "**********"}}
    });
    assert_json_eq_ordered(
        &answer["agent_settings"]["agent_context"]["secrets"],
        &masked,
    );
    assert_json_eq_ordered(
        &get_settings(&app, None).await.1["agent_settings"]["agent_context"]["secrets"],
        &masked,
    );
    let (_, plain) = get_settings(&app, Some("plaintext")).await;
    let secrets = &plain["agent_settings"]["agent_context"]["secrets"];
    assert_eq!(secrets["PLAIN"], "plain-a");
    assert_eq!(secrets["STATIC"]["value"], "static-b");
    assert_eq!(
        secrets["LOOKUP"]["headers"]["Authorization"],
        "Bearer lookup-c"
    );
    let record = stored(&app).await;
    assert_eq!(
        record.sealed.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "/agent_settings/agent_context/secrets/LOOKUP/headers/Authorization",
            "/agent_settings/agent_context/secrets/PLAIN",
            "/agent_settings/agent_context/secrets/STATIC/value",
        ]
    );
    let doc_text = serde_json::to_string(&record.doc).unwrap();
    for plaintext in ["plain-a", "static-b", "lookup-c"] {
        assert!(!doc_text.contains(plaintext), "{doc_text}");
    }
    app.stop().await;
}

both_backends!(
    an_llm_diff_sets_model_and_key_and_the_answer_is_masked,
    two_diffs_deep_merge_and_both_persist,
    a_body_naming_no_field_is_400_and_stores_nothing,
    an_empty_agent_settings_diff_is_accepted_and_changes_nothing,
    an_invalid_result_is_422_with_a_generic_message_that_never_echoes_a_secret,
    a_diff_that_is_not_an_object_is_a_422_validation_list,
    misc_settings_deep_merge_with_lists_replaced_and_nested_nulls_deleted,
    a_misc_only_patch_does_not_clobber_agent_settings,
    a_nested_agent_context_flag_round_trips,
    active_profile_is_cleared_by_null_and_bad_or_unknown_names_are_refused,
    active_agent_profile_id_must_be_the_uuid_of_a_known_profile,
    active_meta_profile_must_name_a_known_meta_profile,
    a_stored_document_without_the_newer_pointer_fields_reads_them_as_null,
    mcp_env_and_header_values_are_masked_shown_in_plaintext_and_sealed_at_rest,
    agent_context_secrets_are_masked_and_sealed_as_strings_and_as_secret_sources,
    an_encrypted_token_sent_back_is_stored_as_its_plaintext,
    the_mask_and_blank_values_clear_the_key,
    null_clears_the_key,
    a_temperature_only_diff_keeps_the_key,
    switching_agent_kind_starts_from_the_new_kinds_defaults,
    unknown_keys_in_the_diff_are_ignored,
    ten_concurrent_patches_all_succeed_and_one_of_them_wins,
    the_patch_answer_is_masked_even_when_plaintext_is_asked,
    every_successful_patch_appends_one_settings_updated_event,
    a_patch_over_an_unreadable_document_is_409_and_changes_nothing,
);
