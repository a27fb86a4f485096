//! `signIn` (the only method without a token), `getUser`, `getUsers`.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use coffer_core::domain::AccountKind;
use coffer_core::ops::SignedIn;
use serde_json::{Value, json};

use super::body::Params;
use super::error::MafoldError;
use super::wire;
use crate::app::AppState;

type Answer = Result<Json<Value>, MafoldError>;

/// `signIn {username}` → `{access_token, expires_in, account}` (dev mode only).
pub async fn sign_in(State(state): State<AppState>, params: Params) -> Answer {
    let username = params.string("username")?;
    let auth = state.core.sign_in(&username).await?;
    Ok(wire::ok(json!({
        "access_token": auth.access_token,
        "expires_in": auth.expires_in,
        "account": wire::account(&auth.account),
    })))
}

/// `getUser {user_id}` (the username) → Account.
pub async fn get_user(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let username = params.string("user_id")?;
    let account = state.core.get_user(&who, &username).await?;
    Ok(wire::ok(wire::account(&account)))
}

/// `getUsers {kind?}` → `{items: Account[]}`.
pub async fn get_users(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let kind = match params.opt_string("kind")? {
        Some(kind) => Some(
            AccountKind::parse(&kind)
                .ok_or_else(|| MafoldError::BadRequest("kind must be human or agent".to_owned()))?,
        ),
        None => None,
    };
    let accounts = state.core.get_users(&who, kind).await?;
    Ok(wire::ok(wire::items(
        accounts.iter().map(wire::account).collect(),
    )))
}
