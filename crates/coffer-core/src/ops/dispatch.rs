//! After a message is stored: decide which agent participants answer it (the table in
//! `domain::dispatch_rule`) and start one reply task per agent.
//!
//! The settings are read right after the message is stored and before `sendMessage`
//! returns, so a mode changed afterwards applies from the next message. Replies run in
//! the background; an agent's completed reply is itself dispatched (agents answer agents
//! only when mentioned), up to `ChatOptions::max_agent_chain` replies deep.

use std::sync::Arc;

use super::Core;
use crate::domain::dispatch_rule::agents_to_fire;
use crate::domain::{Chat, Message};

impl Core {
    /// Starts the replies `message` calls for; `depth` counts the agent replies that led
    /// to it (0 for a person's message).
    pub(crate) async fn dispatch(
        self: &Arc<Self>,
        chat: Arc<Chat>,
        message: Arc<Message>,
        depth: u32,
    ) {
        if depth > self.chat.max_agent_chain {
            tracing::info!(chat.id = %chat.id, message.id = %message.id, "agent chain limit reached: not dispatching");
            return;
        }
        let agents = match self.store.list_chat_agents(chat.id).await {
            Ok(agents) => agents,
            Err(e) => {
                // The message is stored; only its replies are lost. Say so in the log.
                tracing::error!(chat.id = %chat.id, message.id = %message.id, error = %e, "cannot read the conversation's agents: no agent will answer");
                return;
            }
        };
        for agent in agents_to_fire(&message.sender, &message.content, &agents) {
            tracing::debug!(chat.id = %chat.id, message.id = %message.id, agent = %agent.username, "dispatching");
            self.spawn_reply(chat.clone(), message.clone(), agent.clone(), depth);
        }
    }
}
