//! A workflow checkpoint (Molecule spec §8): one row per (workspace, workflow, step
//! name). The payload is sealed at rest; the store only ever sees the envelope.

/// The largest payload (its JSON text) a checkpoint may carry.
pub const MAX_CHECKPOINT_PAYLOAD_BYTES: usize = 1024 * 1024;

/// How many steps a workflow keeps: after an upsert, the oldest (by completion time)
/// beyond this many are deleted.
pub const CHECKPOINT_RETENTION_PER_WORKFLOW: i64 = 1000;

/// A checkpoint as stored: `payload` is the sealed JSON text, `None` for JSON `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRow {
    pub id: String,
    pub workspace_id: String,
    pub workflow_id: String,
    pub step_name: String,
    pub step_index: i64,
    pub completed_at_ms: i64,
    pub payload: Option<Vec<u8>>,
}

/// A checkpoint as read: the payload opened (JSON text), `None` for `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: String,
    pub workspace_id: String,
    pub workflow_id: String,
    pub step_name: String,
    pub step_index: i64,
    pub completed_at_ms: i64,
    pub payload: Option<String>,
}

/// What a purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    pub secrets: u64,
    pub memory: u64,
    pub checkpoints: u64,
}
