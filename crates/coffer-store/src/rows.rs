//! Row adapters: the plain tuples both backends decode (`query_as` into tuples, no
//! derive) and their conversion into coffer-core records, plus the encoding of a settings
//! document's sealed map. Shared by both backends so they cannot drift.
//!
//! Invariant: bad data from the database (unknown event kind, malformed JSON or base64)
//! becomes [`StoreError::Other`], never a panic and never a silently different value.
//! Error messages name the row, never its content.

pub(crate) mod agent_memories;
pub(crate) mod chats;
pub(crate) mod conversations;
pub(crate) mod workspaces;

use std::collections::BTreeMap;

use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use coffer_core::domain::{SecretMeta, SecretRecord, SettingsRecord};
use coffer_core::event::{Event, EventKind, NewEvent};
use coffer_core::store::{SealedSecretRow, SettingsRow, StoreError};

/// `name, description, version, created_at, updated_at`.
pub(crate) type SecretMetaRow = (String, Option<String>, i64, i64, i64);
/// [`SecretMetaRow`] followed by `sealed`.
pub(crate) type SecretRow = (String, Option<String>, i64, i64, i64, Vec<u8>);
/// `scope, name, sealed`.
pub(crate) type SealedSecretTuple = (String, String, Vec<u8>);
/// `doc, sealed, version, updated_at`.
pub(crate) type SettingsTuple = (String, String, i64, i64);
/// `scope, key` followed by [`SettingsTuple`].
pub(crate) type SettingsListTuple = (String, String, String, String, i64, i64);
/// `id, at, kind, scope, name, version, actor`.
pub(crate) type EventTuple = (i64, i64, String, String, String, i64, String);

pub(crate) fn secret_meta(row: SecretMetaRow) -> SecretMeta {
    let (name, description, version, created_at_ms, updated_at_ms) = row;
    SecretMeta {
        name,
        description,
        version,
        created_at_ms,
        updated_at_ms,
    }
}

pub(crate) fn secret_record(row: SecretRow) -> SecretRecord {
    let (name, description, version, created, updated, sealed) = row;
    SecretRecord {
        meta: secret_meta((name, description, version, created, updated)),
        sealed,
    }
}

pub(crate) fn sealed_secret(row: SealedSecretTuple) -> SealedSecretRow {
    let (scope, name, sealed) = row;
    SealedSecretRow {
        scope,
        name,
        sealed,
    }
}

pub(crate) fn settings_record(row: SettingsTuple) -> Result<SettingsRecord, StoreError> {
    let (doc, sealed, version, updated_at_ms) = row;
    let doc = serde_json::from_str(&doc).context("settings row: `doc` is not valid JSON")?;
    let sealed = decode_sealed(&sealed)?;
    Ok(SettingsRecord {
        doc,
        sealed,
        version,
        updated_at_ms,
    })
}

pub(crate) fn settings_row(row: SettingsListTuple) -> Result<SettingsRow, StoreError> {
    let (scope, key, doc, sealed, version, updated_at) = row;
    let record = settings_record((doc, sealed, version, updated_at))
        .map_err(|e| with_context(e, format!("settings row {scope}/{key}")))?;
    Ok(SettingsRow { scope, key, record })
}

pub(crate) fn event(row: EventTuple) -> Result<Event, StoreError> {
    let (id, at_ms, kind, scope, name, version, actor) = row;
    let kind =
        EventKind::parse(&kind).ok_or_else(|| anyhow!("event row {id}: unknown kind {kind:?}"))?;
    Ok(Event {
        id,
        kind,
        scope,
        name,
        version,
        actor,
        at_ms,
    })
}

/// The recorded form of `new`, once the store assigned `id` and `version`.
pub(crate) fn recorded(new: NewEvent, id: i64, version: i64) -> Event {
    let NewEvent {
        kind,
        scope,
        name,
        actor,
        at_ms,
    } = new;
    Event {
        id,
        kind,
        scope,
        name,
        version,
        actor,
        at_ms,
    }
}

/// The `settings.sealed` column: a JSON object mapping each JSON pointer to the standard
/// base64 of its envelope.
pub(crate) fn encode_sealed(sealed: &BTreeMap<String, Vec<u8>>) -> Result<String, StoreError> {
    let map: serde_json::Map<String, serde_json::Value> = sealed
        .iter()
        .map(|(pointer, envelope)| (pointer.clone(), STANDARD.encode(envelope).into()))
        .collect();
    Ok(serde_json::to_string(&map).context("encoding a settings sealed map")?)
}

pub(crate) fn decode_sealed(text: &str) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    let map: BTreeMap<String, String> = serde_json::from_str(text)
        .context("settings row: `sealed` is not a JSON object of strings")?;
    map.into_iter()
        .map(|(pointer, b64)| {
            let envelope = STANDARD
                .decode(b64)
                .with_context(|| format!("settings row: sealed field {pointer:?} is not base64"))?;
            Ok((pointer, envelope))
        })
        .collect()
}

pub(crate) fn encode_doc(doc: &serde_json::Value) -> Result<String, StoreError> {
    Ok(serde_json::to_string(doc).context("encoding a settings document")?)
}

fn with_context(e: StoreError, context: String) -> StoreError {
    match e {
        StoreError::Other(e) => StoreError::Other(e.context(context)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_maps_round_trip_including_non_utf8_bytes() {
        let map = BTreeMap::from([
            ("/llm/api_key".to_owned(), vec![0xff, 0x00, 0xfe, 0x80]),
            ("/empty".to_owned(), Vec::new()),
        ]);
        let text = encode_sealed(&map).unwrap();
        assert_eq!(decode_sealed(&text).unwrap(), map);
    }

    #[test]
    fn corrupt_columns_are_errors_not_panics() {
        for bad in ["", "[]", "{\"/a\": 1}", "{\"/a\": \"not base64!\"}"] {
            assert!(
                matches!(decode_sealed(bad), Err(StoreError::Other(_))),
                "{bad}"
            );
        }
        let row = (
            1,
            0,
            "secret.exploded".to_owned(),
            "global".into(),
            "A".into(),
            1,
            "x".into(),
        );
        assert!(matches!(event(row), Err(StoreError::Other(_))));
        let settings = ("{".to_owned(), "{}".to_owned(), 1, 0);
        assert!(matches!(
            settings_record(settings),
            Err(StoreError::Other(_))
        ));
    }
}
