-- coffer 0003 (SQLite): Mafold accounts, their tokens (SHA-256 only) and sealed provider
-- keys, conversations, participants, per-group agent settings and messages.
-- Timestamps are unix milliseconds; ids of conversations and messages are UUID text;
-- usernames are lowercase. Keep column names identical to
-- migrations/postgres/0003_chats.sql (the contract suite checks parity).

CREATE TABLE accounts (
    username        TEXT    PRIMARY KEY,
    display_name    TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('human', 'agent')),
    avatar_url      TEXT,
    bio             TEXT,
    parent_username TEXT    REFERENCES accounts (username),
    agent_provider  TEXT,
    created_at      INTEGER NOT NULL,
    CHECK ((kind = 'agent') = (agent_provider IS NOT NULL)),
    CHECK (parent_username IS NULL OR kind = 'agent')
) STRICT;

CREATE INDEX accounts_parent_username ON accounts (parent_username);

-- The house agents, from the start (they run on the platform key).
INSERT INTO accounts (username, display_name, kind, agent_provider, created_at) VALUES
    ('claude', 'Claude', 'agent', 'claude', 0),
    ('deepseek', 'DeepSeek', 'agent', 'deepseek', 0);

-- Issued bearer tokens: only the SHA-256 of the token is kept.
CREATE TABLE account_tokens (
    id         TEXT    PRIMARY KEY,
    username   TEXT    NOT NULL REFERENCES accounts (username),
    token_hash BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX account_tokens_username ON account_tokens (username);

-- One sealed provider key per (owner, provider); AAD binds it to both.
CREATE TABLE agent_keys (
    owner_username TEXT    NOT NULL REFERENCES accounts (username),
    provider       TEXT    NOT NULL,
    sealed         BLOB    NOT NULL,
    key_id         TEXT    NOT NULL,
    key_tail       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (owner_username, provider)
) STRICT;

-- `direct_key` is set for direct conversations only: one per unordered pair.
CREATE TABLE chats (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('direct', 'group')),
    title      TEXT,
    direct_key TEXT    UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- `seq` orders participants by joining.
CREATE TABLE chat_participants (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id   TEXT    NOT NULL REFERENCES chats (id),
    username  TEXT    NOT NULL REFERENCES accounts (username),
    joined_at INTEGER NOT NULL,
    UNIQUE (chat_id, username)
) STRICT;

CREATE INDEX chat_participants_username ON chat_participants (username, chat_id);

-- An agent's dispatch setting in one group; no row = no setting (answers every human
-- message, as in a direct conversation).
CREATE TABLE group_agents (
    chat_id        TEXT    NOT NULL REFERENCES chats (id),
    agent_username TEXT    NOT NULL REFERENCES accounts (username),
    always_on      INTEGER NOT NULL CHECK (always_on IN (0, 1)),
    added_by       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, agent_username)
) STRICT;

-- `seq` orders a conversation's messages (history pages by it); `finalized_at` is NULL
-- while an agent reply streams.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    chat_id         TEXT    NOT NULL REFERENCES chats (id),
    sender_username TEXT    NOT NULL REFERENCES accounts (username),
    content         TEXT    NOT NULL,
    reply_to_id     TEXT,
    client_msg_id   TEXT,
    created_at      INTEGER NOT NULL,
    finalized_at    INTEGER
) STRICT;

CREATE INDEX messages_chat_seq ON messages (chat_id, seq);
-- Agent replies still streaming (the sweep of interrupted replies reads these).
CREATE INDEX messages_open ON messages (created_at) WHERE finalized_at IS NULL;
-- A retried send (same sender, conversation and client id) is stored once.
CREATE UNIQUE INDEX messages_client_msg_id ON messages (chat_id, sender_username, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
