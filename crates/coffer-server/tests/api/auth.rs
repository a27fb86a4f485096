//! `X-Session-API-Key` (spec §2, checklist items 43–50 and 52): which routes need it, how
//! a missing, empty or wrong key is refused, that it is checked before any validation,
//! multiple keys, exact value matching, the forms that are not accepted, auth disabled
//! by an empty key list, and CORS preflights (never 401).

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Options, SESSION_KEY, TestApp, raw_http, send, send_raw};
use crate::secrets::INVALID_NAME;

fn unauthorized() -> Value {
    json!({"detail": "Unauthorized"})
}

/// Every `/api` route coffer serves, each with a body that would succeed with a key.
fn api_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/settings", None),
        (
            Method::PATCH,
            "/api/settings",
            Some(json!({"misc_settings_diff": {"theme": "dark"}})),
        ),
        (Method::GET, "/api/settings/secrets", None),
        (
            Method::PUT,
            "/api/settings/secrets",
            Some(json!({"name": "MY_SECRET", "value": "auth-test-value"})),
        ),
        (Method::GET, "/api/settings/secrets/MY_SECRET", None),
        (Method::DELETE, "/api/settings/secrets/MY_SECRET", None),
        (Method::GET, "/api/profiles/x", None),
    ]
}

/// (status, body) of a route with the right key, sent in `api_routes` order: none is 401.
fn authorised_answer(method: &Method, path: &str) -> (u16, Value) {
    match (method.as_str(), path) {
        ("PUT", _) => (200, json!({"name": "MY_SECRET", "description": null})),
        ("GET", "/api/settings/secrets") => (200, json!({"secrets": []})),
        ("GET", "/api/settings/secrets/MY_SECRET") => (200, json!("auth-test-value")),
        ("DELETE", _) => (200, json!({"deleted": true})),
        ("GET", "/api/profiles/x") => (404, json!({"detail": "Profile 'x' not found"})),
        _ => unreachable!("{method} {path}: the caller checks the settings routes by shape"),
    }
}

fn with_body(req: reqwest::RequestBuilder, body: &Option<Value>) -> reqwest::RequestBuilder {
    match body {
        Some(body) => req.json(body),
        None => req,
    }
}

async fn assert_unauthorized(req: reqwest::RequestBuilder, what: &str) {
    let raw = send_raw(req).await;
    assert_eq!(raw.status, 401, "{what}");
    assert_eq!(
        raw.header("content-type"),
        Some("application/json"),
        "{what}"
    );
    assert_eq!(raw.json(), unauthorized(), "{what}");
}

async fn the_health_routes_need_no_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (path, body) in [
        ("/health", json!({"status": "ok"})),
        ("/alive", json!({"status": "ok"})),
        ("/ready", json!({"status": "ready"})),
    ] {
        assert_eq!(
            send(app.anonymous(Method::GET, path)).await,
            (200, body.clone()),
            "{path}"
        );
        let wrong = app
            .anonymous(Method::GET, path)
            .header("X-Session-API-Key", "wrong");
        assert_eq!(send(wrong).await, (200, body), "{path} ignores a wrong key");
    }
    for path in ["/server_info", "/"] {
        let (status, info) = send(app.anonymous(Method::GET, path)).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(info["title"], "coffer", "{path}");
        assert!(
            info["uptime"].is_number() && info["capabilities"].is_array(),
            "{info}"
        );
    }
    let raw = send_raw(app.anonymous(Method::GET, "/openapi.json")).await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("content-type"), Some("application/json"));
    let doc = raw.json();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "an OpenAPI 3 document"
    );
    assert!(doc["paths"]["/api/settings/secrets"].is_object());
    assert_eq!(
        send_raw(app.anonymous(Method::GET, "/docs")).await.status,
        200
    );
    app.stop().await;
}

