//! The persistence port for workspaces (the Molecule dialect): workspaces and their org
//! tree, workspace and org tokens (hashed), KV memory and workflow checkpoints.
//! Workspace secrets themselves use the general secret methods of `Store` with the
//! `workspace:<uuid>` scope.

use async_trait::async_trait;

#[async_trait]
pub trait WorkspaceStore: Send + Sync {}
