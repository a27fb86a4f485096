//! One agent reply, from placeholder to final message:
//!
//! 1. store a placeholder (no `finalized_at`) and publish `MessageNew`;
//! 2. resolve the key — a fork opens its owner's sealed key for its provider only now,
//!    into a zeroizing buffer; a house agent uses the platform key — and with no key,
//!    make no provider call at all;
//! 3. call the [`Brain`](crate::brain::Brain) with the recent
//!    transcript, publishing every text delta as it arrives;
//! 4. finalize the message and publish `MessageComplete`.
//!
//! Whatever fails (no key, the provider's 401/429/5xx, a timeout, a cut stream), step 4
//! still runs, with a text saying what failed — never the key — so no placeholder is
//! left streaming. A successful reply is dispatched in turn (agents answer agents that
//! mention them).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use coffer_crypto::{ExposeSecret, SecretString};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Core;
use super::chats::chat_event;
use crate::brain::{AgentCall, AgentFailure, Turn, TurnRole};
use crate::domain::{Account, Chat, Message, Provider};
use crate::event::{ChatEventBody, EventKind, now_ms};
use crate::principal::Principal;
use crate::store::{MessageInsert, NewMessage};

impl Core {
    /// Runs [`Core::reply`] in the background. (The future is boxed: a reply may
    /// dispatch further replies, and an unboxed recursive future has no finite type.)
    pub(crate) fn spawn_reply(
        self: &Arc<Self>,
        chat: Arc<Chat>,
        trigger: Arc<Message>,
        agent: Account,
        depth: u32,
    ) {
        let core = Arc::clone(self);
        let task: Pin<Box<dyn Future<Output = ()> + Send>> =
            Box::pin(async move { core.reply(chat, trigger, agent, depth).await });
        tokio::spawn(task);
    }

    async fn reply(
        self: Arc<Self>,
        chat: Arc<Chat>,
        trigger: Arc<Message>,
        agent: Account,
        depth: u32,
    ) {
        let principal = Principal::Account {
            username: agent.username.clone(),
        };
        let id = Uuid::new_v4();
        let placeholder = NewMessage {
            id,
            chat_id: chat.id,
            sender: agent.username.clone(),
            content: String::new(),
            reply_to_id: Some(trigger.id),
            client_msg_id: None,
            finalized: false,
            at_ms: now_ms(),
        };
        let event = chat_event(
            EventKind::MessageCreated,
            chat.id,
            &id.to_string(),
            &principal,
        );
        match self.store.insert_message(placeholder, event).await {
            Ok(MessageInsert::Created(message, event)) => {
                self.bus.publish(event);
                self.publish_chat(&chat, ChatEventBody::MessageNew(Arc::new(message)));
            }
            Ok(MessageInsert::Duplicate(_)) => return, // a placeholder has no client id
            Err(e) => {
                tracing::error!(chat.id = %chat.id, agent = %agent.username, error = %e, "cannot store the reply placeholder: the agent does not answer");
                return;
            }
        }
        let (content, answered) = self.produce(&chat, &agent, id).await;
        let event = chat_event(
            EventKind::MessageFinalized,
            chat.id,
            &id.to_string(),
            &principal,
        );
        let message = match self
            .store
            .finalize_message(id, content, now_ms(), event)
            .await
        {
            Ok(Some((message, event))) => {
                self.bus.publish(event);
                let message = Arc::new(message);
                self.publish_chat(&chat, ChatEventBody::MessageComplete(message.clone()));
                message
            }
            Ok(None) => return,
            Err(e) => {
                tracing::error!(chat.id = %chat.id, message.id = %id, error = %e, "cannot finalize an agent reply");
                return;
            }
        };
        if answered {
            let chat = match self.chat_by_id(chat.id).await {
                Ok(fresh) => Arc::new(fresh),
                Err(_) => chat,
            };
            self.dispatch(chat, message, depth + 1).await;
        }
    }