async fn every_api_route_refuses_a_missing_empty_or_wrong_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let wrong_keys = [
        "",
        "wrong",
        "TEST-SESSION-KEY",
        "test-session-ke",
        "test-session-keyy",
        "Bearer test-session-key",
        "test-session-key,test-session-key",
    ];
    for (method, path, body) in api_routes() {
        let what = format!("{method} {path}");
        assert_unauthorized(
            with_body(app.anonymous(method.clone(), path), &body),
            &format!("{what} without a key"),
        )
        .await;
        for key in wrong_keys {
            let req = with_body(app.anonymous(method.clone(), path), &body)
                .header("X-Session-API-Key", key);
            assert_unauthorized(req, &format!("{what} with key {key:?}")).await;
        }
    }
    // HEAD is served by the GET handler (a documented difference), so it needs the key too.
    for path in [
        "/api/settings",
        "/api/settings/secrets",
        "/api/settings/secrets/MY_SECRET",
        "/api/profiles/x",
    ] {
        assert_eq!(
            send_raw(app.anonymous(Method::HEAD, path)).await.status,
            401,
            "HEAD {path}"
        );
    }
    // Nothing was written by any refused request.
    assert!(app.store.list_events(0, 100).await.unwrap().is_empty());
    assert_eq!(
        send(app.request(Method::GET, "/api/settings/secrets")).await,
        (200, json!({"secrets": []}))
    );
    let (_, settings) = send(app.request(Method::GET, "/api/settings")).await;
    assert_eq!(settings["misc_settings"], json!({}));

    // With the key, every route answers (in order: the PUT creates what GET/DELETE use).
    for (method, path, body) in api_routes() {
        let (status, answer) = send(with_body(app.request(method.clone(), path), &body)).await;
        match (method.as_str(), path) {
            ("GET" | "PATCH", "/api/settings") => {
                assert_eq!(status, 200, "{method} {path}: {answer}");
                assert!(
                    answer["agent_settings"].is_object(),
                    "{method} {path}: {answer}"
                );
            }
            _ => assert_eq!(
                (status, answer),
                authorised_answer(&method, path),
                "{method} {path}"
            ),
        }
    }
    app.stop().await;
}

async fn authentication_runs_before_path_and_body_validation(backend: Backend) {
    let options = Options {
        max_body_bytes: 4096,
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "invalid name on GET",
            app.anonymous(Method::GET, "/api/settings/secrets/1bad"),
        ),
        (
            "invalid name on DELETE",
            app.anonymous(Method::DELETE, "/api/settings/secrets/bad-name"),
        ),
        (
            "non-UTF-8 name",
            app.anonymous(Method::GET, "/api/settings/secrets/%FF"),
        ),
        (
            "non-string name (T#601)",
            app.anonymous(Method::PUT, "/api/settings/secrets")
                .json(&json!({"name": 1})),
        ),
        (
            "empty PATCH (T#602)",
            app.anonymous(Method::PATCH, "/api/settings")
                .json(&json!({})),
        ),
        (
            "malformed JSON",
            app.anonymous(Method::PUT, "/api/settings/secrets")
                .body("{not json"),
        ),
        (
            "redacted value",
            app.anonymous(Method::PUT, "/api/settings/secrets")
                .json(&json!({"name": "A", "value": "**********"})),
        ),
        (
            "bad X-Expose-Secrets",
            app.anonymous(Method::GET, "/api/settings")
                .header("X-Expose-Secrets", "bogus"),
        ),
        (
            "malformed agent_profile_id",
            app.anonymous(Method::GET, "/api/settings/secrets?agent_profile_id=nope"),
        ),
        (
            "body over the limit",
            app.anonymous(Method::PUT, "/api/settings/secrets")
                .body(vec![b'x'; 10 * 1024]),
        ),
    ];
    for (what, req) in cases {
        assert_unauthorized(req, what).await;
    }
    // The same requests with the key are validation errors, so the order is what differs.
    assert_eq!(
        send(app.request(Method::GET, "/api/settings/secrets/1bad")).await,
        (422, json!({ "detail": INVALID_NAME }))
    );
    let (status, _) = send(
        app.request(Method::PUT, "/api/settings/secrets")
            .json(&json!({"name": 1})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(app.store.list_events(0, 100).await.unwrap().is_empty());
    app.stop().await;
}

async fn an_unknown_api_path_is_404_with_or_without_a_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let not_found = (404, json!({"detail": "Not Found"}));
    for path in [
        "/api/nonexistent-route",
        "/api",
        "/api/",
        "/api/settings/secrets/A/extra",
        "/api/settings/mcp",
        "/api/conversations/search/extra/segments",
        "/nonexistent",
    ] {
        assert_eq!(
            send(app.anonymous(Method::GET, path)).await,
            not_found,
            "{path} without a key"
        );
        assert_eq!(
            send(app.request(Method::GET, path)).await,
            not_found,
            "{path} with the key"
        );
        let wrong = app
            .anonymous(Method::GET, path)
            .header("X-Session-API-Key", "wrong");
        assert_eq!(send(wrong).await, not_found, "{path} with a wrong key");
    }
    app.stop().await;
}

