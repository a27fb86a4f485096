//! Starting, pausing and supervising runs.
//!
//! Each conversation touched has a [`Slot`]: an async `control` lock that serialises the
//! requests changing it (create, run, pause, message, secrets, delete), and its live run
//! when one is in progress. A [`LiveRun`] holds the authoritative in-memory state of a
//! running conversation; everything that changes it (the runner's steps through
//! `RunSession`, a pause, new secrets) takes its `state` lock and writes the store while
//! holding it, so no update is lost. Lock order: `control`, then `state`.
//!
//! A run belongs to the process that started it. When coffer starts, conversations
//! still marked `running` (their process stopped) become `paused` ([`Core::recover_conversations`]);
//! `run` resumes them, and a tool call that was cut short is reported to the agent as
//! interrupted. On shutdown, [`Core::stop_conversations`] stops runs the same way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;

use super::Core;
use super::conversations::AgentRunner;
use super::conversations_secrets::Resolved;
use super::conversations_session::{RunOutcome, RunSession, Stop};
use crate::domain::conversation::{
    Conversation, ConversationEvent, EventBody, EventSource, ExecutionStatus, NewConversationEvent,
    Role, RunStart, llm_config,
};
use crate::error::{CoreError, Missing};
use crate::event::now_ms;

#[derive(Default)]
pub(crate) struct Slot {
    pub(super) control: tokio::sync::Mutex<()>,
    live: Mutex<Option<Arc<LiveRun>>>,
}

impl Slot {
    pub(super) fn live(&self) -> Option<Arc<LiveRun>> {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_live(&self, live: Option<Arc<LiveRun>>) {
        *self.live.lock().unwrap_or_else(PoisonError::into_inner) = live;
    }

    /// Clears the live run if it is still `run`.
    fn clear_live(&self, run: &Arc<LiveRun>) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if live.as_ref().is_some_and(|l| Arc::ptr_eq(l, run)) {
            *live = None;
        }
    }
}

/// A run in progress.
pub(crate) struct LiveRun {
    pub(super) id: Uuid,
    pub(super) state: tokio::sync::Mutex<Conversation>,
    pub(super) pause: AtomicBool,
    pub(super) stuck: AtomicBool,
    pub(super) ended: AtomicBool,
    pub(super) resolved: Mutex<Resolved>,
    /// Signatures of the latest tool steps (stuck detection).
    pub(super) recent_steps: Mutex<Vec<String>>,
    /// User messages sent while the run was in progress, not yet seen by the runner.
    pub(super) new_messages: Mutex<Vec<ConversationEvent>>,
    cancel: watch::Sender<bool>,
    done: watch::Sender<bool>,
}

impl LiveRun {
    fn new(conversation: Conversation) -> LiveRun {
        LiveRun {
            id: conversation.id,
            state: tokio::sync::Mutex::new(conversation),
            pause: AtomicBool::new(false),
            stuck: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            resolved: Mutex::default(),
            recent_steps: Mutex::default(),
            new_messages: Mutex::default(),
            cancel: watch::channel(false).0,
            done: watch::channel(false).0,
        }
    }

    pub(super) fn cancel(&self) {
        self.cancel.send_replace(true);
    }

    pub(super) fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    pub(super) async fn cancelled(&self) {
        let mut rx = self.cancel.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    /// Waits until the run task has ended, at most `limit`.
    pub(super) async fn wait_done(&self, limit: Duration) {
        let mut rx = self.done.subscribe();
        let _ = tokio::time::timeout(limit, rx.wait_for(|d| *d)).await;
    }
}

impl Core {
    /// Starts running the conversation in the background (`POST …/run`).
    pub async fn run_conversation(self: &Arc<Self>, id: Uuid) -> Result<(), CoreError> {
        let result = async {
            let slot = self.conversations.slot(id);
            let _control = slot.control.lock().await;
            self.start_run_locked(&slot, id).await
        }
        .await;
        self.conversations.settle(id, result)
    }

    /// Asks a run to stop after its current step; an idle conversation is marked paused
    /// (anything else is left as it is). Unknown ids are [`Missing::Conversation`].
    pub async fn pause_conversation(&self, id: Uuid) -> Result<(), CoreError> {
        let result = self.pause_locked(id).await;
        self.conversations.settle(id, result)
    }

    async fn pause_locked(&self, id: Uuid) -> Result<(), CoreError> {
        let slot = self.conversations.slot(id);
        let _control = slot.control.lock().await;
        if let Some(live) = slot.live() {
            let mut state = live.state.lock().await;
            if state.status.pauses() {
                live.pause.store(true, Ordering::SeqCst);
                let mut next = state.clone();
                next.status = ExecutionStatus::Paused;
                let pause = NewConversationEvent {
                    source: EventSource::User,
                    body: EventBody::Pause,
                };
                self.write_step(&mut next, vec![pause], true).await?;
                *state = next;
            }
            return Ok(());
        }
        let mut conversation = self.load_conversation(id, false).await?;
        if conversation.status.pauses() {
            conversation.status = ExecutionStatus::Paused;
            let pause = NewConversationEvent {
                source: EventSource::User,
                body: EventBody::Pause,
            };
            self.write_step(&mut conversation, vec![pause], true)
                .await?;
        }
        Ok(())
    }

    /// Appends a user message; `run` starts a run unless one is in progress (a running
    /// agent reads the message at its next step).
    pub async fn send_conversation_message(
        self: &Arc<Self>,
        id: Uuid,
        text: String,
        run: bool,
    ) -> Result<(), CoreError> {
        let result = self.send_message_locked(id, text, run).await;
        self.conversations.settle(id, result)
    }

