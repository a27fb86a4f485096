//! The Mafold dialect ("Agents & keys" and the chat methods it touches): one URL per
//! method, `POST /api/<method>` with a JSON body, answered `{"ok":true,"result":…}` or
//! with the failure envelope (see [`error`]); `GET /api/ws` for live events. Contract:
//! `shared/spec/mafold.md` and the Agents & keys page; choices and differences are in
//! `docs/dialects/mafold.md`.
//!
//! Every method is its own explicit route — never an `/api/{method}` catch-all — so the
//! OpenHands dialect keeps `/api/settings*` and `/api/conversations*`, and an unknown
//! `/api/...` path stays the OpenHands 404 `{"detail":"Not Found"}`. Every method but
//! `signIn` needs `Authorization: Bearer` (checked before the body is read).

mod accounts;
mod agents;
mod auth;
mod body;
mod chats;
mod error;
mod group_agents;
mod wire;
mod ws;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::app::AppState;
pub use error::MafoldError;

pub fn router(state: AppState) -> Router {
    let auth = middleware::from_fn_with_state(state.clone(), auth::require_account);
    let method = |route: MethodRouter<AppState>| route.route_layer(auth.clone());
    Router::new()
        .route("/api/signIn", post(accounts::sign_in))
        .route("/api/getUser", method(post(accounts::get_user)))
        .route("/api/getUsers", method(post(accounts::get_users)))
        .route("/api/getMyAgents", method(post(agents::get_my_agents)))
        .route("/api/setAgentKey", method(post(agents::set_agent_key)))
        .route(
            "/api/removeAgentKey",
            method(post(agents::remove_agent_key)),
        )
        .route("/api/startChat", method(post(chats::start_chat)))
        .route("/api/getChats", method(post(chats::get_chats)))
        .route("/api/getChat", method(post(chats::get_chat)))
        .route("/api/sendMessage", method(post(chats::send_message)))
        .route("/api/getMessages", method(post(chats::get_messages)))
        .route(
            "/api/getGroupAgents",
            method(post(group_agents::get_group_agents)),
        )
        .route(
            "/api/addGroupAgent",
            method(post(group_agents::add_group_agent)),
        )
        .route(
            "/api/removeGroupAgent",
            method(post(group_agents::remove_group_agent)),
        )
        .route(
            "/api/setGroupAgentMode",
            method(post(group_agents::set_group_agent_mode)),
        )
        .route("/api/ws", get(ws::upgrade))
        .layer(middleware::map_response(envelope_method_not_allowed))
        .with_state(state)
}

/// axum answers a wrong method with an empty 405; Mafold clients read the envelope.
async fn envelope_method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    let mut answer = MafoldError::MethodNotAllowed.into_response();
    if let Some(allow) = allow {
        answer
            .headers_mut()
            .insert(axum::http::header::ALLOW, allow);
    }
    answer
}
