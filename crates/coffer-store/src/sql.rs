//! SQL text that is byte-identical on SQLite and PostgreSQL (`$N` placeholders,
//! `ON CONFLICT`, `RETURNING`). Backend-specific statements live in their backend module.
//!
//! Column lists here are the contract with [`crate::rows`]: each `SELECT`/`RETURNING`
//! produces exactly the tuple type named in its doc comment, in that order.

pub(crate) mod chats;
pub(crate) mod conversations;
pub(crate) mod workspace_data;
pub(crate) mod workspaces;

/// Tracks applied migrations; created before any numbered migration runs.
pub(crate) const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// → applied versions, ascending.
pub(crate) const APPLIED_MIGRATIONS: &str =
    "SELECT version FROM schema_migrations ORDER BY version";

/// `$1` version, `$2` name, `$3` applied_at.
pub(crate) const RECORD_MIGRATION: &str =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// `$1` scope → [`crate::rows::SecretMetaRow`] rows, in insertion order.
pub(crate) const LIST_SECRETS: &str = "SELECT name, description, version, created_at, updated_at \
     FROM secrets WHERE scope = $1 ORDER BY id";

/// `$1` scope, `$2` name → [`crate::rows::SecretRow`].
pub(crate) const FIND_SECRET: &str = "SELECT name, description, version, created_at, updated_at, sealed \
     FROM secrets WHERE scope = $1 AND name = $2";

/// `$1` scope → distinct key ids, ascending. A loose index scan over
/// `secrets_scope_key_id`: one index probe per distinct id (there are one or two), so the
/// check every write makes does not grow with the number of secrets in the scope.
pub(crate) const SECRET_KEY_IDS: &str = "WITH RECURSIVE ids(key_id) AS ( \
     SELECT MIN(key_id) FROM secrets WHERE scope = $1 \
     UNION ALL \
     SELECT (SELECT MIN(s.key_id) FROM secrets s WHERE s.scope = $1 AND s.key_id > ids.key_id) \
     FROM ids WHERE ids.key_id IS NOT NULL) \
     SELECT key_id FROM ids WHERE key_id IS NOT NULL";

/// `$1` scope, `$2` name, `$3` sealed, `$4` key_id, `$5` description, `$6` at_ms →
/// [`crate::rows::SecretMetaRow`]. The conflict arm keeps `id` (list position) and
/// `created_at`.
pub(crate) const UPSERT_SECRET: &str = "INSERT INTO secrets \
     (scope, name, sealed, key_id, description, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 1, $6, $6) \
     ON CONFLICT (scope, name) DO UPDATE SET \
     sealed = excluded.sealed, key_id = excluded.key_id, description = excluded.description, \
     version = secrets.version + 1, updated_at = excluded.updated_at \
     RETURNING name, description, version, created_at, updated_at";

/// `$1` scope, `$2` name → the deleted row's version (no row when it did not exist).
pub(crate) const DELETE_SECRET: &str =
    "DELETE FROM secrets WHERE scope = $1 AND name = $2 RETURNING version";

/// → [`crate::rows::SealedSecretTuple`] rows of every scope, in insertion order.
pub(crate) const LIST_SEALED_SECRETS: &str = "SELECT scope, name, sealed FROM secrets ORDER BY id";

/// `$1` new sealed, `$2` key_id, `$3` scope, `$4` name, `$5` old sealed. Compare-and-set:
/// affects no row when the value changed since it was read.
pub(crate) const RESEAL_SECRET: &str = "UPDATE secrets SET sealed = $1, key_id = $2 \
     WHERE scope = $3 AND name = $4 AND sealed = $5";

/// `$1` scope, `$2` key → [`crate::rows::SettingsTuple`].
pub(crate) const FIND_SETTINGS: &str =
    "SELECT doc, sealed, version, updated_at FROM settings WHERE scope = $1 AND key = $2";

/// `$1` scope, `$2` key, `$3` doc, `$4` sealed, `$5` at_ms → the new version; no row when
/// the document already exists (the caller expected it not to).
pub(crate) const INSERT_SETTINGS: &str = "INSERT INTO settings \
     (scope, key, doc, sealed, version, updated_at) VALUES ($1, $2, $3, $4, 1, $5) \
     ON CONFLICT (scope, key) DO NOTHING RETURNING version";

/// `$1` scope, `$2` key, `$3` doc, `$4` sealed, `$5` at_ms, `$6` expected version → the
/// new version; no row when the stored version is not `$6` (or the document is gone).
pub(crate) const UPDATE_SETTINGS: &str = "UPDATE settings \
     SET doc = $3, sealed = $4, version = version + 1, updated_at = $5 \
     WHERE scope = $1 AND key = $2 AND version = $6 RETURNING version";

/// → [`crate::rows::SettingsListTuple`] rows of every scope.
pub(crate) const LIST_SETTINGS: &str =
    "SELECT scope, key, doc, sealed, version, updated_at FROM settings ORDER BY scope, key";

/// `$1` at, `$2` kind, `$3` scope, `$4` name, `$5` version, `$6` actor → the new id.
pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (at, kind, scope, name, version, actor) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

/// `$1` after id, `$2` limit → [`crate::rows::EventTuple`] rows, oldest first.
pub(crate) const LIST_EVENTS: &str = "SELECT id, at, kind, scope, name, version, actor \
     FROM events WHERE id > $1 ORDER BY id LIMIT $2";
