//! The persistence port for OpenHands conversations: the conversation (agent, workspace,
//! status, stats), its sealed secrets, and its event log.

use async_trait::async_trait;

#[async_trait]
pub trait ConversationStore: Send + Sync {}
