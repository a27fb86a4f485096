//! SQL for accounts, tokens, provider keys, conversations and messages that is
//! byte-identical on SQLite and PostgreSQL. Each `SELECT`/`RETURNING` produces exactly
//! the tuple named in its doc comment (see [`crate::rows::chats`]). Accounts are always
//! aliased `a`, messages `m`.

/// The columns of [`crate::rows::chats::AccountTuple`].
macro_rules! account_columns {
    () => {
        "a.username, a.display_name, a.kind, a.avatar_url, a.bio, a.parent_username, a.agent_provider"
    };
}

/// The columns of [`crate::rows::chats::MessageTuple`].
macro_rules! message_columns {
    () => {
        concat!(
            "m.id, m.chat_id, m.content, m.reply_to_id, m.client_msg_id, m.created_at, m.finalized_at, ",
            account_columns!()
        )
    };
}

/// Messages joined with their sender.
macro_rules! messages_from {
    () => {
        " FROM messages m JOIN accounts a ON a.username = m.sender_username "
    };
}

/// `$1` username, `$2` display name, `$3` kind, `$4` parent, `$5` provider, `$6` at →
/// the username; no row when it is taken.
pub(crate) const INSERT_ACCOUNT: &str = "INSERT INTO accounts \
     (username, display_name, kind, parent_username, agent_provider, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING username";

/// `$1` username → [`crate::rows::chats::AccountTuple`].
pub(crate) const FIND_ACCOUNT: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts a WHERE a.username = $1"
);

/// → every account, by username.
pub(crate) const LIST_ACCOUNTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts a ORDER BY a.username"
);

/// `$1` kind → its accounts, by username.
pub(crate) const LIST_ACCOUNTS_OF_KIND: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts a WHERE a.kind = $1 ORDER BY a.username"
);

/// `$1` owner → [`crate::rows::chats::OwnedAgentTuple`] rows (the key's tail, when one is
/// stored for the agent's provider), by username.
pub(crate) const LIST_OWNED_AGENTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    ", k.key_tail FROM accounts a LEFT JOIN agent_keys k \
     ON k.owner_username = a.parent_username AND k.provider = a.agent_provider \
     WHERE a.parent_username = $1 ORDER BY a.username"
);

/// `$1` id, `$2` username, `$3` token hash, `$4` at.
pub(crate) const INSERT_TOKEN: &str = "INSERT INTO account_tokens \
     (id, username, token_hash, created_at) VALUES ($1, $2, $3, $4)";

/// `$1` token hash → the [`crate::rows::chats::AccountTuple`] of an unrevoked token.
pub(crate) const FIND_TOKEN_ACCOUNT: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM account_tokens t JOIN accounts a ON a.username = t.username \
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
);

/// `$1` username, `$2` token id, `$3` at.
pub(crate) const REVOKE_TOKEN: &str = "UPDATE account_tokens SET revoked_at = $3 \
     WHERE username = $1 AND id = $2 AND revoked_at IS NULL";

/// `$1` username, `$2` at.
pub(crate) const REVOKE_ALL_TOKENS: &str = "UPDATE account_tokens SET revoked_at = $2 \
     WHERE username = $1 AND revoked_at IS NULL";

/// `$1` owner, `$2` provider, `$3` sealed, `$4` key id, `$5` tail, `$6` at.
pub(crate) const UPSERT_AGENT_KEY: &str = "INSERT INTO agent_keys \
     (owner_username, provider, sealed, key_id, key_tail, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (owner_username, provider) DO UPDATE SET sealed = excluded.sealed, \
     key_id = excluded.key_id, key_tail = excluded.key_tail, updated_at = excluded.updated_at";

/// `$1` owner, `$2` provider → sealed.
pub(crate) const FIND_AGENT_KEY: &str =
    "SELECT sealed FROM agent_keys WHERE owner_username = $1 AND provider = $2";

/// `$1` owner, `$2` provider → the provider, when a key was deleted.
pub(crate) const DELETE_AGENT_KEY: &str =
    "DELETE FROM agent_keys WHERE owner_username = $1 AND provider = $2 RETURNING provider";

/// → `owner_username, provider, sealed` of every key.
pub(crate) const LIST_SEALED_AGENT_KEYS: &str =
    "SELECT owner_username, provider, sealed FROM agent_keys ORDER BY owner_username, provider";

/// `$1` new sealed, `$2` key id, `$3` owner, `$4` provider, `$5` old sealed
/// (compare-and-set).
pub(crate) const RESEAL_AGENT_KEY: &str = "UPDATE agent_keys SET sealed = $1, key_id = $2 \
     WHERE owner_username = $3 AND provider = $4 AND sealed = $5";

/// `$1` id, `$2` kind, `$3` title, `$4` direct key, `$5` at → the id; no row when the
/// direct conversation of this pair exists.
pub(crate) const INSERT_CHAT: &str = "INSERT INTO chats \
     (id, kind, title, direct_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
     ON CONFLICT DO NOTHING RETURNING id";

/// `$1` direct key → the conversation's id.
pub(crate) const FIND_DIRECT_CHAT: &str = "SELECT id FROM chats WHERE direct_key = $1";

/// `$1` chat id, `$2` username, `$3` at → seq; no row when already a participant.
pub(crate) const INSERT_PARTICIPANT: &str = "INSERT INTO chat_participants \
     (chat_id, username, joined_at) VALUES ($1, $2, $3) \
     ON CONFLICT (chat_id, username) DO NOTHING RETURNING seq";

/// `$1` chat id, `$2` username → seq, when a participant.
pub(crate) const FIND_PARTICIPANT: &str =
    "SELECT seq FROM chat_participants WHERE chat_id = $1 AND username = $2";

