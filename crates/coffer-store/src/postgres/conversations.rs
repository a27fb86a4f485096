//! [`ConversationStore`] on PostgreSQL: each change is one transaction holding the
//! conversation row's change, its events and the audit event. A conversation's events
//! are inserted after its row was updated (row lock held until commit), so the `seq`s of
//! one conversation become visible in order.

use std::collections::BTreeMap;

use async_trait::async_trait;
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    ConversationEventRecord, ConversationEventWrite, ConversationRecord, ConversationStore,
    ConversationUpdate, EventFilter, SealedConversationEvent, StoreError,
};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::error::at;
use super::{PgStore, commit, insert_event};
use crate::rows::{self, conversations as crows};
use crate::sql::conversations as sql;

async fn insert_events(
    tx: &mut Transaction<'static, Postgres>,
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
            .fetch_one(&mut **tx)
            .await
            .map_err(at("insert conversation event"))?;
        seqs.push(seq);
    }
    Ok(seqs)
}

#[async_trait]
impl ConversationStore for PgStore {
    async fn insert_conversation(
        &self,
        record: &ConversationRecord,
        events: Vec<ConversationEventWrite>,
        audit: NewEvent,
    ) -> Result<Option<(Vec<i64>, Event)>, StoreError> {
        let id = record.id.to_string();
        let mut tx = self.begin("insert_conversation").await?;
        let inserted: Option<String> = sqlx::query_scalar(sql::INSERT_CONVERSATION)
            .bind(&id)
            .bind(&record.status)
            .bind(rows::encode_doc(&record.doc)?)
            .bind(rows::encode_doc(&record.state)?)
            .bind(rows::encode_sealed(&record.sealed)?)
            .bind(record.created_at_ms)
            .bind(record.updated_at_ms)
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("insert_conversation"))?;
        if inserted.is_none() {
            return Ok(None); // dropping `tx` rolls back
        }
        let seqs = insert_events(&mut tx, &id, events).await?;
        let audit = insert_event(&mut tx, audit, 1).await?;
        commit(tx, "insert_conversation").await?;
        Ok(Some((seqs, audit)))
    }

    async fn find_conversation(&self, id: Uuid) -> Result<Option<ConversationRecord>, StoreError> {
        let row: Option<crows::ConversationTuple> = sqlx::query_as(sql::FIND_CONVERSATION)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(at("find_conversation"))?;
        row.map(crows::conversation).transpose()
    }

    async fn update_conversation(
        &self,
        id: Uuid,
        update: ConversationUpdate,
        events: Vec<ConversationEventWrite>,
        audit: Option<NewEvent>,
    ) -> Result<Option<(Vec<i64>, Option<Event>)>, StoreError> {
        let id = id.to_string();
        let state = update.state.as_ref().map(rows::encode_doc).transpose()?;
        let sealed = update
            .sealed
            .as_ref()
            .map(rows::encode_sealed)
            .transpose()?;
        let mut tx = self.begin("update_conversation").await?;
        let found: Option<String> = sqlx::query_scalar(sql::UPDATE_CONVERSATION)
            .bind(&id)
            .bind(update.status)
            .bind(state)
            .bind(sealed)
            .bind(update.updated_at_ms)
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("update_conversation"))?;
        if found.is_none() {
            return Ok(None);
        }
        let seqs = insert_events(&mut tx, &id, events).await?;
        let audit = match audit {
            Some(audit) => Some(insert_event(&mut tx, audit, 1).await?),
            None => None,
        };
        commit(tx, "update_conversation").await?;
        Ok(Some((seqs, audit)))
    }

    async fn delete_conversation(
        &self,
        id: Uuid,
        audit: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let id = id.to_string();
        let mut tx = self.begin("delete_conversation").await?;
        sqlx::query(sql::DELETE_CONVERSATION_EVENTS)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(at("delete_conversation events"))?;
        let deleted: Option<String> = sqlx::query_scalar(sql::DELETE_CONVERSATION)
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(at("delete_conversation"))?;
        if deleted.is_none() {
            return Ok(None);
        }
        let audit = insert_event(&mut tx, audit, 1).await?;
        commit(tx, "delete_conversation").await?;
        Ok(Some(audit))
    }

    async fn list_conversation_events(
        &self,
        id: Uuid,
        filter: &EventFilter,
    ) -> Result<Vec<ConversationEventRecord>, StoreError> {
        let statement = if filter.newest_first {
            sql::LIST_CONVERSATION_EVENTS_DESC
        } else {
            sql::LIST_CONVERSATION_EVENTS
        };
        let rows: Vec<crows::ConversationEventTuple> = sqlx::query_as(statement)
            .bind(id.to_string())
            .bind(filter.after_seq)
            .bind(filter.kind.as_deref())
            .bind(filter.source.as_deref())
            .bind(filter.limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_conversation_events"))?;
        rows.into_iter().map(crows::conversation_event).collect()
    }

    async fn move_conversations_status(
        &self,
        from: &str,
        to: &str,
        at_ms: i64,
    ) -> Result<Vec<Uuid>, StoreError> {
        let raw: Vec<String> = sqlx::query_scalar(sql::MOVE_CONVERSATIONS_STATUS)
            .bind(from)
            .bind(to)
            .bind(at_ms)
            .fetch_all(&self.pool)
            .await
            .map_err(at("move_conversations_status"))?;
        raw.iter().map(|id| crows::id(id)).collect()
    }

    async fn list_conversation_seals(
        &self,
    ) -> Result<Vec<(Uuid, BTreeMap<String, Vec<u8>>)>, StoreError> {
        let rows: Vec<crows::SealTuple> = sqlx::query_as(sql::LIST_CONVERSATION_SEALS)
            .fetch_all(&self.pool)
            .await
            .map_err(at("list_conversation_seals"))?;
        rows.into_iter().map(crows::seal).collect()
    }

    async fn reseal_conversation(
        &self,
        id: Uuid,
        old: &BTreeMap<String, Vec<u8>>,
        new: BTreeMap<String, Vec<u8>>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::RESEAL_CONVERSATION)
            .bind(id.to_string())
            .bind(rows::encode_sealed(&new)?)
            .bind(rows::encode_sealed(old)?)
            .execute(&self.pool)
            .await
            .map_err(at("reseal_conversation"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_sealed_conversation_events(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<SealedConversationEvent>, StoreError> {
        let rows: Vec<crows::SealedEventTuple> =
            sqlx::query_as(sql::LIST_SEALED_CONVERSATION_EVENTS)
                .bind(after_seq)
                .bind(limit.max(0))
                .fetch_all(&self.pool)
                .await
                .map_err(at("list_sealed_conversation_events"))?;
        rows.into_iter().map(crows::sealed_event).collect()
    }

    async fn reseal_conversation_event(
        &self,
        seq: i64,
        old: &[u8],
        new: Vec<u8>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::RESEAL_CONVERSATION_EVENT)
            .bind(seq)
            .bind(new)
            .bind(old)
            .execute(&self.pool)
            .await
            .map_err(at("reseal_conversation_event"))?;
        Ok(done.rows_affected() == 1)
    }
}
