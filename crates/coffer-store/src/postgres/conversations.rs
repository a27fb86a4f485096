//! [`ConversationStore`] on postgres.

use async_trait::async_trait;
use coffer_core::store::ConversationStore;

use super::PgStore;

#[async_trait]
impl ConversationStore for PgStore {}
