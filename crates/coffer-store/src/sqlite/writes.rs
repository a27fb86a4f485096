//! The SQLite write operations, each run as one job of a group-commit batch (see
//! [`super::writer`]) on the writer connection, inside the batch's transaction. Inputs
//! are owned (they travel to the writer task) and already encoded, so the one writer
//! connection spends its time on SQL only.

use coffer_core::domain::SecretMeta;
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{SecretWrite, StoreError};
use sqlx::SqliteConnection;

use super::error::at;
use crate::{rows, sql};

pub(super) struct SecretInput {
    scope: String,
    name: String,
    sealed: Vec<u8>,
    key_id: String,
    description: Option<String>,
    at_ms: i64,
}

impl From<SecretWrite<'_>> for SecretInput {
    fn from(w: SecretWrite<'_>) -> Self {
        SecretInput {
            scope: w.scope.as_string(),
            name: w.name.as_str().to_owned(),
            sealed: w.sealed,
            key_id: w.key_id,
            description: w.description,
            at_ms: w.at_ms,
        }
    }
}

/// A settings document with `doc` and `sealed` already encoded as column text.
pub(super) struct SettingsInput {
    pub scope: String,
    pub key: String,
    pub doc: String,
    pub sealed: String,
    pub at_ms: i64,
    pub expected_version: Option<i64>,
}

pub(super) struct ResealInput {
    pub scope: String,
    pub name: String,
    pub old_sealed: Vec<u8>,
    pub new_sealed: Vec<u8>,
    pub key_id: String,
}

/// Appends `event` with `version` (same transaction as the change it records).
pub(super) async fn insert_event(
    conn: &mut SqliteConnection,
    event: NewEvent,
    version: i64,
) -> Result<Event, StoreError> {
    let id: i64 = sqlx::query_scalar(sql::INSERT_EVENT)
        .bind(event.at_ms)
        .bind(event.kind.as_str())
        .bind(&event.scope)
        .bind(&event.name)
        .bind(version)
        .bind(&event.actor)
        .fetch_one(&mut *conn)
        .await
        .map_err(at("append event"))?;
    Ok(rows::recorded(event, id, version))
}

pub(super) async fn upsert_secret(
    conn: &mut SqliteConnection,
    s: SecretInput,
    event: NewEvent,
) -> Result<(SecretMeta, Event), StoreError> {
    let row: rows::SecretMetaRow = sqlx::query_as(sql::UPSERT_SECRET)
        .bind(s.scope)
        .bind(s.name)
        .bind(s.sealed)
        .bind(s.key_id)
        .bind(s.description)
        .bind(s.at_ms)
        .fetch_one(&mut *conn)
        .await
        .map_err(at("upsert_secret"))?;
    let meta = rows::secret_meta(row);
    let event = insert_event(conn, event, meta.version).await?;
    Ok((meta, event))
}

pub(super) async fn delete_secret(
    conn: &mut SqliteConnection,
    scope: String,
    name: String,
    event: NewEvent,
) -> Result<Option<Event>, StoreError> {
    let version: Option<i64> = sqlx::query_scalar(sql::DELETE_SECRET)
        .bind(scope)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(at("delete_secret"))?;
    match version {
        Some(version) => Ok(Some(insert_event(conn, event, version).await?)),
        None => Ok(None),
    }
}

pub(super) async fn save_settings(
    conn: &mut SqliteConnection,
    s: SettingsInput,
    event: NewEvent,
) -> Result<(i64, Event), StoreError> {
    let statement = sqlx::query_scalar(match s.expected_version {
        None => sql::INSERT_SETTINGS,
        Some(_) => sql::UPDATE_SETTINGS,
    })
    .bind(s.scope)
    .bind(s.key)
    .bind(s.doc)
    .bind(s.sealed)
    .bind(s.at_ms);
    let statement = match s.expected_version {
        Some(expected) => statement.bind(expected),
        None => statement,
    };
    let version: Option<i64> = statement
        .fetch_optional(&mut *conn)
        .await
        .map_err(at("save_settings"))?;
    let version = version.ok_or(StoreError::Conflict)?;
    let event = insert_event(conn, event, version).await?;
    Ok((version, event))
}

pub(super) async fn reseal_secret(
    conn: &mut SqliteConnection,
    r: ResealInput,
) -> Result<bool, StoreError> {
    let done = sqlx::query(sql::RESEAL_SECRET)
        .bind(r.new_sealed)
        .bind(r.key_id)
        .bind(r.scope)
        .bind(r.name)
        .bind(r.old_sealed)
        .execute(&mut *conn)
        .await
        .map_err(at("reseal_secret"))?;
    Ok(done.rows_affected() == 1)
}
