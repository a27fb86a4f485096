-- coffer 0006 (PostgreSQL): agent memories (Molecule §7/§9). Content is redacted text,
-- searchable: `content_tsv` (generated, GIN-indexed) serves full-text search. A memory's
-- vector is stored as little-endian f32 bytes in `embedding` together with the id of
-- the embedder that produced it (as on SQLite); that column is the source of truth and
-- needs no extension. When pgvector is available, the store adds an `embedding_vector`
-- column (type `vector`, no fixed dimension) at connect and one HNSW expression index
-- per dimension as vectors are written (see src/postgres/agent_memories.rs): this
-- migration must work without pgvector. Timestamps are unix milliseconds (BIGINT).
-- Keep column names identical to migrations/sqlite/0006_agent_memories.sql, except the
-- PostgreSQL-only derived columns `content_tsv` and `embedding_vector`.

CREATE TABLE agent_memories (
    id            TEXT   PRIMARY KEY,
    workspace_id  TEXT   NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    scope         TEXT   NOT NULL CHECK (scope IN ('LOCAL', 'TEAM', 'GLOBAL')),
    namespace     TEXT   NOT NULL,
    content       TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    embedder      TEXT,
    embedding     BYTEA,
    content_tsv   tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED
);

CREATE INDEX agent_memories_author ON agent_memories (workspace_id, scope, created_at);
CREATE INDEX agent_memories_scope ON agent_memories (scope, created_at);
CREATE INDEX agent_memories_embedder ON agent_memories (embedder);
CREATE INDEX agent_memories_fts ON agent_memories USING gin (content_tsv);
-- The planner's estimate for "vectors of D dimensions" (`octet_length(embedding) = 4 *
-- D`, the predicate of the per-dimension HNSW indexes) comes from these statistics.
CREATE STATISTICS agent_memories_dims ON (octet_length(embedding)) FROM agent_memories;