/// `$1` chat id, `$2` username → seq, when it was a participant.
pub(crate) const DELETE_PARTICIPANT: &str =
    "DELETE FROM chat_participants WHERE chat_id = $1 AND username = $2 RETURNING seq";

/// `$1` id → [`crate::rows::chats::ChatTuple`].
pub(crate) const FIND_CHAT: &str =
    "SELECT id, kind, title, created_at, updated_at FROM chats WHERE id = $1";

/// `$1` chat id → its participants' [`crate::rows::chats::AccountTuple`]s, in join order.
pub(crate) const CHAT_PARTICIPANTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM chat_participants p JOIN accounts a ON a.username = p.username \
     WHERE p.chat_id = $1 ORDER BY p.seq"
);

/// `$1` username → the [`crate::rows::chats::ChatTuple`]s of its conversations, most
/// recently updated first.
pub(crate) const LIST_CHATS_OF: &str = "SELECT c.id, c.kind, c.title, c.created_at, c.updated_at \
     FROM chats c JOIN chat_participants p ON p.chat_id = c.id \
     WHERE p.username = $1 ORDER BY c.updated_at DESC, c.id";

/// `$1` username → `chat_id` followed by an [`crate::rows::chats::AccountTuple`], for
/// every participant of every conversation of the user, in join order.
pub(crate) const PARTICIPANTS_OF_CHATS_OF: &str = concat!(
    "SELECT p.chat_id, ",
    account_columns!(),
    " FROM chat_participants p JOIN accounts a ON a.username = p.username \
     WHERE p.chat_id IN (SELECT chat_id FROM chat_participants WHERE username = $1) \
     ORDER BY p.seq"
);

/// `$1` chat id → [`crate::rows::chats::ChatAgentTuple`] of each agent participant (the
/// setting is NULL when it has none), in join order.
pub(crate) const LIST_CHAT_AGENTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    ", g.always_on FROM chat_participants p JOIN accounts a ON a.username = p.username \
     LEFT JOIN group_agents g ON g.chat_id = p.chat_id AND g.agent_username = p.username \
     WHERE p.chat_id = $1 AND a.kind = 'agent' ORDER BY p.seq"
);

/// `$1` chat id, `$2` agent, `$3` always on, `$4` added by, `$5` at.
pub(crate) const UPSERT_GROUP_AGENT: &str = "INSERT INTO group_agents \
     (chat_id, agent_username, always_on, added_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (chat_id, agent_username) \
     DO UPDATE SET always_on = excluded.always_on, updated_at = excluded.updated_at";

/// `$1` chat id, `$2` agent.
pub(crate) const DELETE_GROUP_AGENT: &str =
    "DELETE FROM group_agents WHERE chat_id = $1 AND agent_username = $2";

/// `$1` id, `$2` chat id, `$3` sender, `$4` content, `$5` reply to, `$6` client id,
/// `$7` created at, `$8` finalized at → seq; no row when the client id was used.
pub(crate) const INSERT_MESSAGE: &str = "INSERT INTO messages \
     (id, chat_id, sender_username, content, reply_to_id, client_msg_id, created_at, finalized_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING seq";

/// `$1` chat id, `$2` at: the conversation's last activity (never moves back).
pub(crate) const TOUCH_CHAT: &str =
    "UPDATE chats SET updated_at = $2 WHERE id = $1 AND updated_at < $2";

/// `$1` id, `$2` content, `$3` at → seq, when the message was still open.
pub(crate) const FINALIZE_MESSAGE: &str = "UPDATE messages SET content = $2, finalized_at = $3 \
     WHERE id = $1 AND finalized_at IS NULL RETURNING seq";

/// `$1` id → [`crate::rows::chats::MessageTuple`].
pub(crate) const FIND_MESSAGE_BY_ID: &str = concat!(
    "SELECT ",
    message_columns!(),
    messages_from!(),
    "WHERE m.id = $1"
);

/// `$1` chat id, `$2` id → [`crate::rows::chats::MessageTuple`].
pub(crate) const FIND_MESSAGE: &str = concat!(
    "SELECT ",
    message_columns!(),
    messages_from!(),
    "WHERE m.chat_id = $1 AND m.id = $2"
);

/// `$1` chat id, `$2` sender, `$3` client id → [`crate::rows::chats::MessageTuple`].
pub(crate) const FIND_MESSAGE_BY_CLIENT_ID: &str = concat!(
    "SELECT ",
    message_columns!(),
    messages_from!(),
    "WHERE m.chat_id = $1 AND m.sender_username = $2 AND m.client_msg_id = $3"
);

/// `$1` created before, `$2` limit → unfinalized [`crate::rows::chats::MessageTuple`]s,
/// oldest first.
pub(crate) const LIST_OPEN_MESSAGES: &str = concat!(
    "SELECT ",
    message_columns!(),
    messages_from!(),
    "WHERE m.finalized_at IS NULL AND m.created_at < $1 ORDER BY m.created_at LIMIT $2"
);

/// `$1` chat id, `$2` limit → the latest [`crate::rows::chats::MessageTuple`]s, newest
/// first.
pub(crate) const LIST_LATEST_MESSAGES: &str = concat!(
    "SELECT ",
    message_columns!(),
    messages_from!(),
    "WHERE m.chat_id = $1 ORDER BY m.seq DESC LIMIT $2"
);

/// `$1` chat id, `$2` message id, `$3` limit → the messages before that one, newest
/// first.
pub(crate) const LIST_MESSAGES_BEFORE: &str = concat!(
    "SELECT ",
    message_columns!(),
    messages_from!(),
    "WHERE m.chat_id = $1 AND m.seq < (SELECT seq FROM messages WHERE id = $2 AND chat_id = $1) \
     ORDER BY m.seq DESC LIMIT $3"
);
