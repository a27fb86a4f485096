//! The Mafold wire objects (`/docs/api/objects`): Account, Conversation, Message, and the
//! success envelope. Optional fields are omitted, never `null`; timestamps are RFC 3339
//! UTC with milliseconds; ids are UUID strings; accounts are addressed by username.

use axum::Json;
use coffer_core::domain::{Account, Chat, Message};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// `{"ok":true,"result":…}`.
pub fn ok(result: Value) -> Json<Value> {
    Json(json!({"ok": true, "result": result}))
}

/// `{"items":[…]}` (`next_cursor` is always absent: one page).
pub fn items(list: Vec<Value>) -> Value {
    json!({ "items": list })
}

pub fn account(a: &Account) -> Value {
    let mut out = Map::new();
    out.insert("username".into(), json!(a.username));
    out.insert("display_name".into(), json!(a.display_name));
    out.insert("kind".into(), json!(a.kind.as_str()));
    insert_some(&mut out, "avatar_url", a.avatar_url.as_deref());
    insert_some(&mut out, "bio", a.bio.as_deref());
    insert_some(&mut out, "parent_username", a.parent_username.as_deref());
    insert_some(
        &mut out,
        "agent_provider",
        a.agent_provider.map(|p| p.as_str()),
    );
    Value::Object(out)
}

/// `unread_count` is always omitted (read markers are not kept, so it would be 0).
pub fn conversation(c: &Chat) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(c.id.to_string()));
    out.insert("kind".into(), json!(c.kind.as_str()));
    insert_some(&mut out, "title", c.title.as_deref());
    out.insert(
        "participants".into(),
        c.participants.iter().map(account).collect(),
    );
    out.insert("updated_at".into(), json!(timestamp(c.updated_at_ms)));
    Value::Object(out)
}

pub fn message(m: &Message) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(m.id.to_string()));
    out.insert("conversation_id".into(), json!(m.chat_id.to_string()));
    out.insert("sender".into(), account(&m.sender));
    out.insert("content".into(), json!(m.content));
    insert_some(
        &mut out,
        "reply_to_id",
        m.reply_to_id.map(|id| id.to_string()).as_deref(),
    );
    out.insert("created_at".into(), json!(timestamp(m.created_at_ms)));
    insert_some(
        &mut out,
        "finalized_at",
        m.finalized_at_ms.map(timestamp).as_deref(),
    );
    out.insert("reactions".into(), json!([]));
    insert_some(&mut out, "client_msg_id", m.client_msg_id.as_deref());
    Value::Object(out)
}

fn insert_some(out: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.insert(key.to_owned(), json!(value));
    }
}

/// Unix milliseconds as RFC 3339 UTC, e.g. `2026-11-27T07:44:21.268Z`.
pub fn timestamp(ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::domain::{AccountKind, Provider};

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
    }

    #[test]
    fn optional_account_fields_are_omitted_not_null() {
        let fork = Account {
            username: "ops:claude".into(),
            display_name: "Claude".into(),
            kind: AccountKind::Agent,
            avatar_url: None,
            bio: None,
            parent_username: Some("ops".into()),
            agent_provider: Some(Provider::Claude),
        };
        assert_eq!(
            account(&fork),
            json!({"username": "ops:claude", "display_name": "Claude", "kind": "agent", "parent_username": "ops", "agent_provider": "claude"})
        );
    }
}
