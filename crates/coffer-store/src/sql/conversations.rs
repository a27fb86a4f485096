//! SQL for OpenHands conversations and their events, byte-identical on SQLite and
//! PostgreSQL. Each `SELECT`/`RETURNING` produces the tuple named in its doc comment
//! (see [`crate::rows::conversations`]).

/// `$1` id, `$2` status, `$3` doc, `$4` state, `$5` sealed, `$6` created_at,
/// `$7` updated_at → the id; no row when the id exists.
pub(crate) const INSERT_CONVERSATION: &str = "INSERT INTO conversations \
     (id, status, doc, state, sealed, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id";

/// `$1` id → [`crate::rows::conversations::ConversationTuple`].
pub(crate) const FIND_CONVERSATION: &str = "SELECT id, status, doc, state, sealed, created_at, updated_at \
     FROM conversations WHERE id = $1";

/// `$1` id, `$2` status, `$3` state, `$4` sealed (each `NULL`: keep), `$5` updated_at →
/// the id; no row when the conversation does not exist.
pub(crate) const UPDATE_CONVERSATION: &str = "UPDATE conversations SET \
     status = COALESCE($2, status), state = COALESCE($3, state), \
     sealed = COALESCE($4, sealed), updated_at = $5 WHERE id = $1 RETURNING id";

/// `$1` id → the id; no row when it did not exist.
pub(crate) const DELETE_CONVERSATION: &str = "DELETE FROM conversations WHERE id = $1 RETURNING id";

/// `$1` conversation id.
pub(crate) const DELETE_CONVERSATION_EVENTS: &str =
    "DELETE FROM conversation_events WHERE conversation_id = $1";

/// `$1` from status, `$2` to status, `$3` updated_at → the ids moved.
pub(crate) const MOVE_CONVERSATIONS_STATUS: &str = "UPDATE conversations \
     SET status = $2, updated_at = $3 WHERE status = $1 RETURNING id";

/// `$1` conversation id, `$2` event id, `$3` kind, `$4` source, `$5` at, `$6` sealed →
/// the new `seq`.
pub(crate) const INSERT_CONVERSATION_EVENT: &str = "INSERT INTO conversation_events \
     (conversation_id, event_id, kind, source, at, sealed) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq";

/// `$1` conversation id, `$2` after seq (`NULL`: from the start), `$3` kind, `$4` source
/// (`NULL`: any), `$5` limit → [`crate::rows::conversations::ConversationEventTuple`]
/// rows, oldest first.
pub(crate) const LIST_CONVERSATION_EVENTS: &str = "SELECT seq, event_id, kind, source, at, sealed \
     FROM conversation_events WHERE conversation_id = $1 \
     AND ($2 IS NULL OR seq > $2) AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR source = $4) \
     ORDER BY seq LIMIT $5";

/// As [`LIST_CONVERSATION_EVENTS`], newest first, before `$2`.
pub(crate) const LIST_CONVERSATION_EVENTS_DESC: &str = "SELECT seq, event_id, kind, source, at, sealed \
     FROM conversation_events WHERE conversation_id = $1 \
     AND ($2 IS NULL OR seq < $2) AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR source = $4) \
     ORDER BY seq DESC LIMIT $5";

/// → `id, sealed` of every conversation, by id.
pub(crate) const LIST_CONVERSATION_SEALS: &str = "SELECT id, sealed FROM conversations ORDER BY id";

/// `$1` id, `$2` new sealed, `$3` old sealed. Compare-and-set: no row affected when the
/// sealed part changed since it was read.
pub(crate) const RESEAL_CONVERSATION: &str =
    "UPDATE conversations SET sealed = $2 WHERE id = $1 AND sealed = $3";

/// `$1` after seq, `$2` limit → `seq, conversation_id, event_id, sealed`, by seq.
pub(crate) const LIST_SEALED_CONVERSATION_EVENTS: &str = "SELECT seq, conversation_id, event_id, sealed \
     FROM conversation_events WHERE seq > $1 ORDER BY seq LIMIT $2";

/// `$1` seq, `$2` new sealed, `$3` old sealed (compare-and-set).
pub(crate) const RESEAL_CONVERSATION_EVENT: &str =
    "UPDATE conversation_events SET sealed = $2 WHERE seq = $1 AND sealed = $3";