async fn a_wrong_method_is_405_with_or_without_a_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (method, path) in [
        (Method::POST, "/api/settings/secrets"),
        (Method::DELETE, "/api/settings/secrets"),
        (Method::POST, "/api/settings"),
        (Method::PUT, "/api/settings/secrets/X"),
    ] {
        for req in [
            app.anonymous(method.clone(), path),
            app.request(method.clone(), path),
        ] {
            let raw = send_raw(req.json(&json!({"name": "X", "value": "x"}))).await;
            assert_eq!(
                (raw.status, raw.json()),
                (405, json!({"detail": "Method Not Allowed"})),
                "{method} {path}"
            );
            assert!(
                raw.header("allow").is_some_and(|a| a.contains("GET")),
                "{method} {path}"
            );
        }
    }
    assert!(app.store.list_events(0, 100).await.unwrap().is_empty());
    app.stop().await;
}

async fn any_configured_key_is_accepted_and_recorded_by_position(backend: Backend) {
    let keys = [
        "key-one",
        "key-two",
        "k3-_.@#$",
        "a-b_c.d@e#f$g-!~*'()+=?%&",
    ];
    let options = Options {
        session_keys: keys.iter().map(|k| k.to_string()).collect(),
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    for (index, key) in keys.iter().enumerate() {
        let name = format!("BY_KEY_{index}");
        let put = app
            .anonymous(Method::PUT, "/api/settings/secrets")
            .header("X-Session-API-Key", *key)
            .json(&json!({"name": name, "value": "v"}));
        assert_eq!(
            send(put).await,
            (200, json!({"name": name, "description": null})),
            "key {key:?}"
        );
        let get = app
            .anonymous(Method::GET, "/api/settings")
            .header("X-Session-API-Key", *key);
        assert_eq!(send(get).await.0, 200, "key {key:?}");
    }
    let actors: Vec<String> = app
        .store
        .list_events(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.actor)
        .collect();
    assert_eq!(
        actors,
        [
            "session-key:0",
            "session-key:1",
            "session-key:2",
            "session-key:3"
        ]
    );
    for other in [SESSION_KEY, "key-three", "KEY-ONE", "key-onekey-two", "k3"] {
        let req = app
            .anonymous(Method::GET, "/api/settings")
            .header("X-Session-API-Key", other);
        assert_unauthorized(req, &format!("key {other:?}")).await;
    }
    app.stop().await;
}

/// reqwest lowercases header names on the wire, so the header-name spellings go out over
/// a raw connection.
async fn the_key_value_is_case_sensitive_and_the_header_name_is_not(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let host = app.base.trim_start_matches("http://").to_owned();
    for header in [
        "X-Session-API-Key",
        "x-session-api-key",
        "X-SESSION-API-KEY",
        "x-SeSsIoN-aPi-KeY",
    ] {
        let request = format!(
            "GET /api/settings/secrets HTTP/1.1\r\nHost: {host}\r\n{header}: {SESSION_KEY}\r\nConnection: close\r\n\r\n"
        );
        let (status, _, body) = raw_http(&app, request.as_bytes()).await;
        assert_eq!(status, 200, "{header}");
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({"secrets": []})
        );
    }
    for value in [SESSION_KEY.to_uppercase(), "Test-Session-Key".to_owned()] {
        let req = app
            .anonymous(Method::GET, "/api/settings")
            .header("x-session-api-key", value.as_str());
        assert_unauthorized(req, &value).await;
    }
    app.stop().await;
}

async fn bearer_tokens_and_the_query_parameter_are_not_accepted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let bearer = app
        .anonymous(Method::GET, "/api/settings")
        .header("Authorization", format!("Bearer {SESSION_KEY}"));
    assert_unauthorized(bearer, "Authorization: Bearer (T#605)").await;
    let plain = app
        .anonymous(Method::GET, "/api/settings")
        .header("Authorization", SESSION_KEY);
    assert_unauthorized(plain, "Authorization: <key>").await;
    let query = app.anonymous(
        Method::GET,
        &format!("/api/settings?session_api_key={SESSION_KEY}"),
    );
    assert_unauthorized(query, "?session_api_key= (T#606)").await;
    let cookie = app
        .anonymous(Method::GET, "/api/settings")
        .header("Cookie", format!("session_api_key={SESSION_KEY}"));
    assert_unauthorized(cookie, "a cookie").await;
    let query_put = app
        .anonymous(
            Method::PUT,
            &format!("/api/settings/secrets?session_api_key={SESSION_KEY}"),
        )
        .json(&json!({"name": "A", "value": "v"}));
    assert_unauthorized(query_put, "PUT with ?session_api_key=").await;
    assert!(app.store.list_events(0, 100).await.unwrap().is_empty());
    app.stop().await;
}

