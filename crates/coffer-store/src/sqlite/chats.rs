//! [`ChatStore`] on sqlite.

use async_trait::async_trait;
use coffer_core::store::ChatStore;

use super::SqliteStore;

#[async_trait]
impl ChatStore for SqliteStore {}
