-- coffer 0001 (SQLite): secrets, settings documents and the event log.
-- Timestamps are unix milliseconds. STRICT tables refuse values of the wrong type, so a
-- row can never hold something the store cannot decode. Keep column names identical to
-- migrations/postgres/0001_initial.sql (the contract suite checks parity).

CREATE TABLE secrets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scope       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    sealed      BLOB    NOT NULL,
    key_id      TEXT    NOT NULL,
    description TEXT,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (scope, name)
) STRICT;

-- list_secrets: one scope, in insertion (id) order.
CREATE INDEX secrets_scope_id ON secrets (scope, id);
CREATE INDEX secrets_scope_key_id ON secrets (scope, key_id);

CREATE TABLE settings (
    scope      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    sealed     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

-- Append-only audit log; readers page by id, so ids are never reused (AUTOINCREMENT).
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    scope   TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    actor   TEXT    NOT NULL
) STRICT;
