//! Conversations and messages: starting a conversation (a direct one is reused per
//! pair), listing and reading them, sending a message (stored and returned at once;
//! agents answer asynchronously, see [`super::dispatch`]) and reading history.
//!
//! Permission rule for everything here: the caller must be a participant (403), and an
//! unknown conversation is 404 whoever asks.

use std::sync::Arc;

use uuid::Uuid;

use super::Core;
use super::accounts::SignedIn;
use crate::domain::{
    Chat, ChatKind, MAX_PARTICIPANTS, Message, TextProblem, Username, check_client_msg_id,
    check_text, direct_key, parse_title,
};
use crate::error::{CoreError, Denied, Invalid, Missing};
use crate::event::{ChatEvent, ChatEventBody, EventKind, NewEvent, now_ms};
use crate::principal::Principal;
use crate::store::{ChatInsert, MessageInsert, NewChat, NewMessage};

/// A message as a participant sends it.
#[derive(Clone, Debug, Default)]
pub struct MessageDraft {
    pub text: String,
    pub reply_to: Option<Uuid>,
    pub client_msg_id: Option<String>,
}

/// Which page of history to read: the latest `limit` messages (default 50, at most
/// 200), or those before message `before`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MessagePage {
    pub before: Option<Uuid>,
    pub limit: Option<i64>,
}

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

impl Core {
    /// `startChat`: the caller plus `user_ids` (deduplicated). Two participants make
    /// (or reuse) a direct conversation, three or more a group. Agents may be included
    /// when they are house agents or the caller's own forks.
    pub async fn start_chat(
        &self,
        who: &SignedIn,
        user_ids: &[String],
        title: Option<&str>,
    ) -> Result<Chat, CoreError> {
        let mut names: Vec<String> = vec![who.username().to_owned()];
        for id in user_ids {
            let name = Username::parse(id).ok_or(CoreError::NotFound(Missing::Account))?;
            if !names.iter().any(|n| n == name.as_str()) {
                names.push(name.to_string());
            }
        }
        if names.len() < 2 {
            return Err(CoreError::InvalidInput(Invalid::TooFewParticipants));
        }
        if names.len() > MAX_PARTICIPANTS {
            return Err(CoreError::InvalidInput(Invalid::TooManyParticipants));
        }
        for name in &names[1..] {
            let account = self.account(name).await?;
            if account.is_agent() && !may_manage(who, &account) {
                return Err(CoreError::Denied(Denied::NotTheOwner));
            }
        }
        let kind = if names.len() == 2 {
            ChatKind::Direct
        } else {
            ChatKind::Group
        };
        let title = match (kind, title) {
            (ChatKind::Group, Some(t)) => {
                parse_title(t).map_err(|p| text_error(p, Invalid::TitleTooLong))?
            }
            _ => None,
        };
        let id = Uuid::new_v4();
        let chat = NewChat {
            id,
            kind,
            title,
            direct_key: (kind == ChatKind::Direct).then(|| direct_key(&names[0], &names[1])),
            participants: names,
            at_ms: now_ms(),
        };
        let event = chat_event(EventKind::ChatCreated, id, kind.as_str(), &who.principal());
        let id = match self.store.insert_chat(chat, event).await? {
            ChatInsert::Created(event) => {
                self.bus.publish(event);
                let chat = self.chat_by_id(id).await?;
                self.publish_chat(
                    &chat,
                    ChatEventBody::ConversationNew(Arc::new(chat.clone())),
                );
                return Ok(chat);
            }
            ChatInsert::ExistingDirect(existing) => existing,
        };
        self.chat_by_id(id).await
    }

    /// `getChats`: the caller's conversations, most recently active first.
    pub async fn list_chats(&self, who: &SignedIn) -> Result<Vec<Chat>, CoreError> {
        Ok(self.store.list_chats_of(who.username()).await?)
    }

    /// `getChat`.
    pub async fn get_chat(&self, who: &SignedIn, chat_id: Uuid) -> Result<Chat, CoreError> {
        self.participant_chat(who, chat_id).await
    }

