//! The Molecule dialect's JSON shapes, field for field and in the original's order, and
//! its time format (RFC 3339 in UTC, as Go encodes a `time.Time`).

use coffer_core::domain::{SecretMeta, Workspace};
use coffer_core::ops::{ListedSecret, SecretLayer};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unix milliseconds as RFC 3339 (`2026-04-27T10:00:00.123Z`).
pub fn timestamp(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A workspace as every lifecycle route shows it.
pub fn workspace(w: &Workspace) -> Value {
    json!({
        "id": w.id.to_string(),
        "name": w.name.as_str(),
        "parent_id": w.parent_id.map(|p| p.to_string()),
        "status": w.status.as_str(),
        "status_reason": w.status_reason,
        "runtime": w.runtime.as_str(),
        "command": w.command.as_ref().map(|c| c.as_str()),
        "created_at": timestamp(w.created_at_ms),
        "updated_at": timestamp(w.updated_at_ms),
    })
}

/// An entry of `GET /workspaces/:id/secrets`.
pub fn listed_secret(s: &ListedSecret) -> Value {
    let scope = match s.layer {
        SecretLayer::Workspace => "workspace",
        SecretLayer::Global => "global",
    };
    json!({
        "key": s.meta.name,
        "has_value": true,
        "scope": scope,
        "created_at": timestamp(s.meta.created_at_ms),
        "updated_at": timestamp(s.meta.updated_at_ms),
    })
}

/// An entry of `GET /settings/secrets` (and `/admin/secrets`).
pub fn global_secret(meta: &SecretMeta) -> Value {
    json!({
        "key": meta.name,
        "has_value": true,
        "created_at": timestamp(meta.created_at_ms),
        "updated_at": timestamp(meta.updated_at_ms),
        "scope": "global",
    })
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_777_284_000_123), "2026-04-27T10:00:00.123Z");
    }
}
