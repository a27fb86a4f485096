//! Every change emits an [`Event`]: kind, scope, name, version, actor and time — never a
//! value. Events are appended to the store's `events` table in the same transaction as
//! the change (the audit log), then published on an in-process [`EventBus`] for watchers
//! (restart fan-out, streams).

use tokio::sync::broadcast;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    SecretPut,
    SecretDeleted,
    SettingsUpdated,
    KeyRotated,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SecretPut => "secret.put",
            EventKind::SecretDeleted => "secret.deleted",
            EventKind::SettingsUpdated => "settings.updated",
            EventKind::KeyRotated => "key.rotated",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            Self::SecretPut,
            Self::SecretDeleted,
            Self::SettingsUpdated,
            Self::KeyRotated,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An event about to be written; the store assigns `id` (and fills `version` where the
/// change produced one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub scope: String,
    pub name: String,
    pub actor: String,
    pub at_ms: i64,
}

/// An event as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub scope: String,
    pub name: String,
    pub version: i64,
    pub actor: String,
    pub at_ms: i64,
}

/// In-process fan-out of recorded events. Lagging receivers lose old events (they can
/// re-read the `events` table); senders never block.
#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl EventBus {
    pub fn new() -> EventBus {
        let (tx, _) = broadcast::channel(1024);
        EventBus { tx }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    pub fn publish(&self, event: Event) {
        // No receiver is not an error: nobody is watching right now.
        let _ = self.tx.send(event);
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}