    async fn send_message_locked(
        self: &Arc<Self>,
        id: Uuid,
        text: String,
        run: bool,
    ) -> Result<(), CoreError> {
        let slot = self.conversations.slot(id);
        let _control = slot.control.lock().await;
        let message = NewConversationEvent {
            source: EventSource::User,
            body: EventBody::Message {
                role: Role::User,
                text,
            },
        };
        if let Some(live) = slot.live() {
            let mut state = live.state.lock().await;
            let mut next = state.clone();
            let recorded = self.write_step(&mut next, vec![message], false).await?;
            *state = next;
            live.new_messages
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(recorded);
            return Ok(());
        }
        let mut conversation = self.load_conversation(id, true).await?;
        conversation.status = conversation.status.after_new_message();
        self.write_step(&mut conversation, vec![message], true)
            .await?;
        if run {
            self.start_run_locked(&slot, id).await?;
        }
        Ok(())
    }

    /// Start-up: conversations left `running` by a previous process become `paused`.
    pub async fn recover_conversations(&self) -> Result<usize, CoreError> {
        let from = ExecutionStatus::Running;
        let to = from.after_restart();
        let moved = self
            .store
            .move_conversations_status(from.as_str(), to.as_str(), now_ms())
            .await?;
        if !moved.is_empty() {
            tracing::info!(
                count = moved.len(),
                "conversations cut short by a restart are now paused"
            );
        }
        Ok(moved.len())
    }

    /// Shutdown: stops every run of this process (they end `paused`), waiting a little
    /// for each to record that.
    pub async fn stop_conversations(&self) {
        let lives: Vec<_> = {
            let slots = self
                .conversations
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            slots.values().filter_map(|slot| slot.live()).collect()
        };
        lives.iter().for_each(|live| live.cancel());
        for live in lives {
            live.wait_done(Duration::from_secs(5)).await;
        }
    }

    /// Starts a run; the caller holds the slot's control lock.
    pub(super) async fn start_run_locked(
        self: &Arc<Self>,
        slot: &Arc<Slot>,
        id: Uuid,
    ) -> Result<(), CoreError> {
        if slot.live().is_some() {
            return Err(CoreError::ConversationRunning);
        }
        let mut conversation = self.load_conversation(id, true).await?;
        match conversation.status.run_start() {
            RunStart::AlreadyRunning => return Err(CoreError::ConversationRunning),
            RunStart::NothingToDo => return Ok(()),
            RunStart::Start => {}
        }
        let Some(ports) = self.conversations.ports.as_ref() else {
            return Err(CoreError::AgentUnavailable);
        };
        let llm = llm_config(&conversation.agent.doc, &conversation.agent.secrets)
            .map_err(|e| CoreError::InvalidConversation(e.0))?;
        conversation.status = ExecutionStatus::Running;
        conversation.stats.register(&llm.usage_id, &llm.model);
        self.write_step(&mut conversation, Vec::new(), true).await?;
        let live = Arc::new(LiveRun::new(conversation));
        slot.set_live(Some(live.clone()));
        let runner = ports.runner.clone();
        tokio::spawn(supervise(self.clone(), slot.clone(), live, runner));
        Ok(())
    }

    /// Records `events` on `next` (which the caller then keeps as the state) and writes
    /// the row: its state, and its status when `with_status`. Returns the events.
    pub(super) async fn write_step(
        &self,
        next: &mut Conversation,
        events: Vec<NewConversationEvent>,
        with_status: bool,
    ) -> Result<Vec<ConversationEvent>, CoreError> {
        let now = now_ms();
        let events: Vec<ConversationEvent> = events
            .into_iter()
            .map(|e| ConversationEvent {
                id: Uuid::new_v4(),
                seq: 0,
                at_ms: now,
                source: e.source,
                body: e.body,
            })
            .collect();
        events.iter().for_each(|e| next.note_event(e));
        next.updated_at_ms = now;
        let writes = events.iter().map(|e| self.seal_event(next.id, e)).collect();
        let update = crate::store::ConversationUpdate {
            status: with_status.then(|| next.status.as_str().to_owned()),
            state: Some(super::conversations_seal::conversation_state(next)),
            sealed: None,
            updated_at_ms: now,
        };
        let (seqs, _) = self
            .store
            .update_conversation(next.id, update, writes, None)
            .await?
            .ok_or(CoreError::NotFound(Missing::Conversation))?;
        Ok(events
            .into_iter()
            .zip(seqs)
            .map(|(e, seq)| ConversationEvent { seq, ..e })
            .collect())
    }
}

/// Runs the runner on its own task and makes sure the run ends with a status, even when
/// the runner panics or returns without saying how it ended.
async fn supervise(
    core: Arc<Core>,
    slot: Arc<Slot>,
    live: Arc<LiveRun>,
    runner: Arc<dyn AgentRunner>,
) {
    let session = RunSession::new(core, live.clone());
    let task = tokio::spawn({
        let session = session.clone();
        async move { runner.run(session).await }
    });
    let fallback = match task.await {
        Ok(()) => RunOutcome::Failed {
            code: "RunEnded".into(),
            detail: "The agent run ended without a result.".into(),
        },
        Err(e) if e.is_panic() => {
            tracing::error!(conversation.id = %live.id, "the agent run panicked");
            RunOutcome::Failed {
                code: "InternalError".into(),
                detail: "The agent run failed unexpectedly.".into(),
            }
        }
        Err(_) => RunOutcome::Stopped(Stop::Cancelled),
    };
    session.end(fallback).await;
    slot.clear_live(&live);
    live.done.send_replace(true);
}
