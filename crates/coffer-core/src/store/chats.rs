//! The persistence port for accounts and chats (the Mafold dialect): accounts, issued
//! tokens (hashed), per-owner provider keys (sealed), conversations, participants, group
//! agent settings and messages.

use async_trait::async_trait;

#[async_trait]
pub trait ChatStore: Send + Sync {}
