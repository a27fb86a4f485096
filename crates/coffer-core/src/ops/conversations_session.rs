//! [`RunSession`]: everything an agent runner may do with the conversation it runs. The
//! runner does the I/O (LLM calls, tools); the session applies the rules:
//! - what it records is masked first (every resolved secret value becomes
//!   `<secret-hidden>`), so the model, the event log and every response see the same
//!   masked text;
//! - which secrets a command gets ([`RunSession::command_env`]);
//! - when a run must stop ([`RunSession::checkpoint`]: cancelled, paused, stuck,
//!   `max_iterations`), and the status it ends with ([`RunSession::end`]).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use coffer_crypto::SecretString;
use uuid::Uuid;

use super::Core;
use super::conversations_run::LiveRun;
use crate::domain::conversation::{
    ConversationEvent, EventBody, EventSource, ExecutionStatus, LlmCall, LlmConfig,
    NewConversationEvent, is_stuck, llm_config, tool_names,
};
use crate::error::CoreError;
use crate::store::EventFilter;

/// What a runner needs to start: the LLM, the tools, where to work, how long.
#[derive(Debug)]
pub struct RunSpec {
    pub conversation_id: Uuid,
    pub llm: LlmConfig,
    /// Enabled tools besides the built-in `finish` and `think`.
    pub tools: Vec<String>,
    pub working_dir: PathBuf,
    pub max_iterations: u32,
}

/// Why a run must stop before the agent finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A pause was requested (the status is already `paused`).
    Paused,
    /// The conversation is being deleted, or coffer is shutting down.
    Cancelled,
    /// The conversation no longer exists.
    Deleted,
    /// The agent took `max_iterations` steps without finishing.
    MaxIterations(u32),
    /// The agent repeats the same step without progress.
    Stuck,
    /// Recording failed (storage); the text is for the log.
    Failed(String),
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum RunOutcome {
    /// The agent called `finish` or answered without a tool.
    Finished,
    /// The run cannot go on (e.g. the LLM refused the key); `code` and `detail` are
    /// recorded as a conversation error (masked).
    Failed {
        code: String,
        detail: String,
    },
    Stopped(Stop),
}

/// A runner's handle on one conversation's run. Cheap to clone.
#[derive(Clone)]
pub struct RunSession {
    pub(super) core: Arc<Core>,
    pub(super) live: Arc<LiveRun>,
}

impl RunSession {
    pub(super) fn new(core: Arc<Core>, live: Arc<LiveRun>) -> RunSession {
        RunSession { core, live }
    }

    pub fn conversation_id(&self) -> Uuid {
        self.live.id
    }

    /// The LLM (with its key), tools, working directory and step limit.
    pub async fn spec(&self) -> Result<RunSpec, CoreError> {
        let state = self.live.state.lock().await;
        let llm = llm_config(&state.agent.doc, &state.agent.secrets)
            .map_err(|e| CoreError::InvalidConversation(e.0))?;
        Ok(RunSpec {
            conversation_id: state.id,
            llm,
            tools: tool_names(&state.agent.doc),
            working_dir: PathBuf::from(&state.working_dir),
            max_iterations: state.max_iterations,
        })
    }

