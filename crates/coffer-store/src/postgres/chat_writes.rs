//! The PostgreSQL units of work for accounts and chats: the change, the reads it depends
//! on, and its event row (appended last, under the events lock; see [`super`]) in one
//! READ COMMITTED transaction that the caller commits. A conflicting insert (`ON
//! CONFLICT DO NOTHING`) waits for the other transaction, so the read that follows it
//! sees the row that won.

use coffer_core::domain::Message;
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    ChatInsert, GroupAgentWrite, MessageInsert, NewAccount, NewChat, NewMessage, StoreError,
};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::error::at;
use super::insert_event;
use crate::rows::chats as crows;
use crate::sql::chats as csql;

type Tx = Transaction<'static, Postgres>;

pub(super) async fn insert_account(
    tx: &mut Tx,
    human: NewAccount,
    forks: Vec<NewAccount>,
    event: NewEvent,
) -> Result<Option<Event>, StoreError> {
    for (i, account) in std::iter::once(human).chain(forks).enumerate() {
        let inserted: Option<String> = sqlx::query_scalar(csql::INSERT_ACCOUNT)
            .bind(account.username)
            .bind(account.display_name)
            .bind(account.kind.as_str())
            .bind(account.parent_username)
            .bind(account.agent_provider.map(|p| p.as_str()))
            .bind(account.at_ms)
            .fetch_optional(&mut **tx)
            .await
            .map_err(at("insert_account"))?;
        match (inserted, i) {
            (Some(_), _) => {}
            (None, 0) => return Ok(None), // taken: nothing written yet
            // A fork taken while its human was free cannot happen (a fork needs its
            // parent); fail the unit of work rather than leave a human without it.
            (None, _) => {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "insert_account: a fork already exists"
                )));
            }
        }
    }
    Ok(Some(insert_event(tx, event, 1).await?))
}

pub(super) async fn insert_chat(
    tx: &mut Tx,
    chat: NewChat,
    event: NewEvent,
) -> Result<ChatInsert, StoreError> {
    let created: Option<String> = sqlx::query_scalar(csql::INSERT_CHAT)
        .bind(chat.id.to_string())
        .bind(chat.kind.as_str())
        .bind(chat.title)
        .bind(chat.direct_key.clone())
        .bind(chat.at_ms)
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("insert_chat"))?;
    if created.is_none() {
        let existing: String = sqlx::query_scalar(csql::FIND_DIRECT_CHAT)
            .bind(chat.direct_key)
            .fetch_one(&mut **tx)
            .await
            .map_err(at("insert_chat: find the direct chat"))?;
        return Ok(ChatInsert::ExistingDirect(crows::uuid(&existing, "chat")?));
    }
    for username in chat.participants {
        sqlx::query(csql::INSERT_PARTICIPANT)
            .bind(chat.id.to_string())
            .bind(username)
            .bind(chat.at_ms)
            .execute(&mut **tx)
            .await
            .map_err(at("insert_chat: participant"))?;
    }
    Ok(ChatInsert::Created(insert_event(tx, event, 1).await?))
}

pub(super) async fn upsert_group_agent(
    tx: &mut Tx,
    w: GroupAgentWrite,
    event: NewEvent,
) -> Result<Option<Event>, StoreError> {
    let chat_id = w.chat_id.to_string();
    if w.join {
        sqlx::query(csql::INSERT_PARTICIPANT)
            .bind(&chat_id)
            .bind(&w.agent)
            .bind(w.at_ms)
            .execute(&mut **tx)
            .await
            .map_err(at("upsert_group_agent: join"))?;
    } else {
        let member: Option<i64> = sqlx::query_scalar(csql::FIND_PARTICIPANT)
            .bind(&chat_id)
            .bind(&w.agent)
            .fetch_optional(&mut **tx)
            .await
            .map_err(at("upsert_group_agent: participant"))?;
        if member.is_none() {
            return Ok(None);
        }
    }
    sqlx::query(csql::UPSERT_GROUP_AGENT)
        .bind(&chat_id)
        .bind(&w.agent)
        .bind(w.always_on)
        .bind(&w.added_by)
        .bind(w.at_ms)
        .execute(&mut **tx)
        .await
        .map_err(at("upsert_group_agent"))?;
    Ok(Some(insert_event(tx, event, 1).await?))
}

