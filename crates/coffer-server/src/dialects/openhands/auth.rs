//! `X-Session-API-Key` on every `/api` route. Runs as a route layer of each method, so it
//! sees only matched routes and methods (an unknown path is 404 and a wrong method 405
//! without a key) and runs before any extractor
//! (a bad body or name without a key is 401, not 422). `Authorization: Bearer` and the
//! `session_api_key` query parameter are not accepted over HTTP.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::OhError;
use crate::app::AppState;

pub const SESSION_KEY_HEADER: &str = "x-session-api-key";

pub async fn require_session_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(SESSION_KEY_HEADER)
        .map(|v| v.as_bytes());
    match state.session_keys.authenticate(presented) {
        Some(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        None => OhError::Unauthorized.into_response(),
    }
}
