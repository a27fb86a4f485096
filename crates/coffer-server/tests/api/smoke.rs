//! A first end-to-end pass through the dialect on both backends.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send};

async fn a_secret_round_trips_over_http(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let put = app.request(Method::PUT, "/api/settings/secrets").json(&json!({"name": "MY_SECRET", "value": "secret-value", "description": "Test"}));
    assert_eq!(send(put).await, (200, json!({"name": "MY_SECRET", "description": "Test"})));
    let response = app.request(Method::GET, "/api/settings/secrets/MY_SECRET").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(response.text().await.unwrap(), "secret-value");
    app.stop().await;
}

both_backends!(a_secret_round_trips_over_http);
