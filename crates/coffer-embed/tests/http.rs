//! `HttpEmbedder` against a scripted local server speaking the `/v1/embeddings` wire
//! format.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use coffer_crypto::SecretString;
use coffer_embed::{EmbedError, Embedder, HttpEmbedder, HttpEmbedderConfig};
use serde_json::{Value, json};

const KEY: &str = "sk-test-secret-key";

/// Serves `router` on 127.0.0.1 and returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A server that requires the key, records request bodies and answers each input
/// `t` with `[len(t), 1, 0, ...]` of `dims` (or the requested `dimensions`) numbers,
/// listed in reverse order.
async fn scripted(dims: usize, seen: Arc<Mutex<Vec<Value>>>) -> String {
    let handler = move |headers: HeaderMap, Json(body): Json<Value>| {
        let seen = Arc::clone(&seen);
        async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
            if auth != Some(&format!("Bearer {KEY}")) {
                return (StatusCode::UNAUTHORIZED, "bad key").into_response();
            }
            seen.lock().unwrap().push(body.clone());
            let dims = body["dimensions"].as_u64().map_or(dims, |d| d as usize);
            let inputs = body["input"].as_array().cloned().unwrap_or_default();
            let mut data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut v = vec![0.0f64; dims];
                    v[0] = t.as_str().unwrap().len() as f64;
                    v[1] = 1.0;
                    json!({"object": "embedding", "index": i, "embedding": v})
                })
                .collect();
            data.reverse();
            Json(
                json!({"object": "list", "data": data, "model": body["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1}}),
            )
            .into_response()
        }
    };
    serve(axum::Router::new().route("/v1/embeddings", post(handler))).await
}

/// A server answering every request with `response`.
async fn fixed(response: fn() -> Response) -> String {
    serve(axum::Router::new().route("/v1/embeddings", post(move || async move { response() })))
        .await
}

fn config(url: &str) -> HttpEmbedderConfig {
    let mut c = HttpEmbedderConfig::new(url, "test-model");
    c.api_key = Some(SecretString::from(KEY));
    c
}

fn texts(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

fn assert_no_leak(err: &EmbedError) {
    let text = err.to_string();
    assert!(
        !text.contains(KEY) && !text.contains("secret text"),
        "{text}"
    );
}

#[tokio::test]
async fn probes_dims_reorders_by_index_and_normalises() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = scripted(3, Arc::clone(&seen)).await;
    // The base URL may end in /v1.
    let e = HttpEmbedder::connect(config(&format!("{url}/v1/")))
        .await
        .unwrap();
    assert_eq!(e.dims(), 3);
    assert_eq!(e.id(), "http:test-model/3");
    assert_eq!(e.endpoint(), format!("{url}/v1/embeddings"));

    let v = e.embed(&texts(&["abc", "a", "abcd"])).await.unwrap();
    let expect = |n: f32| {
        let norm = (n * n + 1.0).sqrt();
        vec![n / norm, 1.0 / norm, 0.0]
    };
    assert_eq!(v, vec![expect(3.0), expect(1.0), expect(4.0)]);
    assert!(e.embed(&[]).await.unwrap().is_empty());

    // 70 texts go out in batches of at most 32, in order.
    let many: Vec<String> = (0..70).map(|i| "x".repeat(i + 1)).collect();
    let v = e.embed(&many).await.unwrap();
    assert_eq!(v.len(), 70);
    assert_eq!(v[69], expect(70.0));

    let seen = seen.lock().unwrap();
    assert_eq!(seen[0]["model"], "test-model");
    assert!(seen[0].get("dimensions").is_none());
    assert_eq!(seen[1]["input"], json!(["abc", "a", "abcd"]));
    let sizes: Vec<usize> = seen[2..]
        .iter()
        .map(|b| b["input"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![32, 32, 6]);
}

#[tokio::test]
async fn configured_dimensions_are_sent_and_skip_the_probe() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = scripted(3, Arc::clone(&seen)).await;
    let mut c = config(&url);
    c.dimensions = Some(5);
    let e = HttpEmbedder::connect(c).await.unwrap();
    assert_eq!(e.id(), "http:test-model/5");
    assert!(seen.lock().unwrap().is_empty(), "no probe request");
    let v = e.embed(&texts(&["ab"])).await.unwrap();
    assert_eq!(v[0].len(), 5);
    assert_eq!(seen.lock().unwrap()[0]["dimensions"], 5);
}

#[tokio::test]
async fn wrong_key_is_unavailable() {
    let url = scripted(3, Arc::default()).await;
    let mut c = config(&url);
    c.api_key = Some(SecretString::from("sk-wrong"));
    let err = HttpEmbedder::connect(c).await.unwrap_err();
    assert!(
        matches!(&err, EmbedError::Unavailable(m) if m.contains("401")),
        "{err}"
    );

    let mut c = config(&url);
    c.dimensions = Some(3);
    c.api_key = None;
    let e = HttpEmbedder::connect(c).await.unwrap();
    let err = e.embed(&texts(&["secret text"])).await.unwrap_err();
    assert!(matches!(err, EmbedError::Unavailable(_)), "{err}");
    assert_no_leak(&err);
}

#[tokio::test]
async fn wrong_dims_is_protocol() {
    // The server answers 2 numbers where 3 were configured.
    let url =
        fixed(|| Json(json!({"data": [{"index": 0, "embedding": [1.0, 2.0]}]})).into_response())
            .await;
    let mut c = config(&url);
    c.dimensions = Some(3);
    let e = HttpEmbedder::connect(c).await.unwrap();
    let err = e.embed(&texts(&["secret text"])).await.unwrap_err();
    assert!(matches!(err, EmbedError::Protocol(_)), "{err}");
    assert_no_leak(&err);
    // Wrong count.
    let err = e.embed(&texts(&["a", "b"])).await.unwrap_err();
    assert!(matches!(err, EmbedError::Protocol(_)), "{err}");
}

#[tokio::test]
async fn malformed_json_is_protocol() {
    let url = fixed(|| (StatusCode::OK, "{\"data\": [ secret text").into_response()).await;
    let err = HttpEmbedder::connect(config(&url)).await.unwrap_err();
    assert!(matches!(err, EmbedError::Protocol(_)), "{err}");
    assert_no_leak(&err);
}

#[tokio::test]
async fn hanging_server_times_out() {
    let router = axum::Router::new().route(
        "/v1/embeddings",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "never"
        }),
    );
    let url = serve(router).await;
    let mut c = config(&url);
    c.timeout = Duration::from_millis(200);
    let started = std::time::Instant::now();
    let err = HttpEmbedder::connect(c).await.unwrap_err();
    assert_eq!(err, EmbedError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn unreachable_and_invalid_urls_are_unavailable() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = HttpEmbedder::connect(config(&format!("http://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    assert!(matches!(err, EmbedError::Unavailable(_)), "{err}");
    let err = HttpEmbedder::connect(config("localhost:1234"))
        .await
        .unwrap_err();
    assert!(matches!(err, EmbedError::Unavailable(_)), "{err}");
}
