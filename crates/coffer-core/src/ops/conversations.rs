//! OpenHands conversations: the use cases (create, read, delete, secrets, events, run,
//! pause) and the two ports the agent runtime plugs into. The core owns the rules —
//! lifecycle and status transitions, which secrets a command gets, masking, what is
//! sealed — while the agent loop, the LLM client, tool execution and LookupSecret HTTP
//! calls live in an adapter (`coffer-agent`) behind [`AgentRunner`] and
//! [`SecretFetcher`].
//!
//! Files: `conversations` (here: ports, reads, delete), `conversations_create`,
//! `conversations_run` (starting, pausing, supervising runs; restart recovery),
//! `conversations_session` ([`RunSession`], what a runner may do), `conversations_secrets`
//! (resolution and `secrets_encrypted`), `conversations_seal` (the stored form).
//!
//! A run belongs to the coffer process that started it (see `conversations_run`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use coffer_crypto::SecretString;
use url::Url;
use uuid::Uuid;

pub use super::conversations_session::{RunOutcome, RunSession, RunSpec, Stop};
pub use super::conversations_view::{ConversationView, SecretSourceView};

use super::Core;
use super::conversations_run::Slot;
use crate::domain::conversation::{
    Conversation, ConversationEvent, EventPage, EventQuery, SecretSource, final_response,
};
use crate::error::{CoreError, Missing};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;
use crate::store::{ConversationUpdate, EventFilter};

/// Runs a conversation's agent loop to its end (a finish, an error, a stop asked for
/// through the session). Called on its own task; a panic is caught and ends the run in
/// `error`.
#[async_trait]
pub trait AgentRunner: Send + Sync + 'static {
    async fn run(&self, session: RunSession);
}

/// Fetches a LookupSecret: one HTTP GET of `url` with exactly `headers`, no redirects;
/// a 2xx answer's raw body is the value.
#[async_trait]
pub trait SecretFetcher: Send + Sync + 'static {
    async fn fetch(
        &self,
        url: &Url,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<SecretString, FetchError>;
}

/// Why a lookup failed: a status or a transport problem, never a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

/// The agent runtime a core runs conversations with.
pub struct AgentPorts {
    pub runner: Arc<dyn AgentRunner>,
    pub fetcher: Arc<dyn SecretFetcher>,
    /// Timeout of one LookupSecret request (the original: 30 s).
    pub lookup_timeout: Duration,
    /// A failed lookup is retried (when masking) no sooner than this (the original: 60 s).
    pub lookup_retry_after: Duration,
}

/// Conversation state kept by the core process: the agent runtime, coffer's own base
/// URL, and one slot per conversation touched (serialising control requests and
/// holding its live run).
#[derive(Default)]
pub(crate) struct ConversationRuntime {
    pub(super) ports: Option<AgentPorts>,
    pub(super) internal_url: RwLock<Option<Url>>,
    pub(super) slots: Mutex<HashMap<Uuid, Arc<Slot>>>,
}

