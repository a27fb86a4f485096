//! The secrets routes (spec §6, checklist items 30–42 that apply to coffer): list, PUT
//! (create or replace), GET one (the raw value as text), DELETE, the name rule, the
//! empty/redacted value rule, ordering, and the event row every write leaves behind.

use coffer_core::event::{Event, EventKind};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, OH_SECRET_KEY, TestApp, send, send_raw};

pub const INVALID_NAME: &str = "Invalid secret name format. Must start with a letter, contain only letters, numbers, and underscores, and be 1-64 characters long.";
const EMPTY_OR_REDACTED: &str = "Secret value must not be empty or redacted";

fn invalid_name() -> (u16, Value) {
    (422, json!({ "detail": INVALID_NAME }))
}

fn secret_not_found() -> (u16, Value) {
    (404, json!({"detail": "Secret not found"}))
}

async fn put(app: &TestApp, body: Value) -> (u16, Value) {
    send(
        app.request(Method::PUT, "/api/settings/secrets")
            .json(&body),
    )
    .await
}

async fn list(app: &TestApp) -> (u16, Value) {
    send(app.request(Method::GET, "/api/settings/secrets")).await
}

/// GET one secret by an already URL-encoded path segment: (status, content-type, body).
async fn get_one(app: &TestApp, name: &str) -> (u16, Option<String>, Vec<u8>) {
    let raw = send_raw(app.request(Method::GET, &format!("/api/settings/secrets/{name}"))).await;
    (
        raw.status,
        raw.header("content-type").map(str::to_owned),
        raw.body,
    )
}

/// GET one secret that must exist: asserts 200 and the exact content type; the value.
async fn value_of(app: &TestApp, name: &str) -> String {
    let (status, content_type, body) = get_one(app, name).await;
    assert_eq!(status, 200, "GET {name}");
    assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"));
    String::from_utf8(body).expect("UTF-8 value")
}

async fn get_json(app: &TestApp, name: &str) -> (u16, Value) {
    send(app.request(Method::GET, &format!("/api/settings/secrets/{name}"))).await
}

async fn delete(app: &TestApp, name: &str) -> (u16, Value) {
    send(app.request(Method::DELETE, &format!("/api/settings/secrets/{name}"))).await
}

async fn events(app: &TestApp) -> Vec<Event> {
    app.store.list_events(0, 100).await.expect("list events")
}

/// One event of the OpenHands dialect's default principal, on the `global` scope.
fn assert_event(event: &Event, kind: EventKind, name: &str, version: i64) {
    assert_eq!(
        (
            event.kind,
            event.scope.as_str(),
            event.name.as_str(),
            event.version,
            event.actor.as_str()
        ),
        (kind, "global", name, version, "session-key:0"),
        "{event:?}"
    );
}

fn assert_no_value_in(events: &[Event], value: &str) {
    assert!(
        !format!("{events:?}").contains(value),
        "an event carries a secret value"
    );
}

fn names(list: &Value) -> Vec<&str> {
    list["secrets"]
        .as_array()
        .expect("secrets array")
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect()
}

async fn the_list_starts_empty(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(list(&app).await, (200, json!({"secrets": []})));
    app.stop().await;
}

async fn a_put_echoes_name_and_description_and_the_list_has_no_value(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let body = json!({"name": "MY_SECRET", "value": "secret-value", "description": "Test"});
    assert_eq!(
        put(&app, body).await,
        (200, json!({"name": "MY_SECRET", "description": "Test"}))
    );
    assert_eq!(
        list(&app).await,
        (
            200,
            json!({"secrets": [{"name": "MY_SECRET", "description": "Test"}]})
        )
    );

    let events = events(&app).await;
    assert_eq!(events.len(), 1);
    assert_event(&events[0], EventKind::SecretPut, "MY_SECRET", 1);
    assert_no_value_in(&events, "secret-value");
    app.stop().await;
}

