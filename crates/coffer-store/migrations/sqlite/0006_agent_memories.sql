-- coffer 0006 (SQLite): agent memories (Molecule §7/§9). Content is redacted text, kept
-- searchable: the FTS5 table `agent_memories_fts` (external content, porter-stemmed)
-- serves full-text search and is kept in sync by the triggers below. A memory's vector
-- is little-endian f32 bytes in `embedding`, with the id of the embedder that produced
-- it; vector search is an exact scan with sqlite-vec's `vec_distance_cosine` over the
-- rows a filter allows (see src/sqlite/agent_memories.rs). Timestamps are unix
-- milliseconds. The implicit rowid is kept: it is the FTS5 content rowid.

CREATE TABLE agent_memories (
    id           TEXT    PRIMARY KEY,
    workspace_id TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    scope        TEXT    NOT NULL CHECK (scope IN ('LOCAL', 'TEAM', 'GLOBAL')),
    namespace    TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    embedder     TEXT,
    embedding    BLOB
) STRICT;

CREATE INDEX agent_memories_author ON agent_memories (workspace_id, scope, created_at);
CREATE INDEX agent_memories_scope ON agent_memories (scope, created_at);
CREATE INDEX agent_memories_embedder ON agent_memories (embedder);

CREATE VIRTUAL TABLE agent_memories_fts USING fts5 (
    content,
    content = 'agent_memories',
    content_rowid = 'rowid',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER agent_memories_fts_insert AFTER INSERT ON agent_memories BEGIN
    INSERT INTO agent_memories_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TRIGGER agent_memories_fts_delete AFTER DELETE ON agent_memories BEGIN
    INSERT INTO agent_memories_fts (agent_memories_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
END;

-- Only a change of content touches the index (a new vector does not).
CREATE TRIGGER agent_memories_fts_update AFTER UPDATE OF content ON agent_memories BEGIN
    INSERT INTO agent_memories_fts (agent_memories_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    INSERT INTO agent_memories_fts (rowid, content) VALUES (new.rowid, new.content);
END;
