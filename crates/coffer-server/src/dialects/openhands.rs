//! The OpenHands agent-server dialect: `/api/settings`, `/api/settings/secrets`,
//! `/api/conversations…`, health routes. Wire contract: `shared/spec/openhands.md`; deliberate differences are listed
//! in `docs/dialects/openhands.md`.
//!
//! Errors are `{"detail": ...}`; every `/api/...` route requires `X-Session-API-Key`
//! (checked before any body or path validation); an unknown `/api` path is 404 without
//! authentication because no route matched.

mod auth;
mod body;
mod conversations;
mod conversations_request;
mod conversations_secret_sources;
mod conversations_view;
mod error;
mod health;
mod secrets;
mod settings;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::app::AppState;
pub use error::OhError;

/// Paths that answer a trailing-slash request with a redirect to the slashless form.
const REDIRECTED_PATHS: [&str; 2] = ["/api/settings", "/api/settings/secrets"];

pub fn router(state: AppState) -> Router {
    // The key check wraps each method's handler, not the router: an unknown path (404)
    // and a wrong method (405) are answered without a key, as the original does.
    let auth = middleware::from_fn_with_state(state.clone(), auth::require_session_key);
    let api = Router::new()
        .route(
            "/api/settings",
            get(settings::get_settings)
                .patch(settings::patch_settings)
                .route_layer(auth.clone()),
        )
        .route(
            "/api/settings/secrets",
            get(secrets::list_secrets)
                .put(secrets::put_secret)
                .route_layer(auth.clone()),
        )
        .route(
            "/api/settings/secrets/{name}",
            get(secrets::get_secret)
                .delete(secrets::delete_secret)
                .route_layer(auth.clone()),
        )
        .route(
            "/api/conversations",
            get(conversations::batch_get)
                .post(conversations::create)
                .route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}",
            get(conversations::get)
                .delete(conversations::delete)
                .route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}/agent_final_response",
            get(conversations::final_response).route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}/secrets",
            post(conversations::update_secrets).route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}/events",
            get(conversations::search_events)
                .post(conversations::send_message)
                .route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}/events/search",
            get(conversations::search_events).route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}/run",
            post(conversations::run).route_layer(auth.clone()),
        )
        .route(
            "/api/conversations/{conversation_id}/pause",
            post(conversations::pause).route_layer(auth.clone()),
        )
        .route(
            "/api/profiles/{name}",
            get(settings::get_profile).route_layer(auth),
        );
    Router::new()
        .route("/health", get(health::ok))
        .route("/alive", get(health::ok))
        .route("/ready", get(health::ready))
        .route("/server_info", get(health::server_info))
        .route("/", get(health::server_info))
        .route("/openapi.json", get(health::openapi))
        .route("/docs", get(health::docs))
        .merge(api)
        .fallback(fallback)
        .layer(middleware::map_response(json_method_not_allowed))
        .with_state(state)
}

/// 404 `{"detail":"Not Found"}`, or a 307 to the slashless URL for a defined path.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path();
    let trimmed = path.trim_end_matches('/');
    if path.ends_with('/') && REDIRECTED_PATHS.contains(&trimmed) {
        let location = match uri.query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    OhError::RouteNotFound.into_response()
}

/// axum answers a wrong method with an empty 405; the dialect's clients expect a JSON
/// `detail` (the `allow` header is kept).
async fn json_method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = br#"{"detail":"Method Not Allowed"}"#;
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(&body[..]))
}