async fn a_description_left_out_or_null_is_null(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let omitted = put(&app, json!({"name": "other_secret", "value": "v2"})).await;
    assert_eq!(
        omitted,
        (200, json!({"name": "other_secret", "description": null}))
    );
    let null = put(
        &app,
        json!({"name": "NULL_DESC", "value": "v3", "description": null}),
    )
    .await;
    assert_eq!(
        null,
        (200, json!({"name": "NULL_DESC", "description": null}))
    );
    let expected = json!({"secrets": [
        {"name": "other_secret", "description": null},
        {"name": "NULL_DESC", "description": null},
    ]});
    assert_eq!(list(&app).await, (200, expected));
    app.stop().await;
}

async fn extra_keys_in_a_put_body_are_ignored(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let body = json!({"name": "EXTRA", "value": "v", "description": "d", "foo": "bar"});
    assert_eq!(
        put(&app, body).await,
        (200, json!({"name": "EXTRA", "description": "d"}))
    );
    assert_eq!(value_of(&app, "EXTRA").await, "v");
    app.stop().await;
}

async fn get_one_is_the_exact_raw_value_as_plain_text(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(
        &app,
        json!({"name": "MY_SECRET", "value": "secret-value", "description": "Test"}),
    )
    .await;
    let raw = send_raw(app.request(Method::GET, "/api/settings/secrets/MY_SECRET")).await;
    assert_eq!(raw.status, 200);
    assert_eq!(
        raw.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        raw.body, b"secret-value",
        "no JSON quoting, no trailing newline"
    );
    app.stop().await;
}

async fn an_unknown_name_is_404_secret_not_found(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(get_json(&app, "NOPE").await, secret_not_found());
    put(&app, json!({"name": "PRESENT", "value": "x"})).await;
    assert_eq!(get_json(&app, "NOPE").await, secret_not_found());
    let raw = send_raw(app.request(Method::GET, "/api/settings/secrets/NOPE")).await;
    assert_eq!(raw.header("content-type"), Some("application/json"));
    app.stop().await;
}

async fn names_differing_only_in_case_are_different_secrets(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(&app, json!({"name": "token", "value": "lower"})).await;
    put(&app, json!({"name": "TOKEN", "value": "upper"})).await;
    assert_eq!(value_of(&app, "token").await, "lower");
    assert_eq!(value_of(&app, "TOKEN").await, "upper");
    assert_eq!(get_json(&app, "Token").await, secret_not_found());
    assert_eq!(names(&list(&app).await.1), ["token", "TOKEN"]);
    app.stop().await;
}

async fn a_delete_answers_deleted_true_and_the_secret_is_gone(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(&app, json!({"name": "MY_SECRET", "value": "secret-value"})).await;
    put(&app, json!({"name": "KEPT", "value": "kept-value"})).await;
    assert_eq!(
        delete(&app, "MY_SECRET").await,
        (200, json!({"deleted": true}))
    );
    assert_eq!(get_json(&app, "MY_SECRET").await, secret_not_found());
    assert_eq!(
        list(&app).await,
        (
            200,
            json!({"secrets": [{"name": "KEPT", "description": null}]})
        )
    );
    assert_eq!(value_of(&app, "KEPT").await, "kept-value");

    let events = events(&app).await;
    assert_eq!(events.len(), 3);
    assert_event(&events[2], EventKind::SecretDeleted, "MY_SECRET", 1);
    assert_no_value_in(&events, "secret-value");
    app.stop().await;
}

async fn a_second_delete_is_404(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(&app, json!({"name": "other_secret", "value": "v2"})).await;
    assert_eq!(
        delete(&app, "other_secret").await,
        (200, json!({"deleted": true}))
    );
    assert_eq!(delete(&app, "other_secret").await, secret_not_found());
    assert_eq!(delete(&app, "NEVER_EXISTED").await, secret_not_found());
    let kinds: Vec<EventKind> = events(&app).await.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::SecretPut, EventKind::SecretDeleted],
        "a failed delete records nothing"
    );
    app.stop().await;
}

