//! Malformed requests: broken JSON, wrong types, bodies that are not objects, missing
//! fields (whose echoed input must not show secrets), bodies over the limit, odd
//! content types, huge or undecodable paths. None may ever answer 5xx or drop the
//! connection, and none may store anything.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Options, SESSION_KEY, TestApp, raw_http, send, send_raw};
use crate::secrets::INVALID_NAME;

const SECRETS: &str = "/api/settings/secrets";

async fn put_text(app: &TestApp, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let req = app
        .request(Method::PUT, SECRETS)
        .header("content-type", "application/json")
        .body(body);
    send(req).await
}

async fn put_json(app: &TestApp, body: Value) -> (u16, Value) {
    send(app.request(Method::PUT, SECRETS).json(&body)).await
}

/// A 422 with one `json_invalid` item: the exact FastAPI shape, with `ctx.error` (the
/// parser's own wording, which differs from Python's) only required to be a non-empty
/// text. `pos` is checked when given.
fn assert_json_invalid(answer: &(u16, Value), pos: Option<u64>, what: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 422, "{what}: {body}");
    let mut body = body.clone();
    let item = &mut body["detail"][0];
    let error = item["ctx"]["error"].as_str().unwrap_or_default();
    assert!(!error.is_empty(), "{what}: {body}");
    item["ctx"]["error"] = json!("<parser message>");
    let at = item["loc"][1]
        .as_u64()
        .unwrap_or_else(|| panic!("{what}: a character position in {body}"));
    if let Some(pos) = pos {
        assert_eq!(at, pos, "{what}");
    }
    let expected = json!({"detail": [{
        "type": "json_invalid",
        "loc": ["body", at],
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": "<parser message>"},
    }]});
    assert_eq!(body, expected, "{what}");
}

/// Nothing was stored and nothing was recorded.
async fn assert_untouched(app: &TestApp) {
    assert_eq!(
        send(app.request(Method::GET, SECRETS)).await,
        (200, json!({"secrets": []}))
    );
    assert!(
        app.store.list_events(0, 100).await.unwrap().is_empty(),
        "no event"
    );
    let (_, settings) = send(app.request(Method::GET, "/api/settings")).await;
    assert_eq!(settings["misc_settings"], json!({}));
    assert_eq!(settings["llm_api_key_is_set"], json!(false));
}

fn string_type(field: &str, input: Value) -> Value {
    json!({"type": "string_type", "loc": ["body", field], "msg": "Input should be a valid string", "input": input})
}

fn missing(field: &str, input: Value) -> Value {
    json!({"type": "missing", "loc": ["body", field], "msg": "Field required", "input": input})
}

fn not_an_object(input: Value) -> Value {
    json!({"detail": [{
        "type": "model_attributes_type",
        "loc": ["body"],
        "msg": "Input should be a valid dictionary or object to extract fields from",
        "input": input,
    }]})
}