impl ConversationRuntime {
    pub(super) fn slot(&self, id: Uuid) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(id).or_default().clone()
    }

    pub(super) fn forget(&self, id: Uuid) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.remove(&id);
    }

    /// Drops the slot of an id that turned out to be unknown, so requests for random
    /// ids do not pile up slots. Call it once the slot's control lock is released.
    pub(super) fn settle<T>(&self, id: Uuid, result: Result<T, CoreError>) -> Result<T, CoreError> {
        if matches!(result, Err(CoreError::NotFound(Missing::Conversation))) {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            if slots.get(&id).is_some_and(|slot| slot.live().is_none()) {
                slots.remove(&id);
            }
        }
        result
    }

    pub(super) fn internal_url(&self) -> Option<Url> {
        self.internal_url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Core {
    /// Runs conversations with `ports` (without them, conversations can be created and
    /// read, but `run` answers [`CoreError::AgentUnavailable`]).
    pub fn with_agent_runtime(mut self, ports: AgentPorts) -> Core {
        self.conversations.ports = Some(ports);
        self
    }

    /// coffer's own base URL (`http://host:port`): relative LookupSecret URLs are joined
    /// to it, and URLs of its own `/api/settings/secrets/<name>` are read in-process.
    pub fn set_internal_url(&self, url: &str) -> Result<(), CoreError> {
        let parsed = Url::parse(url)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("internal URL {url:?}: {e}")))?;
        *self
            .conversations
            .internal_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(parsed);
        Ok(())
    }

    pub async fn get_conversation(&self, id: Uuid) -> Result<ConversationView, CoreError> {
        Ok(ConversationView::from(
            &self.load_conversation(id, false).await?,
        ))
    }

    /// Several conversations, in the order asked; `None` for an unknown id.
    pub async fn get_conversations(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<Option<ConversationView>>, CoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.push(match self.get_conversation(*id).await {
                Ok(view) => Some(view),
                Err(CoreError::NotFound(Missing::Conversation)) => None,
                Err(e) => return Err(e),
            });
        }
        Ok(found)
    }

    /// The agent's final response ("" when there is none yet).
    pub async fn conversation_final_response(&self, id: Uuid) -> Result<String, CoreError> {
        self.ensure_conversation(id).await?;
        let mut after = None;
        loop {
            let filter = EventFilter {
                after_seq: after,
                limit: 100,
                newest_first: true,
                kind: None,
                source: None,
            };
            let page = self.read_events(id, &filter).await?;
            if let Some(text) = final_response(page.iter()) {
                return Ok(text);
            }
            match page.last() {
                Some(last) if page.len() == 100 => after = Some(last.seq),
                _ => return Ok(String::new()),
            }
        }
    }

    /// A page of a conversation's events.
    pub async fn list_conversation_events(
        &self,
        id: Uuid,
        query: &EventQuery,
    ) -> Result<EventPage, CoreError> {
        self.ensure_conversation(id).await?;
        let limit = query.limit.clamp(1, 100);
        let filter = EventFilter {
            after_seq: query.after,
            limit: i64::from(limit) + 1,
            newest_first: query.newest_first,
            kind: query.kind.map(|k| k.as_str().to_owned()),
            source: query.source.map(|s| s.as_str().to_owned()),
        };
        let mut items = self.read_events(id, &filter).await?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(EventPage { items, next })
    }

    /// Adds or replaces secrets of a conversation (values are taken as plaintext). A
    /// running agent sees them from its next command on.
    pub async fn update_conversation_secrets(
        &self,
        who: &Principal,
        id: Uuid,
        secrets: BTreeMap<String, SecretSource>,
    ) -> Result<(), CoreError> {
        let result = self.update_secrets_locked(who, id, secrets).await;
        self.conversations.settle(id, result)
    }

    async fn update_secrets_locked(
        &self,
        who: &Principal,
        id: Uuid,
        secrets: BTreeMap<String, SecretSource>,
    ) -> Result<(), CoreError> {
        let slot = self.conversations.slot(id);
        let _control = slot.control.lock().await;
        let names: Vec<String> = secrets.keys().cloned().collect();
        let audit = Some(self.conversation_audit(EventKind::ConversationSecretsUpdated, id, who));
        if let Some(live) = slot.live() {
            let mut state = live.state.lock().await;
            let mut next = state.clone();
            next.secrets.extend(secrets);
            self.save_secrets(&next, audit).await?;
            *state = next;
            live.forget_resolved(&names);
            return Ok(());
        }
        let mut conversation = self.load_conversation(id, true).await?;
        conversation.secrets.extend(secrets);
        self.save_secrets(&conversation, audit).await
    }

    async fn save_secrets(
        &self,
        c: &Conversation,
        audit: Option<crate::event::NewEvent>,
    ) -> Result<(), CoreError> {
        let update = ConversationUpdate {
            sealed: Some(self.seal_conversation_fields(c)),
            updated_at_ms: now_ms(),
            ..ConversationUpdate::default()
        };
        match self
            .store
            .update_conversation(c.id, update, Vec::new(), audit)
            .await?
        {
            Some((_, Some(event))) => {
                self.bus.publish(event);
                Ok(())
            }
            Some((_, None)) => Ok(()),
            None => Err(CoreError::NotFound(Missing::Conversation)),
        }
    }

    /// Deletes a conversation and its events; a run in progress is stopped first.
    pub async fn delete_conversation(&self, who: &Principal, id: Uuid) -> Result<(), CoreError> {
        let slot = self.conversations.slot(id);
        let _control = slot.control.lock().await;
        if let Some(live) = slot.live() {
            live.cancel();
            live.wait_done(Duration::from_secs(10)).await;
        }
        let audit = self.conversation_audit(EventKind::ConversationDeleted, id, who);
        let deleted = self.store.delete_conversation(id, audit).await?;
        drop(_control);
        self.conversations.forget(id);
        match deleted {
            Some(event) => {
                self.bus.publish(event);
                Ok(())
            }
            None => Err(CoreError::NotFound(Missing::Conversation)),
        }
    }

    /// The conversation as stored; `strict`: its sealed fields must open (else they read
    /// as empty, logged).
    pub(super) async fn load_conversation(
        &self,
        id: Uuid,
        strict: bool,
    ) -> Result<Conversation, CoreError> {
        let record = self
            .store
            .find_conversation(id)
            .await?
            .ok_or(CoreError::NotFound(Missing::Conversation))?;
        self.open_conversation(record, strict)
    }

    /// `NotFound` unless the conversation exists (nothing is opened).
    pub(super) async fn ensure_conversation(&self, id: Uuid) -> Result<(), CoreError> {
        match self.store.find_conversation(id).await? {
            Some(_) => Ok(()),
            None => Err(CoreError::NotFound(Missing::Conversation)),
        }
    }

    pub(super) async fn read_events(
        &self,
        id: Uuid,
        filter: &EventFilter,
    ) -> Result<Vec<ConversationEvent>, CoreError> {
        self.store
            .list_conversation_events(id, filter)
            .await?
            .into_iter()
            .map(|record| self.open_event(id, record))
            .collect()
    }

    pub(super) fn conversation_audit(
        &self,
        kind: EventKind,
        id: Uuid,
        who: &Principal,
    ) -> crate::event::NewEvent {
        crate::event::NewEvent {
            kind,
            scope: crate::domain::Scope::Global.to_string(),
            name: format!("conversation:{id}"),
            actor: who.actor(),
            at_ms: now_ms(),
        }
    }
}