async fn a_name_of_64_characters_is_accepted_and_65_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let sixty_four = format!("A{}", "b".repeat(63));
    let sixty_five = format!("A{}", "b".repeat(64));
    assert_eq!(
        put(&app, json!({"name": sixty_four, "value": "x"})).await,
        (200, json!({"name": sixty_four, "description": null}))
    );
    assert_eq!(value_of(&app, &sixty_four).await, "x");
    assert_eq!(
        put(&app, json!({"name": sixty_five, "value": "x"})).await,
        invalid_name()
    );
    assert_eq!(get_json(&app, &sixty_five).await, invalid_name());
    assert_eq!(delete(&app, &sixty_five).await, invalid_name());
    assert_eq!(names(&list(&app).await.1), [sixty_four.as_str()]);
    app.stop().await;
}

async fn malformed_names_in_a_put_body_are_422(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let bad = [
        "",
        "123_invalid",
        "invalid-name",
        "bad-name",
        "ABC\n",
        "\nABC",
        "_x",
        "A B",
        "é",
        "Aé",
        "A.B",
        "A/B",
        " A",
    ];
    for name in bad {
        assert_eq!(
            put(&app, json!({"name": name, "value": "x"})).await,
            invalid_name(),
            "{name:?}"
        );
    }
    assert_eq!(list(&app).await, (200, json!({"secrets": []})));
    assert!(
        events(&app).await.is_empty(),
        "a refused write records nothing"
    );
    let ok = put(&app, json!({"name": "VALID_NAME_123", "value": "x"})).await;
    assert_eq!(
        ok,
        (200, json!({"name": "VALID_NAME_123", "description": null}))
    );
    app.stop().await;
}

async fn malformed_names_in_the_path_are_422_for_get_and_delete(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(&app, json!({"name": "ABC", "value": "x"})).await;
    // Already percent-encoded path segments.
    let bad = [
        "123_invalid",
        "invalid-name",
        "1bad",
        "ABC%0A",
        "%0AABC",
        "_x",
        "A%20B",
        "%C3%A9",
        "A.B",
        "ABC%00",
        "%FF",
        "A%FFB",
    ];
    for name in bad {
        assert_eq!(get_json(&app, name).await, invalid_name(), "GET {name}");
        assert_eq!(delete(&app, name).await, invalid_name(), "DELETE {name}");
    }
    assert_eq!(value_of(&app, "ABC").await, "x", "ABC%0A is not ABC");
    assert_eq!(events(&app).await.len(), 1);
    app.stop().await;
}

async fn an_upsert_replaces_value_and_description_and_keeps_the_position(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(
        &app,
        json!({"name": "MY_TOKEN", "value": "tok-value-1", "description": "A test token"}),
    )
    .await;
    put(&app, json!({"name": "other_secret", "value": "v2"})).await;
    let upsert = put(
        &app,
        json!({"name": "MY_TOKEN", "value": "tok-value-2", "description": "Updated"}),
    )
    .await;
    assert_eq!(
        upsert,
        (200, json!({"name": "MY_TOKEN", "description": "Updated"}))
    );
    let expected = json!({"secrets": [
        {"name": "MY_TOKEN", "description": "Updated"},
        {"name": "other_secret", "description": null},
    ]});
    assert_eq!(list(&app).await, (200, expected));
    assert_eq!(value_of(&app, "MY_TOKEN").await, "tok-value-2");

    let events = events(&app).await;
    assert_eq!(events.len(), 3);
    assert_event(&events[0], EventKind::SecretPut, "MY_TOKEN", 1);
    assert_event(&events[1], EventKind::SecretPut, "other_secret", 1);
    assert_event(&events[2], EventKind::SecretPut, "MY_TOKEN", 2);
    assert_no_value_in(&events, "tok-value");
    app.stop().await;
}

