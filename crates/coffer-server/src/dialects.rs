//! The wire dialects, each in its own folder, merged into one router. Cross-cutting
//! layers live here: CORS, the body limit, request tracing.

pub mod mafold;
pub mod molecule;
pub mod openhands;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, request::Parts};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::app::AppState;

pub fn router(state: AppState) -> Router {
    let cors = cors_layer(state.config.cors_origins.clone());
    let limit = state.config.max_body_bytes;
    openhands::router(state.clone())
        .merge(molecule::router(state.clone()))
        .merge(mafold::router(state))
        .layer(DefaultBodyLimit::max(limit))
        .layer(cors)
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// The request span records the path but never the query: Mafold's WebSocket carries its
/// bearer token there (`/api/ws?token=…`), and no credential may reach a log.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}

/// Browsers on `localhost`/`127.0.0.1` (any port) and the configured origins may call
/// coffer with credentials. A preflight is answered before authentication.
fn cors_layer(extra: Vec<String>) -> CorsLayer {
    let allow = AllowOrigin::predicate(move |origin: &HeaderValue, _: &Parts| {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        is_local_origin(origin) || extra.iter().any(|o| o == origin)
    });
    CorsLayer::new()
        .allow_origin(allow)
        .allow_credentials(true)
        .allow_headers(AllowHeaders::mirror_request())
        .allow_methods([
            Method::DELETE,
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::PATCH,
            Method::POST,
            Method::PUT,
        ])
        .max_age(Duration::from_secs(600))
}

fn is_local_origin(origin: &str) -> bool {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    let Some(host_port) = rest else { return false };
    let host = host_port.rsplit_once(':').map_or(host_port, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host_port
        }
    });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_origins_are_recognised() {
        for ok in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "https://localhost",
            "http://[::1]:8080",
        ] {
            assert!(super::is_local_origin(ok), "{ok}");
        }
        for bad in [
            "http://localhost.evil.com",
            "http://example.com",
            "localhost:3000",
            "http://127.0.0.1.nip.io",
        ] {
            assert!(!super::is_local_origin(bad), "{bad}");
        }
    }
}
