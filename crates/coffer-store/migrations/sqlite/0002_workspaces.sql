-- coffer 0002 (SQLite): Molecule workspaces (the org tree), workspace tokens and org
-- tokens. Tokens are stored as SHA-256 digests plus an 8-character display prefix, never
-- in plaintext. Workspace secrets live in `secrets` under the scope `workspace:<id>`.
-- Timestamps are unix milliseconds. Keep column names identical to
-- migrations/postgres/0002_workspaces.sql (the contract suite checks parity).

CREATE TABLE workspaces (
    id            TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    parent_id     TEXT    REFERENCES workspaces (id),
    status        TEXT    NOT NULL CHECK (status IN ('provisioning', 'online', 'offline',
                      'degraded', 'failed', 'removed', 'paused', 'hibernated')),
    status_reason TEXT,
    runtime       TEXT    NOT NULL,
    command       TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX workspaces_parent_id ON workspaces (parent_id);

CREATE TABLE workspace_auth_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    token_hash   BLOB    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

CREATE INDEX workspace_auth_tokens_live ON workspace_auth_tokens (workspace_id)
    WHERE revoked_at IS NULL;

CREATE TABLE org_api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   BLOB    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

CREATE INDEX org_api_tokens_live_prefix ON org_api_tokens (prefix) WHERE revoked_at IS NULL;

-- Restart fan-out: which workspaces shadow a global key (by name, across scopes).
CREATE INDEX secrets_name ON secrets (name);
