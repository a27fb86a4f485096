//! SQL for workspaces and tokens that is byte-identical on SQLite and PostgreSQL. Each
//! `SELECT`/`RETURNING` produces exactly the tuple named in its doc comment (see
//! [`crate::rows::workspaces`]). Status checks of a conditional change are made in the
//! unit of work itself (read the row, decide, write), not in the statement, so the
//! allowed statuses need no dynamic SQL; PostgreSQL locks the row for that read.

/// The columns of [`crate::rows::workspaces::WorkspaceTuple`].
macro_rules! workspace_columns {
    () => {
        "id, name, parent_id, status, status_reason, runtime, command, created_at, updated_at"
    };
}

/// The columns of [`crate::rows::workspaces::OrgTokenTuple`].
macro_rules! org_token_columns {
    () => {
        "id, name, prefix, created_at, last_used_at, revoked_at"
    };
}

/// `$1`..`$9`: the columns of [`crate::rows::workspaces::WorkspaceTuple`], in order.
pub(crate) const INSERT_WORKSPACE: &str = concat!(
    "INSERT INTO workspaces (",
    workspace_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
);

/// `$1` workspace id, `$2` token hash, `$3` prefix, `$4` at.
pub(crate) const INSERT_WORKSPACE_TOKEN: &str = "INSERT INTO workspace_auth_tokens \
     (workspace_id, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4)";

/// `$1` id → [`crate::rows::workspaces::WorkspaceTuple`].
pub(crate) const FIND_WORKSPACE: &str = concat!(
    "SELECT ",
    workspace_columns!(),
    " FROM workspaces WHERE id = $1"
);

/// → every [`crate::rows::workspaces::WorkspaceTuple`], oldest first.
pub(crate) const LIST_WORKSPACES: &str = concat!(
    "SELECT ",
    workspace_columns!(),
    " FROM workspaces ORDER BY created_at, id"
);

/// `$1` id → its status.
pub(crate) const WORKSPACE_STATUS: &str = "SELECT status FROM workspaces WHERE id = $1";

/// `$1` id, `$2` status, `$3` reason, `$4` at → the updated
/// [`crate::rows::workspaces::WorkspaceTuple`].
pub(crate) const UPDATE_WORKSPACE_STATUS: &str = concat!(
    "UPDATE workspaces SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1 \
     RETURNING ",
    workspace_columns!()
);

/// `$1` workspace id, `$2` at.
pub(crate) const REVOKE_WORKSPACE_TOKENS: &str = "UPDATE workspace_auth_tokens \
     SET revoked_at = $2 WHERE workspace_id = $1 AND revoked_at IS NULL";

/// `$1` token hash → `(workspace_id, last_used_at)` of a live token of a workspace that
/// is not removed.
pub(crate) const FIND_LIVE_WORKSPACE_TOKEN: &str = "SELECT t.workspace_id, t.last_used_at \
     FROM workspace_auth_tokens t JOIN workspaces w ON w.id = t.workspace_id \
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND w.status <> 'removed'";

/// `$1` workspace id → the number of its live tokens.
pub(crate) const COUNT_LIVE_WORKSPACE_TOKENS: &str = "SELECT COUNT(*) \
     FROM workspace_auth_tokens WHERE workspace_id = $1 AND revoked_at IS NULL";

/// `$1` token hash, `$2` at.
pub(crate) const TOUCH_WORKSPACE_TOKEN: &str =
    "UPDATE workspace_auth_tokens SET last_used_at = $2 WHERE token_hash = $1";

/// `$1` token hash, `$2` prefix, `$3` name, `$4` at →
/// [`crate::rows::workspaces::OrgTokenTuple`].
pub(crate) const INSERT_ORG_TOKEN: &str = concat!(
    "INSERT INTO org_api_tokens (token_hash, prefix, name, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING ",
    org_token_columns!()
);

/// `$1` token hash → the live [`crate::rows::workspaces::OrgTokenTuple`].
pub(crate) const FIND_LIVE_ORG_TOKEN: &str = concat!(
    "SELECT ",
    org_token_columns!(),
    " FROM org_api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
);

/// `$1` prefix → live [`crate::rows::workspaces::OrgTokenTuple`]s with that prefix.
pub(crate) const LIVE_ORG_TOKENS_BY_PREFIX: &str = concat!(
    "SELECT ",
    org_token_columns!(),
    " FROM org_api_tokens WHERE prefix = $1 AND revoked_at IS NULL ORDER BY id"
);

/// `$1` id, `$2` at → the revoked [`crate::rows::workspaces::OrgTokenTuple`].
pub(crate) const REVOKE_ORG_TOKEN: &str = concat!(
    "UPDATE org_api_tokens SET revoked_at = $2 WHERE id = $1 RETURNING ",
    org_token_columns!()
);

/// `$1` token hash, `$2` at.
pub(crate) const TOUCH_ORG_TOKEN: &str =
    "UPDATE org_api_tokens SET last_used_at = $2 WHERE token_hash = $1";

/// → every [`crate::rows::workspaces::OrgTokenTuple`], oldest first.
pub(crate) const LIST_ORG_TOKENS: &str = concat!(
    "SELECT ",
    org_token_columns!(),
    " FROM org_api_tokens ORDER BY id"
);

/// `$1` secret name → scopes (`workspace:<id>`) holding a secret of that name.
pub(crate) const WORKSPACE_SCOPES_WITH_SECRET: &str = "SELECT scope FROM secrets \
     WHERE name = $1 AND scope LIKE 'workspace:%' ORDER BY scope";

/// `$1` the workspace's scope → [`crate::rows::SealedSecretTuple`]s of `global` and that
/// scope.
pub(crate) const BUNDLE_SECRETS: &str = "SELECT scope, name, sealed FROM secrets \
     WHERE scope = 'global' OR scope = $1 ORDER BY id";

/// → the newest event id, or 0.
pub(crate) const LAST_EVENT_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM events";
