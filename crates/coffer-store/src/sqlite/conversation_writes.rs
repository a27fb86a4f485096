//! The SQLite units of work for conversations, each run as one job of a group-commit
//! batch (see [`super::writer`]) on the writer connection. Inputs are owned and already
//! encoded.

use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{ConversationEventWrite, StoreError};
use sqlx::SqliteConnection;

use super::error::at;
use super::writes::insert_event;
use crate::sql::conversations as sql;

/// A conversation row with its JSON and sealed columns encoded.
pub(super) struct ConversationInput {
    pub id: String,
    pub status: String,
    pub doc: String,
    pub state: String,
    pub sealed: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An update with its columns encoded (`None`: keep).
pub(super) struct UpdateInput {
    pub id: String,
    pub status: Option<String>,
    pub state: Option<String>,
    pub sealed: Option<String>,
    pub updated_at: i64,
}

pub(super) async fn insert_conversation(
    conn: &mut SqliteConnection,
    c: ConversationInput,
    events: Vec<ConversationEventWrite>,
    audit: NewEvent,
) -> Result<Option<(Vec<i64>, Event)>, StoreError> {
    let inserted: Option<String> = sqlx::query_scalar(sql::INSERT_CONVERSATION)
        .bind(&c.id)
        .bind(c.status)
        .bind(c.doc)
        .bind(c.state)
        .bind(c.sealed)
        .bind(c.created_at)
        .bind(c.updated_at)
        .fetch_optional(&mut *conn)
        .await
        .map_err(at("insert_conversation"))?;
    if inserted.is_none() {
        return Ok(None);
    }
    let seqs = insert_events(conn, &c.id, events).await?;
    let audit = insert_event(conn, audit, 1).await?;
    Ok(Some((seqs, audit)))
}

pub(super) async fn update_conversation(
    conn: &mut SqliteConnection,
    u: UpdateInput,
    events: Vec<ConversationEventWrite>,
    audit: Option<NewEvent>,
) -> Result<Option<(Vec<i64>, Option<Event>)>, StoreError> {
    let found: Option<String> = sqlx::query_scalar(sql::UPDATE_CONVERSATION)
        .bind(&u.id)
        .bind(u.status)
        .bind(u.state)
        .bind(u.sealed)
        .bind(u.updated_at)
        .fetch_optional(&mut *conn)
        .await
        .map_err(at("update_conversation"))?;
    if found.is_none() {
        return Ok(None);
    }
    let seqs = insert_events(conn, &u.id, events).await?;
    let audit = match audit {
        Some(audit) => Some(insert_event(conn, audit, 1).await?),
        None => None,
    };
    Ok(Some((seqs, audit)))
}

pub(super) async fn delete_conversation(
    conn: &mut SqliteConnection,
    id: String,
    audit: NewEvent,
) -> Result<Option<Event>, StoreError> {
    sqlx::query(sql::DELETE_CONVERSATION_EVENTS)
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(at("delete_conversation events"))?;
    let deleted: Option<String> = sqlx::query_scalar(sql::DELETE_CONVERSATION)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(at("delete_conversation"))?;
    match deleted {
        Some(_) => Ok(Some(insert_event(conn, audit, 1).await?)),
        None => Ok(None),
    }
}

pub(super) async fn move_status(
    conn: &mut SqliteConnection,
    from: String,
    to: String,
    at_ms: i64,
) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(sql::MOVE_CONVERSATIONS_STATUS)
        .bind(from)
        .bind(to)
        .bind(at_ms)
        .fetch_all(&mut *conn)
        .await
        .map_err(at("move_conversations_status"))
}

async fn insert_events(
    conn: &mut SqliteConnection,
    conversation: &str,
    events: Vec<ConversationEventWrite>,
) -> Result<Vec<i64>, StoreError> {
    let mut seqs = Vec::with_capacity(events.len());
    for e in events {
        let seq: i64 = sqlx::query_scalar(sql::INSERT_CONVERSATION_EVENT)
            .bind(conversation)
            .bind(e.event_id.to_string())
            .bind(e.kind)
            .bind(e.source)
            .bind(e.at_ms)
            .bind(e.sealed)
            .fetch_one(&mut *conn)
            .await
            .map_err(at("insert conversation event"))?;
        seqs.push(seq);
    }
    Ok(seqs)
}

pub(super) async fn reseal_conversation(
    conn: &mut SqliteConnection,
    id: String,
    old: String,
    new: String,
) -> Result<bool, StoreError> {
    let done = sqlx::query(sql::RESEAL_CONVERSATION)
        .bind(id)
        .bind(new)
        .bind(old)
        .execute(&mut *conn)
        .await
        .map_err(at("reseal_conversation"))?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn reseal_event(
    conn: &mut SqliteConnection,
    seq: i64,
    old: Vec<u8>,
    new: Vec<u8>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(sql::RESEAL_CONVERSATION_EVENT)
        .bind(seq)
        .bind(new)
        .bind(old)
        .execute(&mut *conn)
        .await
        .map_err(at("reseal_conversation_event"))?;
    Ok(done.rows_affected() == 1)
}
