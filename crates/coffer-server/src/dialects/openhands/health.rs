//! Unauthenticated routes: health probes, server info, the OpenAPI document.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::AppState;

const OPENAPI: &str = include_str!("openapi.json");

pub async fn ok() -> axum::Json<Value> {
    axum::Json(json!({"status": "ok"}))
}

/// coffer is ready once it serves: migrations and key checks run before the listener.
pub async fn ready() -> axum::Json<Value> {
    axum::Json(json!({"status": "ready"}))
}

pub async fn server_info(State(state): State<AppState>) -> axum::Json<Value> {
    let uptime = state.started.elapsed().as_secs_f64();
    axum::Json(json!({
        "uptime": uptime,
        "idle_time": uptime,
        "title": "coffer",
        "version": env!("CARGO_PKG_VERSION"),
        "server": "coffer",
        "compatible_with": "OpenHands Agent Server settings & secrets API 1.58",
        "usable_tools": [],
        "capabilities": ["settings", "secrets"],
        "docs": "/docs",
        "redoc": "/docs",
    }))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn docs() -> Html<&'static str> {
    Html(
        "<!doctype html><title>coffer API</title><h1>coffer</h1><p>The OpenAPI document is at <a href=\"/openapi.json\">/openapi.json</a>.</p>",
    )
}
