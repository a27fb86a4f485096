//! Conversations and messages: `startChat`, `getChats`, `getChat`, `sendMessage`,
//! `getMessages`.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use coffer_core::ops::{MessageDraft, MessagePage, SignedIn};
use serde_json::Value;

use super::body::Params;
use super::error::MafoldError;
use super::wire;
use crate::app::AppState;

type Answer = Result<Json<Value>, MafoldError>;

/// `startChat {user_ids, title?}` → Conversation.
pub async fn start_chat(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let user_ids = params.strings("user_ids")?;
    let title = params.opt_string("title")?;
    let chat = state
        .core
        .start_chat(&who, &user_ids, title.as_deref())
        .await?;
    Ok(wire::ok(wire::conversation(&chat)))
}

/// `getChats` → `{items: Conversation[]}`, most recently active first.
pub async fn get_chats(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    _: Params,
) -> Answer {
    let chats = state.core.list_chats(&who).await?;
    Ok(wire::ok(wire::items(
        chats.iter().map(wire::conversation).collect(),
    )))
}

/// `getChat {chat_id}` → Conversation.
pub async fn get_chat(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let chat = state.core.get_chat(&who, chat_id).await?;
    Ok(wire::ok(wire::conversation(&chat)))
}

/// `sendMessage {chat_id, text, reply_to_message_id?, client_msg_id?}` → the stored
/// Message; agent replies follow over the WebSocket.
pub async fn send_message(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let draft = MessageDraft {
        text: params.string("text")?,
        reply_to: params.opt_uuid("reply_to_message_id")?,
        client_msg_id: params.opt_string("client_msg_id")?,
    };
    if params.has_content("attachments") {
        return Err(MafoldError::BadRequest(
            "attachments are not supported".to_owned(),
        ));
    }
    let message = state.core.send_message(&who, chat_id, draft).await?;
    Ok(wire::ok(wire::message(&message)))
}

/// `getMessages {chat_id, limit?, before?}` → `{items: Message[]}`, oldest first.
pub async fn get_messages(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let page = MessagePage {
        before: params.opt_uuid("before")?,
        limit: params.opt_i64("limit")?,
    };
    let messages = state.core.list_messages(&who, chat_id, page).await?;
    Ok(wire::ok(wire::items(
        messages.iter().map(wire::message).collect(),
    )))
}