async fn an_upsert_without_a_description_clears_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(
        &app,
        json!({"name": "MY_TOKEN", "value": "one", "description": "first"}),
    )
    .await;
    assert_eq!(
        put(&app, json!({"name": "MY_TOKEN", "value": "two"})).await,
        (200, json!({"name": "MY_TOKEN", "description": null}))
    );
    assert_eq!(
        list(&app).await,
        (
            200,
            json!({"secrets": [{"name": "MY_TOKEN", "description": null}]})
        )
    );
    assert_eq!(value_of(&app, "MY_TOKEN").await, "two");
    app.stop().await;
}

async fn a_deleted_and_recreated_secret_moves_to_the_end(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for name in ["A", "B", "C"] {
        put(
            &app,
            json!({"name": name, "value": format!("value-{name}")}),
        )
        .await;
    }
    put(&app, json!({"name": "A", "value": "value-A2"})).await;
    assert_eq!(names(&list(&app).await.1), ["A", "B", "C"]);
    delete(&app, "A").await;
    put(&app, json!({"name": "A", "value": "value-A3"})).await;
    assert_eq!(names(&list(&app).await.1), ["B", "C", "A"]);
    assert_eq!(value_of(&app, "A").await, "value-A3");
    let last = events(&app).await.pop().unwrap();
    assert_event(&last, EventKind::SecretPut, "A", 1);
    app.stop().await;
}

async fn blank_or_redacted_values_are_422_and_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let refused = (422, json!({ "detail": EMPTY_OR_REDACTED }));
    for value in ["", "   ", "\n", "\t \r\n", "**********"] {
        assert_eq!(
            put(&app, json!({"name": "EMPTYV", "value": value})).await,
            refused,
            "{value:?}"
        );
    }
    assert_eq!(list(&app).await, (200, json!({"secrets": []})));

    // Over an existing secret: the stored value and description survive.
    put(
        &app,
        json!({"name": "KEEP", "value": "kept-value", "description": "kept"}),
    )
    .await;
    for value in ["   ", "**********"] {
        assert_eq!(
            put(
                &app,
                json!({"name": "KEEP", "value": value, "description": "new"})
            )
            .await,
            refused
        );
    }
    assert_eq!(value_of(&app, "KEEP").await, "kept-value");
    assert_eq!(
        list(&app).await,
        (
            200,
            json!({"secrets": [{"name": "KEEP", "description": "kept"}]})
        )
    );
    assert_eq!(events(&app).await.len(), 1);

    // Only the exact mask is refused; a value merely containing it is a value.
    for value in ["***********", "x**********"] {
        assert_eq!(
            put(&app, json!({"name": "STARS", "value": value})).await.0,
            200,
            "{value:?}"
        );
        assert_eq!(value_of(&app, "STARS").await, value);
    }
    app.stop().await;
}

async fn the_name_is_checked_before_the_value(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(
        put(&app, json!({"name": "bad-name", "value": "**********"})).await,
        invalid_name()
    );
    app.stop().await;
}

async fn unicode_and_newline_values_round_trip_byte_exactly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let values = [
        "h\u{e9}llo\nworld \u{2603}",
        "  padded on both sides  ",
        "line one\r\nline two\r\n",
        "tab\tand \"quotes\" and \\backslash\\ and {\"json\": true}",
        "emoji \u{1f510} and CJK \u{5bc6}\u{7801} and RTL \u{5e1}\u{5d5}\u{5d3}",
        "nul\u{0}inside",
        "\u{feff}leading BOM",
        "gAAAAA-not-really-a-token",
    ];
    for (i, value) in values.iter().enumerate() {
        let name = format!("V{i}");
        assert_eq!(
            put(&app, json!({"name": name, "value": value})).await.0,
            200,
            "{value:?}"
        );
    }
    for (i, value) in values.iter().enumerate() {
        let (status, content_type, body) = get_one(&app, &format!("V{i}")).await;
        assert_eq!(
            (status, content_type.as_deref()),
            (200, Some("text/plain; charset=utf-8"))
        );
        assert_eq!(body, value.as_bytes(), "{value:?}");
    }
    app.stop().await;
}

