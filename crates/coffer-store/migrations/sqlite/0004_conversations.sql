-- coffer 0004 (SQLite): OpenHands conversations and their event logs.
-- `doc` is JSON that holds no secret and does not change after creation; `state` is JSON
-- that changes as a run goes (stats, last event ids); `sealed` maps a field name to the
-- base64 of its envelope (the agent's secret fields, the secret registry). Each event
-- body is an envelope of its own; `kind` and `source` stay in the clear for filtering.
-- Keep column names identical to migrations/postgres/0004_conversations.sql.

CREATE TABLE conversations (
    id         TEXT    PRIMARY KEY,
    status     TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    sealed     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Start-up recovery finds the conversations left `running`.
CREATE INDEX conversations_status ON conversations (status);

-- `seq` orders a conversation's events and pages them; never reused (AUTOINCREMENT).
CREATE TABLE conversation_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    sealed          BLOB    NOT NULL
) STRICT;

CREATE INDEX conversation_events_conversation_seq ON conversation_events (conversation_id, seq);
