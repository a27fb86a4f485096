//! A workspace's KV memory (Molecule spec §6): JSON values under keys, each write
//! bumping the entry's version, optional expiry (`ttl_seconds`), and optimistic
//! concurrency through `if_match_version` (0 means "only if absent"). Expired entries
//! are invisible to every read and count as absent for a write. Writes to a removed
//! workspace are refused; every write records an event naming the key (never the value).

use super::Core;
use crate::domain::{MAX_MEMORY_KEY_BYTES, MemoryEntry, MemoryWrite, Scope, WorkspaceId};
use crate::error::{CoreError, WorkspaceAction};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;

/// The longest `ttl_seconds` accepted (about 100 years).
pub const MAX_TTL_SECONDS: i64 = 100 * 366 * 24 * 3600;

/// A memory write as asked for. `value` is JSON text (any JSON, `null` included).
#[derive(Clone, Debug)]
pub struct MemorySet {
    pub key: String,
    pub value: String,
    pub ttl_seconds: Option<i64>,
    pub if_match_version: Option<i64>,
}

impl Core {
    /// The workspace's live entries, by key.
    pub async fn list_memory(&self, id: WorkspaceId) -> Result<Vec<MemoryEntry>, CoreError> {
        self.workspace(id).await?;
        Ok(self.store.list_memory(id, now_ms()).await?)
    }

    /// One live entry; `None` when absent or expired.
    pub async fn get_memory(
        &self,
        id: WorkspaceId,
        key: &str,
    ) -> Result<Option<MemoryEntry>, CoreError> {
        self.workspace(id).await?;
        Ok(self.store.find_memory(id, key, now_ms()).await?)
    }

    /// Writes an entry (see the module docs). A version mismatch is an outcome, not an
    /// error: nothing is written and the current version is reported.
    pub async fn set_memory(
        &self,
        who: &Principal,
        id: WorkspaceId,
        set: MemorySet,
    ) -> Result<MemoryWrite, CoreError> {
        check_key(&set.key)?;
        let ttl_ms = match set.ttl_seconds {
            None => None,
            Some(ttl) if (1..=MAX_TTL_SECONDS).contains(&ttl) => Some(ttl * 1000),
            Some(_) => {
                return Err(CoreError::InvalidWorkspace(
                    "ttl_seconds must be between 1 and 3162240000",
                ));
            }
        };
        if set.if_match_version.is_some_and(|v| v < 0) {
            return Err(CoreError::InvalidWorkspace(
                "if_match_version must not be negative",
            ));
        }
        self.live_workspace(id, WorkspaceAction::ChangeData).await?;
        let now = now_ms();
        let event = self.new_event(EventKind::MemorySet, &scope(id), &set.key, who);
        let (write, event) = self
            .store
            .set_memory(
                id,
                &set.key,
                &set.value,
                ttl_ms.map(|ttl| now + ttl),
                set.if_match_version,
                now,
                event,
            )
            .await?;
        if let Some(event) = event {
            self.bus.publish(event);
        }
        Ok(write)
    }

    /// Deletes an entry; deleting an absent one is not an error (and records nothing).
    pub async fn delete_memory(
        &self,
        who: &Principal,
        id: WorkspaceId,
        key: &str,
    ) -> Result<(), CoreError> {
        self.live_workspace(id, WorkspaceAction::ChangeData).await?;
        let event = self.new_event(EventKind::MemoryDeleted, &scope(id), key, who);
        if let Some(event) = self.store.delete_memory(id, key, event).await? {
            self.bus.publish(event);
        }
        Ok(())
    }
}

fn check_key(key: &str) -> Result<(), CoreError> {
    if key.is_empty() {
        return Err(CoreError::InvalidWorkspace("key is required"));
    }
    if key.len() > MAX_MEMORY_KEY_BYTES {
        return Err(CoreError::InvalidWorkspace(
            "key must be at most 1024 bytes",
        ));
    }
    Ok(())
}

pub(super) fn scope(id: WorkspaceId) -> Scope {
    Scope::Workspace(id.as_uuid())
}