async fn a_large_value_round_trips(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let value: String = (0..256 * 1024)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert_eq!(
        put(&app, json!({"name": "BIG", "value": value})).await.0,
        200
    );
    assert_eq!(value_of(&app, "BIG").await, value);
    app.stop().await;
}

async fn x_expose_secrets_is_ignored_on_secret_routes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for expose in ["encrypted", "plaintext", "true", "bogus", ""] {
        let put = app
            .request(Method::PUT, "/api/settings/secrets")
            .header("X-Expose-Secrets", expose)
            .json(&json!({"name": "MY_TOKEN", "value": "tok-value-2", "description": "Updated"}));
        assert_eq!(
            send(put).await,
            (200, json!({"name": "MY_TOKEN", "description": "Updated"})),
            "{expose:?}"
        );
        let one = app
            .request(Method::GET, "/api/settings/secrets/MY_TOKEN")
            .header("X-Expose-Secrets", expose);
        let raw = send_raw(one).await;
        assert_eq!(
            (raw.status, raw.text().as_str()),
            (200, "tok-value-2"),
            "{expose:?}"
        );
        assert_eq!(
            raw.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        let all = app
            .request(Method::GET, "/api/settings/secrets")
            .header("X-Expose-Secrets", expose);
        assert_eq!(
            send(all).await,
            (
                200,
                json!({"secrets": [{"name": "MY_TOKEN", "description": "Updated"}]})
            )
        );
    }
    let gone = app
        .request(Method::DELETE, "/api/settings/secrets/MY_TOKEN")
        .header("X-Expose-Secrets", "bogus");
    assert_eq!(send(gone).await, (200, json!({"deleted": true})));
    app.stop().await;
}

/// The original unwraps a value that is a Fernet token under its own key (T#127/128);
/// coffer deliberately stores and returns any value as it was given.
async fn a_fernet_token_value_is_stored_and_returned_as_is(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let own_key_token =
        coffer_crypto::FernetKey::from_secret_key(OH_SECRET_KEY).encrypt(b"sk-test-plain-123");
    assert!(own_key_token.starts_with("gAAAAA"));
    let foreign_token = "gAAAAABrCRytKxfzVN3VxLa4geq22ShZ1GQE84Hpg-a19Wg5IfVG7T581pZu0LoJG20uW2oDQPuG3qKQQmcTmdWlMBrNQXyCX9oKP0fn5IMUvqqGX0_PORM=";
    for (name, token) in [
        ("TOKENLIKE", own_key_token.as_str()),
        ("FOREIGN", foreign_token),
    ] {
        assert_eq!(
            put(&app, json!({"name": name, "value": token})).await,
            (200, json!({"name": name, "description": null}))
        );
        assert_eq!(value_of(&app, name).await, token);
    }
    app.stop().await;
}

async fn an_unknown_agent_profile_is_404_and_a_malformed_id_422(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(&app, json!({"name": "MY_TOKEN", "value": "v"})).await;
    for id in [
        "00000000-0000-0000-0000-000000000000",
        &uuid::Uuid::new_v4().to_string(),
    ] {
        let req = app.request(
            Method::GET,
            &format!("/api/settings/secrets?agent_profile_id={id}"),
        );
        assert_eq!(
            send(req).await,
            (404, json!({"detail": "Agent profile not found"}))
        );
    }
    for bad in ["not-a-uuid", "0000", "%FF"] {
        let (status, body) = send(app.request(
            Method::GET,
            &format!("/api/settings/secrets?agent_profile_id={bad}"),
        ))
        .await;
        assert_eq!(status, 422, "{bad}: {body}");
        let items = body["detail"].as_array().expect("a validation list");
        assert_eq!(items.len(), 1, "{body}");
        assert_eq!(items[0]["type"], "uuid_parsing", "{body}");
        assert_eq!(items[0]["loc"], json!(["query", "agent_profile_id"]));
        assert!(
            items[0]["msg"]
                .as_str()
                .unwrap()
                .starts_with("Input should be a valid UUID"),
            "{body}"
        );
    }
    app.stop().await;
}