    /// The reply's final text, and whether the agent really answered (as opposed to a
    /// text saying what failed).
    async fn produce(&self, chat: &Chat, agent: &Account, message_id: Uuid) -> (String, bool) {
        let Some(provider) = agent.agent_provider else {
            return ("⚠ This agent has no provider.".to_owned(), false);
        };
        let key = match self.agent_api_key(agent, provider).await {
            Ok(key) => key,
            Err(text) => return (text, false),
        };
        let transcript = match self.transcript(chat.id, agent).await {
            Ok(transcript) => transcript,
            Err(e) => {
                tracing::error!(chat.id = %chat.id, error = %e, "cannot read the conversation for an agent");
                return (
                    "⚠ The conversation could not be read; try again.".to_owned(),
                    false,
                );
            }
        };
        let call = AgentCall {
            provider,
            agent: agent.username.clone(),
            system_prompt: system_prompt(chat, agent),
            transcript,
        };
        let (tx, mut rx) = mpsc::channel::<String>(64);
        let mut content = String::new();
        let run = self.chat.brain.run(call, key, tx);
        let pump = async {
            while let Some(delta) = rx.recv().await {
                if delta.is_empty() {
                    continue;
                }
                content.push_str(&delta);
                let body = ChatEventBody::MessageDelta {
                    chat_id: chat.id,
                    message_id,
                    delta: delta.into(),
                };
                self.publish_chat(chat, body);
            }
        };
        let result =
            tokio::time::timeout(self.chat.reply_timeout, async { tokio::join!(run, pump).0 })
                .await
                .unwrap_or(Err(AgentFailure::Timeout));
        match result {
            Ok(()) if !content.trim().is_empty() => (content, true),
            Ok(()) => (format!("⚠ {provider} returned an empty reply."), false),
            Err(failure) => {
                let note = failure.describe(provider);
                tracing::warn!(chat.id = %chat.id, agent = %agent.username, failure = ?failure, "agent reply failed");
                if content.trim().is_empty() {
                    (
                        format!("⚠ {} could not answer: {note}.", agent.display_name),
                        false,
                    )
                } else {
                    (
                        format!("{content}\n\n⚠ The reply is incomplete: {note}."),
                        false,
                    )
                }
            }
        }
    }

    /// The key the agent runs on, opened now; or the text of the message that says
    /// there is none (then no provider call is made).
    async fn agent_api_key(
        &self,
        agent: &Account,
        provider: Provider,
    ) -> Result<SecretString, String> {
        let Some(owner) = agent.parent_username.as_deref() else {
            return self
                .chat
                .platform_keys
                .get(&provider)
                .map(|key| SecretString::from(key.expose_secret().to_owned()))
                .ok_or_else(|| {
                    format!("⚠ No platform key is configured for {provider} on this server.")
                });
        };
        match self.open_agent_key(owner, provider).await {
            Ok(Some(key)) => Ok(key),
            Ok(None) => Err(format!(
                "⚠ No API key is configured for {provider}: @{owner} can add one with setAgentKey."
            )),
            Err(_) => Err(format!(
                "⚠ The stored {provider} key of @{owner} could not be opened; @{owner} can set it again with setAgentKey."
            )),
        }
    }

    /// The latest finalized messages, oldest first, as the agent sees them.
    async fn transcript(
        &self,
        chat_id: Uuid,
        agent: &Account,
    ) -> Result<Vec<Turn>, crate::store::StoreError> {
        let messages = self
            .store
            .list_messages(chat_id, None, self.chat.history_messages)
            .await?;
        Ok(messages
            .into_iter()
            .filter(|m| m.finalized_at_ms.is_some())
            .map(|m| {
                if m.sender.username == agent.username {
                    Turn {
                        role: TurnRole::Assistant,
                        text: m.content,
                    }
                } else {
                    Turn {
                        role: TurnRole::User,
                        text: format!("@{}: {}", m.sender.username, m.content),
                    }
                }
            })
            .collect())
    }
}

fn system_prompt(chat: &Chat, agent: &Account) -> String {
    let room = match &chat.title {
        Some(title) => format!("the {} conversation \"{title}\"", chat.kind.as_str()),
        None => format!("a {} conversation", chat.kind.as_str()),
    };
    format!(
        "You are {} (@{}), an AI agent in {room} on a chat platform where people and AI agents talk together. \
         Each user turn starts with its sender's @handle. Answer the latest message in plain text. \
         Mention someone with @handle only when you need them to answer.",
        agent.display_name, agent.username
    )
}
