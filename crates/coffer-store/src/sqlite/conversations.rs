//! [`ConversationStore`] on sqlite.

use async_trait::async_trait;
use coffer_core::store::ConversationStore;

use super::SqliteStore;

#[async_trait]
impl ConversationStore for SqliteStore {}
