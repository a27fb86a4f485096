//! A first end-to-end pass through the dialect on both backends.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send};

async fn a_secret_round_trips_over_http(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let put = app
        .request(Method::PUT, "/api/settings/secrets")
        .json(&json!({"name": "MY_SECRET", "value": "secret-value", "description": "Test"}));
    assert_eq!(
        send(put).await,
        (200, json!({"name": "MY_SECRET", "description": "Test"}))
    );
    let response = app
        .request(Method::GET, "/api/settings/secrets/MY_SECRET")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "secret-value");
    app.stop().await;
}

both_backends!(a_secret_round_trips_over_http);

/// The typed client crate drives the same routes the tools and benchmarks use.
async fn the_typed_client_round_trips_settings_and_secrets(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let client = app.client();
    client
        .put_secret("CLIENT_SECRET", "client-value", Some("via client"))
        .await
        .unwrap();
    assert_eq!(
        client.list_secrets().await.unwrap(),
        vec![("CLIENT_SECRET".to_owned(), Some("via client".to_owned()))]
    );
    assert_eq!(
        client.get_secret("CLIENT_SECRET").await.unwrap().as_deref(),
        Some("client-value")
    );
    let patched = client
        .patch_settings(&json!({"agent_settings_diff": {"llm": {"api_key": "sk-client"}}}))
        .await
        .unwrap();
    assert_eq!(patched["agent_settings"]["llm"]["api_key"], "**********");
    let plain = client
        .get_settings(coffer_client::Expose::Plaintext)
        .await
        .unwrap();
    assert_eq!(plain["agent_settings"]["llm"]["api_key"], "sk-client");
    client.delete_secret("CLIENT_SECRET").await.unwrap();
    assert_eq!(client.get_secret("CLIENT_SECRET").await.unwrap(), None);
    let err = client.delete_secret("CLIENT_SECRET").await.unwrap_err();
    assert!(matches!(err, coffer_client::ClientError::Status { status, .. } if status == 404));
    app.stop().await;
}

both_backends!(the_typed_client_round_trips_settings_and_secrets);
