//! `GET /api/ws?token=…`: live events for the signed-in account. The token is checked
//! before the upgrade (a bad one is an HTTP 401 envelope, no socket); the subscription
//! starts before the upgrade too, so nothing published after the 101 is missed.
//!
//! Frames are `{"method":"events.<name>","params":{…}}`: first `events.hello`
//! `{username, kind, display_name}`, then `events.conversationNew` and
//! `events.conversationUpdated` (a Conversation), `events.messageNew` and
//! `events.messageComplete` (a Message; an agent's placeholder has no `finalized_at`),
//! and `events.messageDelta` `{conversation_id, message_id, delta}`. Only events of the
//! account's own conversations are sent (the core filters). The socket carries no
//! method calls: a frame sent to it is answered with an error in the WebSocket RPC shape.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use coffer_core::event::{ChatEvent, ChatEventBody};
use coffer_core::ops::{ChatWatch, SignedIn};
use serde_json::{Value, json};

use super::error::MafoldError;
use super::wire;
use crate::app::AppState;

/// Keeps idle connections (and proxies) alive.
const PING_EVERY: Duration = Duration::from_secs(30);

pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = query
        .into_iter()
        .rev()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v);
    let who = match state.core.authenticate_account(token.as_deref()).await {
        Ok(who) => who,
        Err(e) => return MafoldError::from(e).into_response(),
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(_) => {
            return MafoldError::BadRequest("expected a WebSocket upgrade".to_owned())
                .into_response();
        }
    };
    let watch = state.core.watch_chats(&who);
    upgrade.on_upgrade(move |socket| session(socket, who, watch))
}

async fn session(mut socket: WebSocket, who: SignedIn, mut watch: ChatWatch) {
    let account = who.account();
    let hello = frame(
        "hello",
        json!({"username": account.username, "kind": account.kind.as_str(), "display_name": account.display_name}),
    );
    if socket.send(hello).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    loop {
        tokio::select! {
            event = watch.next() => {
                let Some(event) = event else { break };
                if socket.send(encode(&event)).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Frame::Text(text))) => {
                    if socket.send(not_a_method_socket(&text)).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {} // pings are answered by the socket; pongs and binary ignored
            },
            _ = ping.tick() => {
                if socket.send(Frame::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    tracing::debug!(account = %who.username(), "websocket closed");
}

fn frame(name: &str, params: Value) -> Frame {
    Frame::Text(
        json!({"method": format!("events.{name}"), "params": params})
            .to_string()
            .into(),
    )
}

fn encode(event: &ChatEvent) -> Frame {
    match &event.body {
        ChatEventBody::ConversationNew(chat) => frame("conversationNew", wire::conversation(chat)),
        ChatEventBody::ConversationUpdated(chat) => {
            frame("conversationUpdated", wire::conversation(chat))
        }
        ChatEventBody::MessageNew(message) => frame("messageNew", wire::message(message)),
        ChatEventBody::MessageDelta {
            chat_id,
            message_id,
            delta,
        } => frame(
            "messageDelta",
            json!({"conversation_id": chat_id.to_string(), "message_id": message_id.to_string(), "delta": delta.as_ref()}),
        ),
        ChatEventBody::MessageComplete(message) => frame("messageComplete", wire::message(message)),
    }
}

/// The WebSocket RPC error shape, echoing the frame's `id` when it had one.
fn not_a_method_socket(text: &str) -> Frame {
    let id = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("id").cloned());
    let mut reply = json!({
        "ok": false,
        "error": {"code": "invalid_argument", "message": "this socket only sends events; call methods with POST /api/<method>"},
    });
    if let Some(id) = id {
        reply["id"] = id;
    }
    Frame::Text(reply.to_string().into())
}
