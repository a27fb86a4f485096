//! Creating a conversation (`POST /api/conversations`): build the agent, open the
//! Fernet tokens of a `secrets_encrypted` request, seal, store, and start the run when
//! there is an initial message. Idempotent on a client-chosen id.

use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

use super::Core;
use super::conversations::ConversationView;
use crate::domain::conversation::{
    Conversation, ConversationEvent, ConversationStats, EventBody, EventSource, ExecutionStatus,
    NewConversation, Role, build_agent, llm_config,
};
use crate::error::CoreError;
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;

impl Core {
    /// Creates the conversation, or returns the existing one with that id. The view is
    /// the conversation as created (`idle`); with an initial message the run has been
    /// started by the time this returns. `bool`: whether it was created now.
    pub async fn create_conversation(
        self: &Arc<Self>,
        who: &Principal,
        new: NewConversation,
    ) -> Result<(ConversationView, bool), CoreError> {
        let id = new.id.unwrap_or_else(Uuid::new_v4);
        let slot = self.conversations.slot(id);
        let _control = slot.control.lock().await;
        if let Some(record) = self.store.find_conversation(id).await? {
            let existing = self.open_conversation(record, false)?;
            return Ok((ConversationView::from(&existing), false));
        }
        let mut agent = build_agent(&new.agent).map_err(|e| CoreError::InvalidConversation(e.0))?;
        let mut secrets = new.secrets;
        if new.secrets_encrypted {
            self.open_incoming_tokens(&mut agent, &mut secrets)?;
        }
        let llm = llm_config(&agent.doc, &agent.secrets)
            .map_err(|e| CoreError::InvalidConversation(e.0))?;
        if !Path::new(&new.working_dir).is_absolute() {
            return Err(CoreError::InvalidConversation(
                "workspace.working_dir must be an absolute path".into(),
            ));
        }
        if new.initial_message.is_some() && self.conversations.ports.is_none() {
            return Err(CoreError::AgentUnavailable);
        }
        let now = now_ms();
        let mut conversation = Conversation {
            id,
            agent,
            working_dir: new.working_dir,
            secrets,
            max_iterations: new.max_iterations.max(1),
            stuck_detection: new.stuck_detection,
            tags: new.tags,
            status: ExecutionStatus::Idle,
            stats: ConversationStats::default(),
            title: None,
            last_user_message_id: None,
            leaf_event_id: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let mut events = Vec::new();
        if let Some(text) = &new.initial_message {
            let event = ConversationEvent {
                id: Uuid::new_v4(),
                seq: 0,
                at_ms: now,
                source: EventSource::User,
                body: EventBody::Message {
                    role: Role::User,
                    text: text.clone(),
                },
            };
            conversation.note_event(&event);
            conversation.stats.register(&llm.usage_id, &llm.model);
            events.push(event);
        }
        let record = self.conversation_record(&conversation);
        let writes = events.iter().map(|e| self.seal_event(id, e)).collect();
        let audit = self.conversation_audit(EventKind::ConversationCreated, id, who);
        let Some((_, event)) = self
            .store
            .insert_conversation(&record, writes, audit)
            .await?
        else {
            // Created by another coffer instance meanwhile: the create is idempotent.
            let existing = self.load_conversation(id, false).await?;
            return Ok((ConversationView::from(&existing), false));
        };
        self.bus.publish(event);
        let view = ConversationView::from(&conversation);
        if new.initial_message.is_some() {
            self.start_run_locked(&slot, id).await?;
        }
        Ok((view, true))
    }
}