    /// Every event so far, oldest first. A tool call left without a result (the run was
    /// stopped or coffer restarted mid-call) gets an error result recorded now, so the
    /// agent learns it was interrupted.
    pub async fn history(&self) -> Result<Vec<ConversationEvent>, CoreError> {
        let mut events = Vec::new();
        let mut after = None;
        loop {
            let filter = EventFilter {
                after_seq: after,
                limit: 500,
                newest_first: false,
                kind: None,
                source: None,
            };
            let page = self.core.read_events(self.live.id, &filter).await?;
            let full = page.len() == 500;
            after = page.last().map(|e| e.seq);
            events.extend(page);
            if !full {
                break;
            }
        }
        // Messages sent while reading are either in the history already or still queued.
        let last_seq = events.last().map_or(0, |e| e.seq);
        self.live
            .new_messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|m| m.seq > last_seq);
        let repairs = interrupted_calls(&events);
        if !repairs.is_empty() {
            let recorded = self.record(repairs, None).await.map_err(|stop| {
                CoreError::Internal(anyhow::anyhow!("recording repairs: {stop:?}"))
            })?;
            events.extend(recorded);
        }
        Ok(events)
    }

    /// User messages that arrived while running, in order (each is returned once).
    pub fn take_new_messages(&self) -> Vec<ConversationEvent> {
        std::mem::take(
            &mut *self
                .live
                .new_messages
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Masks, records and returns `events` (with `call`'s usage and cost added to the
    /// stats). The returned texts are what the model may see.
    pub async fn record(
        &self,
        mut events: Vec<NewConversationEvent>,
        call: Option<LlmCall>,
    ) -> Result<Vec<ConversationEvent>, Stop> {
        let values = self.masking_values().await;
        let values: Vec<&str> = values.iter().map(|v| v.as_str()).collect();
        for event in &mut events {
            event
                .body
                .map_text(&|text| crate::domain::conversation::mask(text, values.iter().copied()));
        }
        let mut state = self.live.state.lock().await;
        let mut next = state.clone();
        if let Some(call) = &call {
            next.stats.record(call);
        }
        let recorded = match self.core.write_step(&mut next, events, false).await {
            Ok(recorded) => recorded,
            Err(CoreError::NotFound(_)) => return Err(Stop::Deleted),
            Err(e) => {
                tracing::error!(conversation.id = %self.live.id, error = %e, "recording a step failed");
                return Err(Stop::Failed(e.to_string()));
            }
        };
        *state = next;
        drop(state);
        self.note_steps(&recorded);
        Ok(recorded)
    }

    /// The secrets a command mentions (by name, case-insensitively), resolved now, as
    /// environment variables for that command only. A lookup that fails is logged
    /// (never with a value) and left out; empty values are left out.
    pub async fn command_env(&self, command: &str) -> Vec<(String, SecretString)> {
        self.resolve_mentioned(command).await
    }

    /// `Err` when the run must stop before its next step (`steps_done` steps taken).
    pub fn checkpoint(&self, steps_done: u32, max_iterations: u32) -> Result<(), Stop> {
        if self.live.is_cancelled() {
            Err(Stop::Cancelled)
        } else if self.live.pause.load(Ordering::SeqCst) {
            Err(Stop::Paused)
        } else if self.live.stuck.load(Ordering::SeqCst) {
            Err(Stop::Stuck)
        } else if steps_done >= max_iterations {
            Err(Stop::MaxIterations(max_iterations))
        } else {
            Ok(())
        }
    }

    /// Completes when the run must stop at once (delete, shutdown): abandon the LLM call
    /// or tool in flight.
    pub async fn cancelled(&self) {
        self.live.cancelled().await
    }

    /// Ends the run with the status `outcome` calls for (only the first call counts).
    pub async fn end(&self, outcome: RunOutcome) {
        if self.live.ended.swap(true, Ordering::SeqCst) {
            return;
        }
        let error = |code: &str, detail: String| {
            vec![NewConversationEvent {
                source: EventSource::Environment,
                body: EventBody::ConversationError {
                    code: code.to_owned(),
                    detail,
                },
            }]
        };
        let (status, events) = match outcome {
            RunOutcome::Finished => (ExecutionStatus::Finished, Vec::new()),
            RunOutcome::Failed { code, detail } => (ExecutionStatus::Error, error(&code, detail)),
            RunOutcome::Stopped(Stop::Deleted) => return,
            RunOutcome::Stopped(Stop::Paused | Stop::Cancelled) => {
                (ExecutionStatus::Paused, Vec::new())
            }
            RunOutcome::Stopped(Stop::MaxIterations(n)) => (
                ExecutionStatus::Error,
                error(
                    "MaxIterationsReached",
                    format!("Agent reached maximum iterations limit ({n})."),
                ),
            ),
            RunOutcome::Stopped(Stop::Stuck) => (
                ExecutionStatus::Stuck,
                error(
                    "StuckDetected",
                    "The agent repeated the same action with the same result without progress."
                        .into(),
                ),
            ),
            RunOutcome::Stopped(Stop::Failed(_)) => (
                ExecutionStatus::Error,
                error(
                    "InternalError",
                    "The run could not record its progress.".into(),
                ),
            ),
        };
        let values = self.masking_values().await;
        let values: Vec<&str> = values.iter().map(|v| v.as_str()).collect();
        let mut events = events;
        for event in &mut events {
            event
                .body
                .map_text(&|text| crate::domain::conversation::mask(text, values.iter().copied()));
        }
        let mut state = self.live.state.lock().await;
        let mut next = state.clone();
        next.status = status;
        match self.core.write_step(&mut next, events, true).await {
            Ok(_) => *state = next,
            Err(e) => {
                tracing::error!(conversation.id = %self.live.id, error = %e, status = %status, "could not record how a run ended")
            }
        }
    }

    /// Tracks the latest tool steps; repeating the same call with the same result
    /// marks the run stuck.
    fn note_steps(&self, recorded: &[ConversationEvent]) {
        let mut recent = self
            .live
            .recent_steps
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for event in recorded {
            match &event.body {
                EventBody::Action {
                    tool_name,
                    arguments,
                    ..
                } => recent.push(format!("{tool_name}\u{0}{arguments}")),
                EventBody::Observation { text, .. } => {
                    if let Some(last) = recent.last_mut() {
                        last.push('\u{0}');
                        last.push_str(text);
                    }
                }
                EventBody::AgentError { error, .. } => {
                    if let Some(last) = recent.last_mut() {
                        last.push('\u{1}');
                        last.push_str(error);
                    }
                }
                EventBody::Message { .. } => recent.clear(),
                _ => {}
            }
        }
        let keep = recent.len().saturating_sub(16);
        recent.drain(..keep);
        if is_stuck(&recent) {
            self.live.stuck.store(true, Ordering::SeqCst);
        }
    }
}

/// Error results for tool calls that never got one (finish calls need none).
fn interrupted_calls(events: &[ConversationEvent]) -> Vec<NewConversationEvent> {
    let answered: std::collections::HashSet<&str> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Observation { tool_call_id, .. }
            | EventBody::AgentError { tool_call_id, .. } => Some(tool_call_id.as_str()),
            _ => None,
        })
        .collect();
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Action {
                tool_name,
                tool_call_id,
                ..
            } if tool_name != crate::domain::conversation::FINISH_TOOL
                && !answered.contains(tool_call_id.as_str()) =>
            {
                Some(NewConversationEvent {
                    source: EventSource::Agent,
                    body: EventBody::AgentError {
                        tool_name: tool_name.clone(),
                        tool_call_id: tool_call_id.clone(),
                        error: "The tool call was interrupted before it finished (the run was stopped or coffer restarted).".into(),
                    },
                })
            }
            _ => None,
        })
        .collect()
}
