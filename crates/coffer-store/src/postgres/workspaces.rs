//! [`WorkspaceStore`] on postgres.

use async_trait::async_trait;
use coffer_core::store::WorkspaceStore;

use super::PgStore;

#[async_trait]
impl WorkspaceStore for PgStore {}