    /// `sendMessage`: stores the message and returns it; agents that should answer are
    /// dispatched in the background. A retried send with the same `client_msg_id`
    /// returns the first message and dispatches nothing.
    pub async fn send_message(
        self: &Arc<Self>,
        who: &SignedIn,
        chat_id: Uuid,
        draft: MessageDraft,
    ) -> Result<Message, CoreError> {
        let chat = self.participant_chat(who, chat_id).await?;
        check_text(&draft.text).map_err(|p| text_error(p, Invalid::TextTooLong))?;
        if let Some(id) = &draft.client_msg_id {
            check_client_msg_id(id)
                .map_err(|_| CoreError::InvalidInput(Invalid::InvalidClientMsgId))?;
        }
        if let Some(reply_to) = draft.reply_to {
            self.store
                .find_message(chat_id, reply_to)
                .await?
                .ok_or(CoreError::NotFound(Missing::Message))?;
        }
        let message = NewMessage {
            id: Uuid::new_v4(),
            chat_id,
            sender: who.username().to_owned(),
            content: draft.text,
            reply_to_id: draft.reply_to,
            client_msg_id: draft.client_msg_id,
            finalized: true,
            at_ms: now_ms(),
        };
        let name = message.id.to_string();
        let event = chat_event(EventKind::MessageCreated, chat_id, &name, &who.principal());
        let (message, event) = match self.store.insert_message(message, event).await? {
            MessageInsert::Created(message, event) => (message, event),
            MessageInsert::Duplicate(message) => return Ok(message),
        };
        self.bus.publish(event);
        let message = Arc::new(message);
        self.publish_chat(&chat, ChatEventBody::MessageNew(message.clone()));
        self.dispatch(Arc::new(chat), message.clone(), 0).await;
        Ok(Arc::unwrap_or_clone(message))
    }

    /// `getMessages`: a page of history, oldest first.
    pub async fn list_messages(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
        page: MessagePage,
    ) -> Result<Vec<Message>, CoreError> {
        self.participant_chat(who, chat_id).await?;
        let limit = page.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(CoreError::InvalidInput(Invalid::InvalidLimit));
        }
        if let Some(before) = page.before {
            self.store
                .find_message(chat_id, before)
                .await?
                .ok_or(CoreError::NotFound(Missing::Message))?;
        }
        Ok(self
            .store
            .list_messages(chat_id, page.before, limit)
            .await?)
    }

    /// The conversation, if it exists (404) and the caller takes part (403).
    pub(crate) async fn participant_chat(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
    ) -> Result<Chat, CoreError> {
        let chat = self.chat_by_id(chat_id).await?;
        if !chat.has_participant(who.username()) {
            return Err(CoreError::Denied(Denied::NotAParticipant));
        }
        Ok(chat)
    }

    pub(crate) async fn chat_by_id(&self, chat_id: Uuid) -> Result<Chat, CoreError> {
        self.store
            .find_chat(chat_id)
            .await?
            .ok_or(CoreError::NotFound(Missing::Conversation))
    }

    /// Publishes a live event to the conversation's participants.
    pub(crate) fn publish_chat(&self, chat: &Chat, body: ChatEventBody) {
        self.bus.publish_chat(ChatEvent {
            audience: chat.audience().into(),
            body,
        });
    }
}

/// May `who` put this agent in a conversation, or change or remove it there? Its owner
/// may; house agents have no owner, so any participant may.
pub(crate) fn may_manage(who: &SignedIn, agent: &crate::domain::Account) -> bool {
    agent.is_house_agent() || agent.parent_username.as_deref() == Some(who.username())
}

/// The audit event of a change to conversation `chat_id` (scope `chat:<id>`).
pub(crate) fn chat_event(kind: EventKind, chat_id: Uuid, name: &str, who: &Principal) -> NewEvent {
    NewEvent {
        kind,
        scope: format!("chat:{chat_id}"),
        name: name.to_owned(),
        actor: who.actor(),
        at_ms: now_ms(),
    }
}

fn text_error(problem: TextProblem, too_long: Invalid) -> CoreError {
    CoreError::InvalidInput(match problem {
        TextProblem::Empty => Invalid::EmptyText,
        TextProblem::TooLong => too_long,
        TextProblem::Nul => Invalid::NulInText,
    })
}