async fn post_on_the_list_is_405_with_an_allow_header(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let req = app
        .request(Method::POST, "/api/settings/secrets")
        .json(&json!({"name": "X", "value": "x"}));
    let raw = send_raw(req).await;
    assert_eq!(raw.status, 405);
    assert_eq!(raw.json(), json!({"detail": "Method Not Allowed"}));
    assert_eq!(raw.header("content-type"), Some("application/json"));
    let allow = raw.header("allow").expect("an allow header");
    assert!(
        allow.split(',').any(|m| m.trim() == "GET"),
        "allow: {allow}"
    );
    assert!(
        !allow.split(',').any(|m| m.trim() == "POST"),
        "allow: {allow}"
    );
    assert_eq!(list(&app).await, (200, json!({"secrets": []})));
    assert!(events(&app).await.is_empty());
    app.stop().await;
}

async fn a_trailing_slash_redirects_to_the_slashless_path(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (path, location) in [
        ("/api/settings/secrets/", "/api/settings/secrets"),
        ("/api/settings/", "/api/settings"),
        (
            "/api/settings/secrets/?agent_profile_id=x",
            "/api/settings/secrets?agent_profile_id=x",
        ),
    ] {
        let raw = send_raw(app.request(Method::GET, path)).await;
        assert_eq!(raw.status, 307, "{path}");
        assert_eq!(raw.header("location"), Some(location), "{path}");
        assert!(raw.body.is_empty());
    }
    app.stop().await;
}

async fn every_write_leaves_one_event_without_the_value(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put(
        &app,
        json!({"name": "AUDITED", "value": "audit-value-1", "description": "d"}),
    )
    .await;
    put(&app, json!({"name": "AUDITED", "value": "audit-value-2"})).await;
    // Reads and refused writes record nothing.
    value_of(&app, "AUDITED").await;
    list(&app).await;
    put(&app, json!({"name": "AUDITED", "value": "**********"})).await;
    put(&app, json!({"name": "bad-name", "value": "audit-value-3"})).await;
    delete(&app, "AUDITED").await;
    delete(&app, "AUDITED").await;

    let events = events(&app).await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_event(&events[0], EventKind::SecretPut, "AUDITED", 1);
    assert_event(&events[1], EventKind::SecretPut, "AUDITED", 2);
    assert_event(&events[2], EventKind::SecretDeleted, "AUDITED", 2);
    assert!(
        events
            .windows(2)
            .all(|w| w[0].id < w[1].id && w[0].at_ms <= w[1].at_ms)
    );
    assert_no_value_in(&events, "audit-value");
    app.stop().await;
}

both_backends!(
    the_list_starts_empty,
    a_put_echoes_name_and_description_and_the_list_has_no_value,
    a_description_left_out_or_null_is_null,
    extra_keys_in_a_put_body_are_ignored,
    get_one_is_the_exact_raw_value_as_plain_text,
    an_unknown_name_is_404_secret_not_found,
    names_differing_only_in_case_are_different_secrets,
    a_delete_answers_deleted_true_and_the_secret_is_gone,
    a_second_delete_is_404,
    a_name_of_64_characters_is_accepted_and_65_refused,
    malformed_names_in_a_put_body_are_422,
    malformed_names_in_the_path_are_422_for_get_and_delete,
    an_upsert_replaces_value_and_description_and_keeps_the_position,
    an_upsert_without_a_description_clears_it,
    a_deleted_and_recreated_secret_moves_to_the_end,
    blank_or_redacted_values_are_422_and_change_nothing,
    the_name_is_checked_before_the_value,
    unicode_and_newline_values_round_trip_byte_exactly,
    a_large_value_round_trips,
    x_expose_secrets_is_ignored_on_secret_routes,
    a_fernet_token_value_is_stored_and_returned_as_is,
    an_unknown_agent_profile_is_404_and_a_malformed_id_422,
    post_on_the_list_is_405_with_an_allow_header,
    a_trailing_slash_redirects_to_the_slashless_path,
    every_write_leaves_one_event_without_the_value,
);
