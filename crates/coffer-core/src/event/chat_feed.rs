//! Live conversation events (Mafold's `events.*` frames): a new conversation, a new
//! message (an agent's placeholder included), each streamed delta of an agent reply, and
//! its completion. Unlike [`super::Event`] these carry content — message text, never a
//! secret — and are not audit rows (the audit row of a message is its
//! `message.created` / `message.finalized` event).
//!
//! Every event names its audience: the usernames of the conversation's participants
//! when it was published. Only they may receive it (`Core::watch_chats` filters).

use std::sync::Arc;

use uuid::Uuid;

use crate::domain::{Chat, Message};

/// Buffered events per subscriber before a slow one starts losing the oldest (a client
/// that lags that far re-reads history with `getMessages`).
pub(super) const CAPACITY: usize = 4096;

#[derive(Clone, Debug)]
pub struct ChatEvent {
    /// Who may see it.
    pub audience: Arc<[String]>,
    pub body: ChatEventBody,
}

#[derive(Clone, Debug)]
pub enum ChatEventBody {
    ConversationNew(Arc<Chat>),
    /// Participants or agent settings changed.
    ConversationUpdated(Arc<Chat>),
    /// A stored message; an agent reply's placeholder has no `finalized_at_ms`.
    MessageNew(Arc<Message>),
    /// The next chunk of an agent reply.
    MessageDelta {
        chat_id: Uuid,
        message_id: Uuid,
        delta: Arc<str>,
    },
    /// An agent reply is final (`finalized_at_ms` is set).
    MessageComplete(Arc<Message>),
}

impl ChatEvent {
    pub fn is_for(&self, username: &str) -> bool {
        self.audience.iter().any(|u| u == username)
    }
}
