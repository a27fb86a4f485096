//! [`WorkspaceStore`] on sqlite.

use async_trait::async_trait;
use coffer_core::store::WorkspaceStore;

use super::SqliteStore;

#[async_trait]
impl WorkspaceStore for SqliteStore {}