pub(super) async fn remove_chat_agent(
    tx: &mut Tx,
    chat_id: Uuid,
    agent: String,
    event: NewEvent,
) -> Result<Option<Event>, StoreError> {
    let chat_id = chat_id.to_string();
    sqlx::query(csql::DELETE_GROUP_AGENT)
        .bind(&chat_id)
        .bind(&agent)
        .execute(&mut **tx)
        .await
        .map_err(at("remove_chat_agent: setting"))?;
    let removed: Option<i64> = sqlx::query_scalar(csql::DELETE_PARTICIPANT)
        .bind(&chat_id)
        .bind(&agent)
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("remove_chat_agent"))?;
    match removed {
        Some(_) => Ok(Some(insert_event(tx, event, 1).await?)),
        None => Ok(None), // the setting delete above touched nothing either
    }
}

pub(super) async fn insert_message(
    tx: &mut Tx,
    m: NewMessage,
    event: NewEvent,
) -> Result<MessageInsert, StoreError> {
    let (chat_id, sender, client_id) = (
        m.chat_id.to_string(),
        m.sender.clone(),
        m.client_msg_id.clone(),
    );
    let inserted: Option<i64> = sqlx::query_scalar(csql::INSERT_MESSAGE)
        .bind(m.id.to_string())
        .bind(&chat_id)
        .bind(m.sender)
        .bind(m.content)
        .bind(m.reply_to_id.map(|r| r.to_string()))
        .bind(m.client_msg_id)
        .bind(m.at_ms)
        .bind(m.finalized.then_some(m.at_ms))
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("insert_message"))?;
    if inserted.is_none() {
        let row: crows::MessageTuple = sqlx::query_as(csql::FIND_MESSAGE_BY_CLIENT_ID)
            .bind(&chat_id)
            .bind(sender)
            .bind(client_id)
            .fetch_one(&mut **tx)
            .await
            .map_err(at("insert_message: find the first send"))?;
        return Ok(MessageInsert::Duplicate(crows::message(row)?));
    }
    sqlx::query(csql::TOUCH_CHAT)
        .bind(&chat_id)
        .bind(m.at_ms)
        .execute(&mut **tx)
        .await
        .map_err(at("insert_message: touch the chat"))?;
    let message = message_by_id(tx, m.id).await?;
    let event = insert_event(tx, event, 1).await?;
    Ok(MessageInsert::Created(message, event))
}

pub(super) async fn finalize_message(
    tx: &mut Tx,
    id: Uuid,
    content: String,
    at_ms: i64,
    event: NewEvent,
) -> Result<Option<(Message, Event)>, StoreError> {
    let done: Option<i64> = sqlx::query_scalar(csql::FINALIZE_MESSAGE)
        .bind(id.to_string())
        .bind(content)
        .bind(at_ms)
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("finalize_message"))?;
    if done.is_none() {
        return Ok(None);
    }
    let message = message_by_id(tx, id).await?;
    sqlx::query(csql::TOUCH_CHAT)
        .bind(message.chat_id.to_string())
        .bind(at_ms)
        .execute(&mut **tx)
        .await
        .map_err(at("finalize_message: touch the chat"))?;
    let event = insert_event(tx, event, 2).await?;
    Ok(Some((message, event)))
}

async fn message_by_id(tx: &mut Tx, id: Uuid) -> Result<Message, StoreError> {
    let row: crows::MessageTuple = sqlx::query_as(csql::FIND_MESSAGE_BY_ID)
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await
        .map_err(at("read back a message"))?;
    crows::message(row)
}
