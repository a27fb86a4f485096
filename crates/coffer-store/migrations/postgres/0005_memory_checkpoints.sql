-- coffer 0005 (PostgreSQL): Molecule KV memory and workflow checkpoints. Memory values
-- are JSON text; checkpoint payloads are sealed envelopes (NULL for a JSON null
-- payload). Timestamps are unix milliseconds (BIGINT). Keep column names identical to
-- migrations/sqlite/0005_memory_checkpoints.sql (the contract suite checks parity).

CREATE TABLE workspace_memory (
    workspace_id TEXT   NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key          TEXT   NOT NULL,
    value        TEXT   NOT NULL,
    version      BIGINT NOT NULL,
    expires_at   BIGINT,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE workflow_checkpoints (
    id           TEXT   PRIMARY KEY,
    workspace_id TEXT   NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    workflow_id  TEXT   NOT NULL,
    step_name    TEXT   NOT NULL,
    step_index   BIGINT NOT NULL,
    completed_at BIGINT NOT NULL,
    payload      BYTEA,
    UNIQUE (workspace_id, workflow_id, step_name)
);

CREATE INDEX workflow_checkpoints_completed
    ON workflow_checkpoints (workspace_id, workflow_id, completed_at DESC);
CREATE INDEX workflow_checkpoints_latest
    ON workflow_checkpoints (workspace_id, completed_at DESC);
