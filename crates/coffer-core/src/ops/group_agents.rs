//! Agents in groups: who is there and in which mode, adding, removing and switching
//! between always-on and mention-only.
//!
//! Rules: the conversation must exist (404) and the caller take part (403); adding,
//! removing and switching need a group (400); the agent must exist (404) and be an agent
//! (400); only its owner may manage a fork, while house agents (no owner) may be managed
//! by any participant (403 otherwise). A new mode applies from the next message.

use std::sync::Arc;

use uuid::Uuid;

use super::Core;
use super::accounts::SignedIn;
use super::chats::{chat_event, may_manage};
use crate::domain::{Account, Chat, ChatKind, GroupAgent, Username};
use crate::error::{CoreError, Denied, Invalid, Missing};
use crate::event::{ChatEventBody, EventKind, now_ms};
use crate::store::GroupAgentWrite;

impl Core {
    /// `getGroupAgents`: every agent participant, with its effective mode (an agent with
    /// no setting answers every human message, so it reads as always on).
    pub async fn get_group_agents(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
    ) -> Result<Vec<GroupAgent>, CoreError> {
        self.participant_chat(who, chat_id).await?;
        let agents = self.store.list_chat_agents(chat_id).await?;
        Ok(agents
            .into_iter()
            .map(|(agent, setting)| GroupAgent {
                agent,
                always_on: setting.unwrap_or(true),
            })
            .collect())
    }

    /// `addGroupAgent`: joins the agent to the group if needed and sets its mode.
    pub async fn add_group_agent(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
        agent: &str,
        always_on: bool,
    ) -> Result<(), CoreError> {
        let agent = self.manageable_group_agent(who, chat_id, agent).await?;
        self.write_group_agent(who, chat_id, &agent, always_on, true)
            .await
    }

    /// `setGroupAgentMode`: the agent must already be in the group (404).
    pub async fn set_group_agent_mode(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
        agent: &str,
        always_on: bool,
    ) -> Result<(), CoreError> {
        let agent = self.manageable_group_agent(who, chat_id, agent).await?;
        self.write_group_agent(who, chat_id, &agent, always_on, false)
            .await
    }

    /// `removeGroupAgent`: the agent leaves the group and its setting goes (404 when it
    /// is not in the group).
    pub async fn remove_group_agent(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
        agent: &str,
    ) -> Result<(), CoreError> {
        let agent = self.manageable_group_agent(who, chat_id, agent).await?;
        let event = chat_event(
            EventKind::GroupAgentRemoved,
            chat_id,
            &agent.username,
            &who.principal(),
        );
        let before = self.chat_by_id(chat_id).await?;
        let event = self
            .store
            .remove_chat_agent(chat_id, &agent.username, now_ms(), event)
            .await?
            .ok_or(CoreError::NotFound(Missing::Agent))?;
        self.bus.publish(event);
        self.announce_update(chat_id, Some(&before)).await;
        Ok(())
    }

    async fn write_group_agent(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
        agent: &Account,
        always_on: bool,
        join: bool,
    ) -> Result<(), CoreError> {
        let write = GroupAgentWrite {
            chat_id,
            agent: agent.username.clone(),
            always_on,
            added_by: who.username().to_owned(),
            join,
            at_ms: now_ms(),
        };
        let event = chat_event(
            EventKind::GroupAgentSet,
            chat_id,
            &agent.username,
            &who.principal(),
        );
        let event = self
            .store
            .upsert_group_agent(write, event)
            .await?
            .ok_or(CoreError::NotFound(Missing::Agent))?;
        self.bus.publish(event);
        self.announce_update(chat_id, None).await;
        Ok(())
    }

    /// The checks shared by add, remove and mode changes, in the documented order.
    async fn manageable_group_agent(
        &self,
        who: &SignedIn,
        chat_id: Uuid,
        agent: &str,
    ) -> Result<Account, CoreError> {
        let chat = self.participant_chat(who, chat_id).await?;
        if chat.kind != ChatKind::Group {
            return Err(CoreError::InvalidInput(Invalid::NotAGroup));
        }
        let name = Username::parse(agent).ok_or(CoreError::NotFound(Missing::Agent))?;
        let account = self
            .store
            .find_account(name.as_str())
            .await?
            .ok_or(CoreError::NotFound(Missing::Agent))?;
        if !account.is_agent() {
            return Err(CoreError::InvalidInput(Invalid::NotAnAgent));
        }
        if !may_manage(who, &account) {
            return Err(CoreError::Denied(Denied::NotTheOwner));
        }
        Ok(account)
    }

    /// Tells the participants (and, after a removal, those who were) that the
    /// conversation changed. Best effort: the change itself is committed.
    async fn announce_update(&self, chat_id: Uuid, before: Option<&Chat>) {
        let Ok(chat) = self.chat_by_id(chat_id).await else {
            return;
        };
        let shown = Arc::new(chat.clone());
        let audience = before.unwrap_or(&chat);
        self.publish_chat(audience, ChatEventBody::ConversationUpdated(shown));
    }
}
