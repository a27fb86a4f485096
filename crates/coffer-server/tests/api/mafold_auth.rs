//! Mafold authentication: `signIn` and dev tokens (dev mode only), issued tokens (hashed,
//! revocable), agents never signed in, 401 on every method and before the WebSocket
//! upgrade, and the OpenHands dialect next to Mafold on one server.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Options, SESSION_KEY, TestApp, get_settings, send};
use crate::mafold_helpers::{call, failed, human, ok, result, ws_url};

/// Every method that needs a token, with a body that would otherwise be valid enough.
const METHODS: [&str; 14] = [
    "getUser",
    "getUsers",
    "getMyAgents",
    "setAgentKey",
    "removeAgentKey",
    "startChat",
    "getChats",
    "getChat",
    "sendMessage",
    "getMessages",
    "getGroupAgents",
    "addGroupAgent",
    "removeGroupAgent",
    "setGroupAgentMode",
];

async fn sign_in_hands_out_dev_tokens_in_dev_mode_only(backend: Backend) {
    let dev = Options {
        dev_mode: true,
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, dev).await else {
        return;
    };
    human(&app, "ops").await;
    let auth = result(call(&app, None, "signIn", json!({"username": "OPS"})).await);
    assert_eq!(auth["access_token"], "dev:ops");
    assert_eq!(auth["expires_in"], 31_536_000);
    assert_eq!(
        auth["account"],
        json!({"username": "ops", "display_name": "ops", "kind": "human"})
    );
    failed(
        call(&app, None, "signIn", json!({"username": "nobody"})).await,
        404,
        "not found: account",
    );
    failed(
        call(&app, None, "signIn", json!({"username": "claude"})).await,
        403,
        "permission denied: agents cannot sign in",
    );
    failed(
        call(&app, None, "signIn", json!({"username": "ops:claude"})).await,
        403,
        "permission denied: agents cannot sign in",
    );
    failed(
        call(&app, None, "signIn", json!({})).await,
        400,
        "invalid argument: username is required",
    );
    // The dev token works; one naming an agent or nobody does not.
    let me = ok(&app, "dev:ops", "getUser", json!({"user_id": "ops"})).await;
    assert_eq!(me["username"], "ops");
    for token in [
        "dev:claude",
        "dev:ops:claude",
        "dev:nobody",
        "dev:",
        "dev:a b",
    ] {
        failed(
            call(&app, Some(token), "getMyAgents", Value::Null).await,
            401,
            "unauthenticated: invalid token",
        );
    }
    let storage = app.stop().await;

    // Outside dev mode: signIn refuses and dev tokens are invalid.
    let app = TestApp::start(storage.clone(), Options::default()).await;
    failed(
        call(&app, None, "signIn", json!({"username": "ops"})).await,
        403,
        "permission denied: signIn is available in dev mode only (COFFER_DEV=1); use a token from `coffer account token`",
    );
    failed(
        call(&app, None, "signIn", json!({"username": "nobody"})).await,
        404,
        "not found: account",
    );
    failed(
        call(&app, Some("dev:ops"), "getMyAgents", Value::Null).await,
        401,
        "unauthenticated: invalid token",
    );
    let storage = app.stop().await;

    // Dev mode on a non-loopback address does not turn dev tokens on either.
    let exposed = Options {
        dev_mode: true,
        bound_to_loopback: false,
        ..Options::default()
    };
    let app = TestApp::start(storage, exposed).await;
    failed(
        call(&app, Some("dev:ops"), "getMyAgents", Value::Null).await,
        401,
        "unauthenticated: invalid token",
    );
    app.stop().await;
}

async fn issued_tokens_work_until_revoked_and_are_stored_hashed(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = human(&app, "ops").await;
    let agents = ok(&app, &token, "getMyAgents", Value::Null).await;
    assert_eq!(agents["items"].as_array().unwrap().len(), 2);
    // The token is not stored: only its SHA-256 finds the account.
    let digest = coffer_crypto::sha256(token.as_bytes());
    assert!(
        app.store
            .find_token_account(&digest)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        app.store
            .find_token_account(token.as_bytes())
            .await
            .unwrap()
            .is_none()
    );
    for bad in ["", "cft_nope", &token[..token.len() - 1], "Bearer"] {
        let (status, _) = call(&app, Some(bad), "getMyAgents", Value::Null).await;
        assert_eq!(status, 401, "{bad:?}");
    }
    let system = coffer_core::principal::Principal::System;
    assert_eq!(
        app.core
            .revoke_account_tokens(&system, "ops", None)
            .await
            .unwrap(),
        1
    );
    failed(
        call(&app, Some(&token), "getMyAgents", Value::Null).await,
        401,
        "unauthenticated: invalid token",
    );
    app.stop().await;
}