async fn an_empty_key_list_disables_authentication(backend: Backend) {
    for keys in [
        vec![],
        vec![String::new()],
        vec![String::new(), String::new()],
    ] {
        let options = Options {
            session_keys: keys.clone(),
            ..Options::default()
        };
        let Some(app) = TestApp::spawn_with(backend, options).await else {
            return;
        };
        let anonymous = app.anonymous(Method::GET, "/api/settings/secrets");
        assert_eq!(
            send(anonymous).await,
            (200, json!({"secrets": []})),
            "{keys:?}"
        );
        for key in ["anything", "", SESSION_KEY] {
            let req = app
                .anonymous(Method::GET, "/api/settings")
                .header("X-Session-API-Key", key);
            assert_eq!(
                send(req).await.0,
                200,
                "{keys:?}: header {key:?} is ignored (T#309)"
            );
        }
        let put = app
            .anonymous(Method::PUT, "/api/settings/secrets")
            .header("X-Session-API-Key", "whatever")
            .json(&json!({"name": "OPEN", "value": "v"}));
        assert_eq!(send(put).await.0, 200);
        let actors: Vec<String> = app
            .store
            .list_events(0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.actor)
            .collect();
        assert_eq!(actors, ["anonymous"]);
        app.stop().await;
    }
}

async fn a_cors_preflight_from_localhost_is_never_401(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://localhost",
    ] {
        for (method, path, _) in api_routes() {
            let preflight = app
                .anonymous(Method::OPTIONS, path)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method.as_str())
                .header(
                    "Access-Control-Request-Headers",
                    "x-session-api-key,content-type",
                );
            let raw = send_raw(preflight).await;
            let what = format!("OPTIONS {path} for {method} from {origin}");
            assert_eq!(raw.status, 200, "{what}");
            assert_eq!(
                raw.header("access-control-allow-origin"),
                Some(origin),
                "{what}"
            );
            assert_eq!(
                raw.header("access-control-allow-credentials"),
                Some("true"),
                "{what}"
            );
            assert_eq!(raw.header("access-control-max-age"), Some("600"), "{what}");
            let allowed = raw
                .header("access-control-allow-headers")
                .unwrap_or_default()
                .to_lowercase();
            assert!(
                allowed.contains("x-session-api-key") && allowed.contains("content-type"),
                "{what}: {allowed}"
            );
            let methods = raw
                .header("access-control-allow-methods")
                .unwrap_or_default();
            assert!(
                methods.split(',').any(|m| m.trim() == method.as_str()),
                "{what}: {methods}"
            );
        }
    }
    // The real request after the preflight: refused without a key, but readable by the page.
    let raw = send_raw(
        app.anonymous(Method::GET, "/api/settings")
            .header("Origin", "http://localhost:3000"),
    )
    .await;
    assert_eq!(raw.status, 401);
    assert_eq!(
        raw.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let raw = send_raw(
        app.request(Method::GET, "/api/settings/secrets")
            .header("Origin", "http://localhost:3000"),
    )
    .await;
    assert_eq!(
        (raw.status, raw.header("access-control-allow-origin")),
        (200, Some("http://localhost:3000"))
    );
    app.stop().await;
}

async fn a_cors_preflight_from_a_foreign_origin_gets_no_allow_origin(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for origin in [
        "http://evil.example",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "null",
    ] {
        let preflight = app
            .anonymous(Method::OPTIONS, "/api/settings")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PATCH")
            .header(
                "Access-Control-Request-Headers",
                "x-session-api-key,content-type",
            );
        let raw = send_raw(preflight).await;
        assert_ne!(raw.status, 401, "{origin}");
        assert_eq!(raw.header("access-control-allow-origin"), None, "{origin}");
        let actual = send_raw(
            app.request(Method::GET, "/api/settings/secrets")
                .header("Origin", origin),
        )
        .await;
        assert_eq!(actual.status, 200);
        assert_eq!(
            actual.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    app.stop().await;
}

both_backends!(
    the_health_routes_need_no_key,
    every_api_route_refuses_a_missing_empty_or_wrong_key,
    authentication_runs_before_path_and_body_validation,
    an_unknown_api_path_is_404_with_or_without_a_key,
    a_wrong_method_is_405_with_or_without_a_key,
    any_configured_key_is_accepted_and_recorded_by_position,
    the_key_value_is_case_sensitive_and_the_header_name_is_not,
    bearer_tokens_and_the_query_parameter_are_not_accepted,
    an_empty_key_list_disables_authentication,
    a_cors_preflight_from_localhost_is_never_401,
    a_cors_preflight_from_a_foreign_origin_gets_no_allow_origin,
);
