//! Row adapters for conversations and their events (see [`crate::sql::conversations`]).
//! A malformed id or JSON column is a [`StoreError::Other`] naming the row, never a
//! panic.

use anyhow::Context;
use coffer_core::store::{ConversationEventRecord, ConversationRecord, StoreError};
use uuid::Uuid;

use super::decode_sealed;

/// `id, status, doc, state, sealed, created_at, updated_at`.
pub(crate) type ConversationTuple = (String, String, String, String, String, i64, i64);

/// `seq, event_id, kind, source, at, sealed`.
pub(crate) type ConversationEventTuple = (i64, String, String, String, i64, Vec<u8>);

pub(crate) fn conversation(row: ConversationTuple) -> Result<ConversationRecord, StoreError> {
    let (id, status, doc, state, sealed, created_at_ms, updated_at_ms) = row;
    let context = || format!("conversation row {id}");
    Ok(ConversationRecord {
        id: Uuid::parse_str(&id).with_context(context)?,
        status,
        doc: serde_json::from_str(&doc).with_context(context)?,
        state: serde_json::from_str(&state).with_context(context)?,
        sealed: decode_sealed(&sealed)?,
        created_at_ms,
        updated_at_ms,
    })
}

pub(crate) fn conversation_event(
    row: ConversationEventTuple,
) -> Result<ConversationEventRecord, StoreError> {
    let (seq, event_id, kind, source, at_ms, sealed) = row;
    Ok(ConversationEventRecord {
        seq,
        event_id: Uuid::parse_str(&event_id)
            .with_context(|| format!("conversation event row {seq}: bad event id"))?,
        kind,
        source,
        at_ms,
        sealed,
    })
}

pub(crate) fn id(text: &str) -> Result<Uuid, StoreError> {
    Ok(Uuid::parse_str(text).with_context(|| format!("conversation id {text:?}"))?)
}

/// `id, sealed` (the sealed map as stored).
pub(crate) type SealTuple = (String, String);

/// `seq, conversation_id, event_id, sealed`.
pub(crate) type SealedEventTuple = (i64, String, String, Vec<u8>);

pub(crate) fn seal(
    row: SealTuple,
) -> Result<(Uuid, std::collections::BTreeMap<String, Vec<u8>>), StoreError> {
    let (id, sealed) = row;
    Ok((self::id(&id)?, decode_sealed(&sealed)?))
}

pub(crate) fn sealed_event(
    row: SealedEventTuple,
) -> Result<coffer_core::store::SealedConversationEvent, StoreError> {
    let (seq, conversation, event, sealed) = row;
    Ok(coffer_core::store::SealedConversationEvent {
        seq,
        conversation_id: id(&conversation)?,
        event_id: id(&event)?,
        sealed,
    })
}