async fn every_method_needs_a_token_before_its_body_is_read(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = human(&app, "ops").await;
    for method in METHODS {
        for body in [Value::Null, json!("not an object"), json!({"chat_id": 1})] {
            failed(
                call(&app, None, method, body.clone()).await,
                401,
                "unauthenticated: missing bearer token",
            );
            failed(
                call(&app, Some("wrong"), method, body).await,
                401,
                "unauthenticated: invalid token",
            );
        }
        let basic = app
            .anonymous(reqwest::Method::POST, &format!("/api/{method}"))
            .header("Authorization", format!("Basic {token}"));
        failed(send(basic).await, 401, "unauthenticated: invalid token");
        // A wrong HTTP method is 405 in the envelope, without a token.
        failed(
            send(app.anonymous(reqwest::Method::GET, &format!("/api/{method}"))).await,
            405,
            "method not allowed: methods are called with POST",
        );
    }
    app.stop().await;
}

async fn the_websocket_refuses_a_bad_token_before_upgrading(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = human(&app, "ops").await;
    for bad in ["", "wrong", "dev:ops"] {
        let err = tokio_tungstenite::connect_async(ws_url(&app, bad))
            .await
            .unwrap_err();
        match err {
            tokio_tungstenite::tungstenite::Error::Http(response) => {
                assert_eq!(response.status(), 401, "{bad:?}");
                let body: Value =
                    serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
                assert_eq!(body["error_code"], 401);
            }
            other => panic!("expected an HTTP 401, got {other:?}"),
        }
    }
    // Plain HTTP with a good token but no upgrade is a 400, not a socket.
    let plain = app.anonymous(reqwest::Method::GET, &format!("/api/ws?token={token}"));
    failed(
        send(plain).await,
        400,
        "invalid argument: expected a WebSocket upgrade",
    );
    app.stop().await;
}

async fn both_dialects_share_the_api_prefix_on_one_server(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = human(&app, "ops").await;
    // OpenHands with its session key, Mafold with a bearer, side by side.
    let (status, settings) = get_settings(&app, None).await;
    assert_eq!(status, 200, "{settings}");
    assert!(settings.get("agent_settings").is_some());
    let agents = ok(&app, &token, "getMyAgents", Value::Null).await;
    assert_eq!(agents["items"][0]["username"], "ops:claude");
    // A Mafold bearer does not open OpenHands routes, nor a session key Mafold ones.
    let (status, _) = send(
        app.anonymous(reqwest::Method::GET, "/api/settings")
            .header("Authorization", format!("Bearer {token}")),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = send(
        app.anonymous(reqwest::Method::POST, "/api/getMyAgents")
            .header("X-Session-API-Key", SESSION_KEY),
    )
    .await;
    assert_eq!(status, 401);
    // An unknown method path keeps the OpenHands 404, without any key.
    for path in ["/api/getMyBots", "/api/nope", "/api/getmyagents"] {
        let (status, body) = send(app.anonymous(reqwest::Method::POST, path)).await;
        assert_eq!(
            (status, body),
            (404, json!({"detail": "Not Found"})),
            "{path}"
        );
    }
    // `GET /health` keeps the OpenHands JSON form.
    let (status, body) = send(app.anonymous(reqwest::Method::GET, "/health")).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    app.stop().await;
}

both_backends!(
    sign_in_hands_out_dev_tokens_in_dev_mode_only,
    issued_tokens_work_until_revoked_and_are_stored_hashed,
    every_method_needs_a_token_before_its_body_is_read,
    the_websocket_refuses_a_bad_token_before_upgrading,
    both_dialects_share_the_api_prefix_on_one_server,
);
