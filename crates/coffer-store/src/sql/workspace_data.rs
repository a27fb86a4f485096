//! Statements shared by both backends for a workspace's KV memory, workflow checkpoints
//! and purge (migration 0005). Times are unix milliseconds.

use coffer_core::domain::{CheckpointRow, MemoryEntry};

/// `(key, value, version, expires_at, updated_at)`.
pub(crate) type MemoryTuple = (String, String, i64, Option<i64>, i64);

pub(crate) fn memory_entry(t: MemoryTuple) -> MemoryEntry {
    MemoryEntry {
        key: t.0,
        value: t.1,
        version: t.2,
        expires_at_ms: t.3,
        updated_at_ms: t.4,
    }
}

/// `(id, workspace_id, workflow_id, step_name, step_index, completed_at, payload)`.
pub(crate) type CheckpointTuple = (String, String, String, String, i64, i64, Option<Vec<u8>>);

pub(crate) fn checkpoint_row(t: CheckpointTuple) -> CheckpointRow {
    CheckpointRow {
        id: t.0,
        workspace_id: t.1,
        workflow_id: t.2,
        step_name: t.3,
        step_index: t.4,
        completed_at_ms: t.5,
        payload: t.6,
    }
}

/// `$1` workspace, `$2` now → the live entries ([`MemoryTuple`]), by key.
pub(crate) const LIST_MEMORY: &str = "SELECT key, value, version, expires_at, updated_at \
     FROM workspace_memory WHERE workspace_id = $1 AND (expires_at IS NULL OR expires_at > $2) \
     ORDER BY key";

/// `$1` workspace, `$2` key, `$3` now → the live entry.
pub(crate) const FIND_MEMORY: &str = "SELECT key, value, version, expires_at, updated_at \
     FROM workspace_memory WHERE workspace_id = $1 AND key = $2 \
     AND (expires_at IS NULL OR expires_at > $3)";

/// `$1` workspace, `$2` key → `(version, expires_at)`, expired or not.
pub(crate) const MEMORY_VERSION: &str =
    "SELECT version, expires_at FROM workspace_memory WHERE workspace_id = $1 AND key = $2";

/// `$1` workspace, `$2` key, `$3` value, `$4` version, `$5` expires_at, `$6` now.
pub(crate) const UPSERT_MEMORY: &str = "INSERT INTO workspace_memory \
     (workspace_id, key, value, version, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, \
     version = excluded.version, expires_at = excluded.expires_at, updated_at = excluded.updated_at";

/// `$1` workspace, `$2` key.
pub(crate) const DELETE_MEMORY: &str =
    "DELETE FROM workspace_memory WHERE workspace_id = $1 AND key = $2";

/// `$1` id, `$2` workspace, `$3` workflow, `$4` step name, `$5` step index,
/// `$6` completed_at, `$7` sealed payload → the row's id.
pub(crate) const UPSERT_CHECKPOINT: &str = "INSERT INTO workflow_checkpoints \
     (id, workspace_id, workflow_id, step_name, step_index, completed_at, payload) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (workspace_id, workflow_id, step_name) DO UPDATE SET \
     step_index = excluded.step_index, completed_at = excluded.completed_at, \
     payload = excluded.payload RETURNING id";

/// `$1`/`$3` workspace, `$2`/`$4` workflow, `$5` how many to keep: deletes the older
/// steps beyond the newest `$5`.
pub(crate) const TRIM_CHECKPOINTS: &str = "DELETE FROM workflow_checkpoints \
     WHERE workspace_id = $1 AND workflow_id = $2 AND id NOT IN (SELECT id FROM \
     workflow_checkpoints WHERE workspace_id = $3 AND workflow_id = $4 \
     ORDER BY completed_at DESC, step_index DESC, id DESC LIMIT $5)";

/// `$1` workspace, `$2` workflow → [`CheckpointTuple`]s, highest step index first.
pub(crate) const LIST_CHECKPOINTS: &str = "SELECT id, workspace_id, workflow_id, step_name, \
     step_index, completed_at, payload FROM workflow_checkpoints WHERE workspace_id = $1 \
     AND workflow_id = $2 ORDER BY step_index DESC, completed_at DESC, id";

/// `$1` workspace → its newest checkpoint.
pub(crate) const LATEST_CHECKPOINT: &str = "SELECT id, workspace_id, workflow_id, step_name, \
     step_index, completed_at, payload FROM workflow_checkpoints WHERE workspace_id = $1 \
     ORDER BY completed_at DESC, step_index DESC, id DESC LIMIT 1";

/// `$1` workspace, `$2` workflow.
pub(crate) const DELETE_CHECKPOINTS: &str =
    "DELETE FROM workflow_checkpoints WHERE workspace_id = $1 AND workflow_id = $2";

/// `$1` scope (`workspace:<id>`).
pub(crate) const PURGE_SECRETS: &str = "DELETE FROM secrets WHERE scope = $1";
/// `$1` scope → the names a purge deletes.
pub(crate) const SECRET_NAMES_OF_SCOPE: &str = "SELECT name FROM secrets WHERE scope = $1";
/// `$1` workspace.
pub(crate) const PURGE_MEMORY: &str = "DELETE FROM workspace_memory WHERE workspace_id = $1";
/// `$1` workspace: the agent memories it wrote (migration 0006).
pub(crate) const PURGE_AGENT_MEMORIES: &str = "DELETE FROM agent_memories WHERE workspace_id = $1";
/// `$1` workspace.
pub(crate) const PURGE_CHECKPOINTS: &str =
    "DELETE FROM workflow_checkpoints WHERE workspace_id = $1";
