//! Row adapters for workspaces and tokens (see [`crate::sql::workspaces`]). Bad data read
//! back — an unknown status, a malformed id — is a [`StoreError::Other`] naming the row,
//! never a panic and never a guessed value.

use anyhow::anyhow;
use coffer_core::domain::{
    Command, OrgToken, Runtime, Workspace, WorkspaceId, WorkspaceName, WorkspaceStatus,
    WorkspaceTokenMatch,
};
use coffer_core::store::StoreError;

/// `id, name, parent_id, status, status_reason, runtime, command, created_at, updated_at`.
pub(crate) type WorkspaceTuple = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
    i64,
);

/// `id, name, prefix, created_at, last_used_at, revoked_at`.
pub(crate) type OrgTokenTuple = (i64, String, String, i64, Option<i64>, Option<i64>);

/// `workspace_id, last_used_at`.
pub(crate) type TokenMatchTuple = (String, Option<i64>);

/// The columns of `workspace`, in [`WorkspaceTuple`] order.
pub(crate) fn workspace_tuple(w: &Workspace) -> WorkspaceTuple {
    (
        w.id.to_string(),
        w.name.as_str().to_owned(),
        w.parent_id.map(|p| p.to_string()),
        w.status.as_str().to_owned(),
        w.status_reason.clone(),
        w.runtime.as_str().to_owned(),
        w.command.as_ref().map(|c| c.as_str().to_owned()),
        w.created_at_ms,
        w.updated_at_ms,
    )
}

pub(crate) fn workspace(row: WorkspaceTuple) -> Result<Workspace, StoreError> {
    let (id, name, parent, status, status_reason, runtime, command, created, updated) = row;
    let bad = |what: &str| StoreError::Other(anyhow!("workspace row {id:?}: invalid {what}"));
    let parent_id = match parent {
        Some(p) => Some(WorkspaceId::parse(&p).ok_or_else(|| bad("parent_id"))?),
        None => None,
    };
    let command = match command {
        Some(c) => Some(Command::parse(&c).ok_or_else(|| bad("command"))?),
        None => None,
    };
    Ok(Workspace {
        id: WorkspaceId::parse(&id).ok_or_else(|| bad("id"))?,
        name: WorkspaceName::parse(&name).ok_or_else(|| bad("name"))?,
        parent_id,
        status: WorkspaceStatus::parse(&status).ok_or_else(|| bad("status"))?,
        status_reason,
        runtime: Runtime::parse(&runtime).ok_or_else(|| bad("runtime"))?,
        command,
        created_at_ms: created,
        updated_at_ms: updated,
    })
}

pub(crate) fn status(id: WorkspaceId, text: &str) -> Result<WorkspaceStatus, StoreError> {
    WorkspaceStatus::parse(text)
        .ok_or_else(|| StoreError::Other(anyhow!("workspace row {id}: invalid status")))
}

pub(crate) fn org_token(row: OrgTokenTuple) -> OrgToken {
    let (id, name, prefix, created_at_ms, last_used_at_ms, revoked_at_ms) = row;
    OrgToken {
        id,
        name,
        prefix,
        created_at_ms,
        last_used_at_ms,
        revoked_at_ms,
    }
}

pub(crate) fn token_match(row: TokenMatchTuple) -> Result<WorkspaceTokenMatch, StoreError> {
    let (id, last_used_at_ms) = row;
    let workspace_id = WorkspaceId::parse(&id)
        .ok_or_else(|| StoreError::Other(anyhow!("token row: invalid workspace_id")))?;
    Ok(WorkspaceTokenMatch {
        workspace_id,
        last_used_at_ms,
    })
}

/// The workspace ids of `workspace:<id>` scopes; other scopes are skipped.
pub(crate) fn workspace_ids_of_scopes(scopes: Vec<String>) -> Vec<WorkspaceId> {
    scopes
        .iter()
        .filter_map(|s| s.strip_prefix("workspace:"))
        .filter_map(WorkspaceId::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_workspace_row_is_an_error_naming_the_column() {
        let id = WorkspaceId::new_random().to_string();
        let row = (
            id,
            "w".to_owned(),
            None,
            "exploded".to_owned(),
            None,
            "langgraph".to_owned(),
            None,
            1,
            1,
        );
        match workspace(row) {
            Err(StoreError::Other(e)) => assert!(e.to_string().contains("status")),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}
