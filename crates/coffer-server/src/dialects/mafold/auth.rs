//! `Authorization: Bearer <token>` on every method but `signIn`. Runs as a route layer
//! of each method, so an unknown path (404) and a wrong method (405) are answered
//! without a token, and before any body is read (a bad body without a token is 401).
//! The core decides what a token is worth (issued tokens; dev tokens in dev mode only).

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_core::error::AccountAuthFailure;

use super::error::MafoldError;
use crate::app::AppState;

pub async fn require_account(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = match bearer(&request) {
        Ok(token) => token,
        Err(e) => return e.into_response(),
    };
    match state.core.authenticate_account(token.as_deref()).await {
        Ok(who) => {
            request.extensions_mut().insert(who);
            next.run(request).await
        }
        Err(e) => MafoldError::from(e).into_response(),
    }
}

/// The bearer token, `None` when the header is absent; another scheme is refused.
fn bearer(request: &Request) -> Result<Option<String>, MafoldError> {
    let Some(value) = request.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || MafoldError::Core(CoreError::AccountAuth(AccountAuthFailure::InvalidToken));
    let value = value.to_str().map_err(|_| invalid())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(invalid()),
    }
}