async fn malformed_json_is_422_json_invalid(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_json_invalid(
        &put_text(&app, "{not json").await,
        Some(1),
        "PUT {not json (T#16)",
    );
    let patch = app
        .request(Method::PATCH, "/api/settings")
        .header("content-type", "application/json")
        .body("{not json");
    assert_json_invalid(&send(patch).await, Some(1), "PATCH {not json (T#16)");
    assert_json_invalid(&put_text(&app, "").await, Some(0), "an empty body");
    assert_json_invalid(&put_text(&app, "   ").await, None, "a blank body");
    assert_json_invalid(
        &put_text(&app, r#"{"name":"A","value":"v"} trailing"#).await,
        None,
        "trailing text",
    );
    assert_json_invalid(
        &put_text(&app, r#"{"name":"A","value":"v"}{}"#).await,
        None,
        "two documents",
    );
    assert_json_invalid(
        &put_text(&app, r#"{'name':'A','value':'v'}"#).await,
        None,
        "single quotes",
    );
    assert_json_invalid(
        &put_text(&app, r#"{"name":"A","value":"v",}"#).await,
        None,
        "a trailing comma",
    );
    assert_json_invalid(
        &put_text(&app, b"{\"name\":\"A\",\"value\":\"\xff\xfe\"}".to_vec()).await,
        None,
        "not UTF-8",
    );
    assert_json_invalid(
        &put_text(&app, r#"{"name":"A","value":"\ud800"}"#).await,
        None,
        "a lone surrogate",
    );
    assert_json_invalid(
        &put_text(&app, "[".repeat(10_000)).await,
        None,
        "deep nesting",
    );
    // A broken body that carries a secret never echoes it.
    let truncated = put_text(&app, r#"{"name":"A","value":"zzz-broken-json-secret""#).await;
    assert_json_invalid(&truncated, None, "a truncated body");
    assert!(!truncated.1.to_string().contains("zzz-broken-json-secret"));
    assert_untouched(&app).await;
    app.stop().await;
}

async fn wrong_field_types_are_422_string_type(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let cases = [
        // T#131 and T#130, byte for byte.
        (
            json!({"name": 123, "value": "v"}),
            json!({"detail": [string_type("name", json!(123))]}),
        ),
        (
            json!({"name": "NUM", "value": 123}),
            json!({"detail": [string_type("value", json!(123))]}),
        ),
        (
            json!({"name": "D", "value": "v", "description": 5}),
            json!({"detail": [string_type("description", json!(5))]}),
        ),
        (
            json!({"name": "D", "value": "v", "description": false}),
            json!({"detail": [string_type("description", json!(false))]}),
        ),
        (
            json!({"name": "N", "value": null}),
            json!({"detail": [string_type("value", json!(null))]}),
        ),
        (
            json!({"name": null, "value": "v"}),
            json!({"detail": [string_type("name", json!(null))]}),
        ),
        (
            json!({"name": ["A"], "value": "v"}),
            json!({"detail": [string_type("name", json!(["A"]))]}),
        ),
        // Every error at once, in field order.
        (
            json!({"name": 1, "value": 2, "description": 3}),
            json!({"detail": [string_type("name", json!(1)), string_type("value", json!(2)), string_type("description", json!(3))]}),
        ),
        (
            json!({"name": 123}),
            json!({"detail": [string_type("name", json!(123)), missing("value", json!({"name": 123}))]}),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            put_json(&app, body.clone()).await,
            (422, expected),
            "{body}"
        );
    }
    assert_untouched(&app).await;
    app.stop().await;
}

async fn a_body_that_is_not_an_object_is_422_model_attributes_type(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for body in [
        json!([]),
        json!(["a", 1]),
        json!("abc"),
        json!(42),
        json!(null),
        json!(true),
    ] {
        assert_eq!(
            put_json(&app, body.clone()).await,
            (422, not_an_object(body.clone())),
            "PUT {body}"
        );
        let patch = app.request(Method::PATCH, "/api/settings").json(&body);
        assert_eq!(
            send(patch).await,
            (422, not_an_object(body.clone())),
            "PATCH {body}"
        );
    }
    // Secrets inside a non-object body are masked in the echo.
    let body = json!([{"name": "N", "value": "zzz-array-secret"}, {"api_key": "zzz-array-key"}]);
    let answer = put_json(&app, body).await;
    let masked = json!([{"name": "N", "value": "**********"}, {"api_key": "**********"}]);
    assert_eq!(answer, (422, not_an_object(masked)));
    assert!(!answer.1.to_string().contains("zzz-"));
    assert_untouched(&app).await;
    app.stop().await;
}

async fn a_missing_field_is_422_and_the_echoed_input_hides_secrets(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // T#37 byte for byte.
    assert_eq!(
        put_json(&app, json!({"name": "NOVAL"})).await,
        (
            422,
            json!({"detail": [missing("value", json!({"name": "NOVAL"}))]})
        )
    );
    let answer = put_json(
        &app,
        json!({"name": "N", "description": "d", "api_key_hint": "zzz-secret"}),
    )
    .await;
    let input = json!({"name": "N", "description": "d", "api_key_hint": "**********"});
    assert_eq!(answer, (422, json!({"detail": [missing("value", input)]})));
    assert!(!answer.1.to_string().contains("zzz-secret"));

    // The name missing: the value that was sent is masked in the echo.
    let answer = put_json(
        &app,
        json!({"value": "zzz-value-secret", "description": "d"}),
    )
    .await;
    let input = json!({"value": "**********", "description": "d"});
    assert_eq!(answer, (422, json!({"detail": [missing("name", input)]})));

    // Secret-looking keys at any depth, any case.
    let body = json!({
        "name": "N",
        "extra": {"token": "zzz-nested-token", "Authorization": "zzz-auth", "model": "m"},
        "list": [{"PASSWORD": "zzz-in-list"}, "plain"],
        "my_secret": null,
        "Session": "zzz-session",
        "cookie_jar": ["zzz-cookie"],
    });
    let answer = put_json(&app, body).await;
    let input = json!({
        "name": "N",
        "extra": {"token": "**********", "Authorization": "**********", "model": "m"},
        "list": [{"PASSWORD": "**********"}, "plain"],
        "my_secret": null,
        "Session": "**********",
        "cookie_jar": "**********",
    });
    assert_eq!(answer, (422, json!({"detail": [missing("value", input)]})));
    assert!(!answer.1.to_string().contains("zzz-"), "{}", answer.1);

    // Both fields missing.
    assert_eq!(
        put_json(&app, json!({})).await,
        (
            422,
            json!({"detail": [missing("name", json!({})), missing("value", json!({}))]})
        )
    );
    assert_untouched(&app).await;
    app.stop().await;
}

async fn a_body_over_the_limit_is_413_and_nothing_is_stored(backend: Backend) {
    let options = Options {
        max_body_bytes: 4096,
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let too_large = (413, json!({"detail": "Request body too large"}));
    let big = "v".repeat(10 * 1024);

    let raw = send_raw(
        app.request(Method::PUT, SECRETS)
            .json(&json!({"name": "BIG", "value": big})),
    )
    .await;
    assert_eq!((raw.status, raw.json()), too_large.clone());
    assert_eq!(raw.header("content-type"), Some("application/json"));
    let patch = app
        .request(Method::PATCH, "/api/settings")
        .json(&json!({"misc_settings_diff": {"blob": big}}));
    assert_eq!(send(patch).await, too_large.clone());
    let name = coffer_core::domain::SecretName::parse("BIG").unwrap();
    let found = app
        .store
        .find_secret(&coffer_core::domain::Scope::Global, &name)
        .await
        .unwrap();
    assert!(found.is_none());

    // Without a content length (chunked), the limit holds while reading.
    let host = app.base.trim_start_matches("http://").to_owned();
    let body = json!({"name": "BIG", "value": big}).to_string();
    let request = format!(
        "PUT {SECRETS} HTTP/1.1\r\nHost: {host}\r\nX-Session-API-Key: {SESSION_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let (status, _, answer) = raw_http(&app, request.as_bytes()).await;
    assert_eq!(
        (status, serde_json::from_slice::<Value>(&answer).unwrap()),
        too_large
    );
    assert_untouched(&app).await;

    // Just under the limit is fine: the limit, not the content, refused the others.
    let fits = put_json(&app, json!({"name": "FITS", "value": "v".repeat(3000)})).await;
    assert_eq!(fits, (200, json!({"name": "FITS", "description": null})));
    app.stop().await;
}

async fn a_non_json_body_is_422_whatever_the_content_type(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // The original answers this one with a 500 (T#118); coffer with a 422.
    let no_type = app.request(Method::PATCH, "/api/settings").body("abc");
    let answer = send(no_type).await;
    assert_json_invalid(&answer, Some(0), "PATCH abc without a content type");
    for (content_type, body) in [
        ("text/plain", "abc"),
        (
            "application/x-www-form-urlencoded",
            "name=A&value=zzz-form-secret",
        ),
        (
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nA\r\n--x--\r\n",
        ),
        ("application/octet-stream", "\u{0}\u{1}\u{2}"),
    ] {
        for (method, path) in [(Method::PUT, SECRETS), (Method::PATCH, "/api/settings")] {
            let req = app
                .request(method.clone(), path)
                .header("content-type", content_type)
                .body(body);
            let answer = send(req).await;
            assert_json_invalid(&answer, None, &format!("{method} {content_type}"));
            assert!(!answer.1.to_string().contains("zzz-form-secret"));
        }
    }
    assert_untouched(&app).await;
    // A JSON body is read as JSON even when labelled otherwise (a documented difference).
    let labelled = app
        .request(Method::PUT, SECRETS)
        .header("content-type", "text/plain")
        .body(r#"{"name":"A","value":"v"}"#);
    assert_eq!(
        send(labelled).await,
        (200, json!({"name": "A", "description": null}))
    );
    app.stop().await;
}

async fn an_extremely_long_name_in_the_path_is_422(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let invalid = (422, json!({ "detail": INVALID_NAME }));
    let long_valid_chars = "A".repeat(10 * 1024);
    let long_encoded = "%FF".repeat(4 * 1024);
    let long_mixed = format!("A{}", "-".repeat(10 * 1024));
    for name in [&long_valid_chars, &long_encoded, &long_mixed] {
        let path = format!("{SECRETS}/{name}");
        assert_eq!(
            send(app.request(Method::GET, &path)).await,
            invalid,
            "GET {} chars",
            name.len()
        );
        assert_eq!(
            send(app.request(Method::DELETE, &path)).await,
            invalid,
            "DELETE {} chars",
            name.len()
        );
    }
    let long_body_name = put_json(&app, json!({"name": long_valid_chars, "value": "v"})).await;
    assert_eq!(long_body_name, invalid);
    assert_untouched(&app).await;
    app.stop().await;
}

async fn odd_query_strings_are_answered_with_json(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let profile = uuid::Uuid::new_v4();
    let unknown_profile = (404, json!({"detail": "Agent profile not found"}));
    // Unknown parameters are ignored; for a repeated one the last wins (as in FastAPI).
    for query in ["?unknown=1", "?agent_profile_id", "?", "?&&", "?x=%FF"] {
        let expected = if query == "?agent_profile_id" {
            422
        } else {
            200
        };
        let (status, body) = send(app.request(Method::GET, &format!("{SECRETS}{query}"))).await;
        assert_eq!(status, expected, "{query}: {body}");
        assert!(body.is_object(), "{query}: {body}");
    }
    let repeated = format!("{SECRETS}?agent_profile_id=nope&agent_profile_id={profile}");
    assert_eq!(
        send(app.request(Method::GET, &repeated)).await,
        unknown_profile
    );
    app.stop().await;
}

/// Requests a careless or hostile client might send: each gets a 4xx answer (hyper's own
/// for unparseable HTTP), never a 5xx and never a silently closed connection.
async fn no_malformed_request_gets_a_5xx_or_a_dropped_connection(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let host = app.base.trim_start_matches("http://").to_owned();
    let key = format!("X-Session-API-Key: {SESSION_KEY}");
    let requests: Vec<String> = vec![
        format!(
            "PUT {SECRETS} HTTP/1.1\r\nHost: {host}\r\n{key}\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{{}}"
        ),
        format!(
            "PUT {SECRETS} HTTP/1.1\r\nHost: {host}\r\n{key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"
        ),
        format!(
            "PUT {SECRETS} HTTP/1.1\r\nHost: {host}\r\n{key}\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\nConnection: close\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
        ),
        format!(
            "GET {SECRETS}/A\u{0}B HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"
        ),
        format!("GET {SECRETS}/%ZZ HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"),
        format!("GET {SECRETS}/%FF HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"),
        format!(
            "GET {SECRETS}/%C3%A9 HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"
        ),
        format!(
            "GET {SECRETS}/\u{e9} HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"
        ),
        format!(
            "GET /api/settings HTTP/1.1\r\nHost: {host}\r\nX-Session-API-Key: \u{e9}\u{ff}\r\nConnection: close\r\n\r\n"
        ),
        format!(
            "GET /api/settings HTTP/1.1\r\nHost: {host}\r\n{key}\r\nX-Expose-Secrets: \u{ff}\r\nConnection: close\r\n\r\n"
        ),
        format!(
            "GET /api/settings HTTP/1.1\r\nHost: {host}\r\n{key}\r\n{key}\r\nConnection: close\r\n\r\n"
        ),
        format!(
            "GET /api/settings HTTP/1.1\r\nHost: {host}\r\nX-Session-API-Key: wrong\r\n{key}\r\nConnection: close\r\n\r\n"
        ),
        format!("BREW {SECRETS} HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"),
        format!(
            "GET {SECRETS}?agent_profile_id=%FF%FE HTTP/1.1\r\nHost: {host}\r\n{key}\r\nConnection: close\r\n\r\n"
        ),
        "garbage\r\n\r\n".to_owned(),
    ];
    for request in &requests {
        let (status, head, body) = raw_http(&app, request.as_bytes()).await;
        let first_line = request.lines().next().unwrap_or_default();
        assert!(
            (200..500).contains(&status),
            "{first_line:?} → {status}\n{head}\n{}",
            String::from_utf8_lossy(&body)
        );
        // An error body is JSON (hyper's own answers to unparseable HTTP have none).
        let content_type = head.lines().find_map(|l| l.strip_prefix("content-type: "));
        if status >= 400 && content_type.is_some_and(|t| t != "application/json") {
            panic!(
                "{first_line:?}: not a JSON error\n{head}\n{}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    assert_untouched(&app).await;
    app.stop().await;
}

both_backends!(
    malformed_json_is_422_json_invalid,
    wrong_field_types_are_422_string_type,
    a_body_that_is_not_an_object_is_422_model_attributes_type,
    a_missing_field_is_422_and_the_echoed_input_hides_secrets,
    a_body_over_the_limit_is_413_and_nothing_is_stored,
    a_non_json_body_is_422_whatever_the_content_type,
    an_extremely_long_name_in_the_path_is_422,
    odd_query_strings_are_answered_with_json,
    no_malformed_request_gets_a_5xx_or_a_dropped_connection,
);
