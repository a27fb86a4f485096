//! [`ConversationStore`] on SQLite: reads on the reader pool, every change as one job of
//! the group-commit writer (the units of work are in [`super::conversation_writes`]).
//! Nothing here is cached.

use std::collections::BTreeMap;

use async_trait::async_trait;
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    ConversationEventRecord, ConversationEventWrite, ConversationRecord, ConversationStore,
    ConversationUpdate, EventFilter, SealedConversationEvent, StoreError,
};
use uuid::Uuid;

use super::SqliteStore;
use super::conversation_writes::{self as writes, ConversationInput, UpdateInput};
use super::error::at;
use crate::rows::{self, conversations as crows};
use crate::sql::conversations as sql;

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn insert_conversation(
        &self,
        record: &ConversationRecord,
        events: Vec<ConversationEventWrite>,
        audit: NewEvent,
    ) -> Result<Option<(Vec<i64>, Event)>, StoreError> {
        let input = ConversationInput {
            id: record.id.to_string(),
            status: record.status.clone(),
            doc: rows::encode_doc(&record.doc)?,
            state: rows::encode_doc(&record.state)?,
            sealed: rows::encode_sealed(&record.sealed)?,
            created_at: record.created_at_ms,
            updated_at: record.updated_at_ms,
        };
        self.writer
            .submit(move |conn| Box::pin(writes::insert_conversation(conn, input, events, audit)))
            .await
    }

    async fn find_conversation(&self, id: Uuid) -> Result<Option<ConversationRecord>, StoreError> {
        let row: Option<crows::ConversationTuple> = sqlx::query_as(sql::FIND_CONVERSATION)
            .bind(id.to_string())
            .fetch_optional(&self.read)
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
        let input = UpdateInput {
            id: id.to_string(),
            status: update.status,
            state: update.state.as_ref().map(rows::encode_doc).transpose()?,
            sealed: update
                .sealed
                .as_ref()
                .map(rows::encode_sealed)
                .transpose()?,
            updated_at: update.updated_at_ms,
        };
        self.writer
            .submit(move |conn| Box::pin(writes::update_conversation(conn, input, events, audit)))
            .await
    }

    async fn delete_conversation(
        &self,
        id: Uuid,
        audit: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let id = id.to_string();
        self.writer
            .submit(move |conn| Box::pin(writes::delete_conversation(conn, id, audit)))
            .await
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
            .fetch_all(&self.read)
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
        let (from, to) = (from.to_owned(), to.to_owned());
        let raw = self
            .writer
            .submit(move |conn| Box::pin(writes::move_status(conn, from, to, at_ms)))
            .await?;
        raw.iter().map(|id| crows::id(id)).collect()
    }

    async fn list_conversation_seals(
        &self,
    ) -> Result<Vec<(Uuid, BTreeMap<String, Vec<u8>>)>, StoreError> {
        let rows: Vec<crows::SealTuple> = sqlx::query_as(sql::LIST_CONVERSATION_SEALS)
            .fetch_all(&self.read)
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
        let (id, old, new) = (
            id.to_string(),
            rows::encode_sealed(old)?,
            rows::encode_sealed(&new)?,
        );
        self.writer
            .submit(move |conn| Box::pin(writes::reseal_conversation(conn, id, old, new)))
            .await
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
                .fetch_all(&self.read)
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
        let old = old.to_vec();
        self.writer
            .submit(move |conn| Box::pin(writes::reseal_event(conn, seq, old, new)))
            .await
    }
}
