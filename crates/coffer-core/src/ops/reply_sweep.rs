//! Agent replies whose task never finished — the process stopped or crashed while a
//! reply streamed — would otherwise stay placeholders forever. A reply task always
//! finalizes within `ChatOptions::reply_timeout`, so a placeholder older than that (plus a
//! margin) has no task left on any instance: the sweep finalizes it with a note and
//! announces `MessageComplete`. Finalizing is compare-and-set (only while still open), so
//! a late task and the sweep never both write.

use std::sync::Arc;
use std::time::Duration;

use super::Core;
use super::chats::chat_event;
use crate::error::CoreError;
use crate::event::{ChatEventBody, EventKind, now_ms};
use crate::principal::Principal;

/// Added to the reply timeout before a placeholder counts as abandoned.
const MARGIN: Duration = Duration::from_secs(60);
/// How often the background sweep runs.
const EVERY: Duration = Duration::from_secs(60);
const BATCH: i64 = 100;

impl Core {
    /// Finalizes every abandoned reply placeholder; returns how many.
    pub async fn finalize_interrupted_replies(&self) -> Result<usize, CoreError> {
        let age = i64::try_from((self.chat.reply_timeout + MARGIN).as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_ms().saturating_sub(age);
        let mut done = 0;
        loop {
            let open = self.store.list_open_messages(cutoff, BATCH).await?;
            let last_batch = open.len() < BATCH as usize;
            for message in open {
                let who = Principal::System;
                let name = message.id.to_string();
                let event = chat_event(EventKind::MessageFinalized, message.chat_id, &name, &who);
                let text = format!(
                    "⚠ {} could not answer: the reply was interrupted (coffer stopped while it was streaming).",
                    message.sender.display_name
                );
                let Some((message, event)) = self
                    .store
                    .finalize_message(message.id, text, now_ms(), event)
                    .await?
                else {
                    continue; // finalized meanwhile
                };
                self.bus.publish(event);
                if let Ok(chat) = self.chat_by_id(message.chat_id).await {
                    self.publish_chat(&chat, ChatEventBody::MessageComplete(Arc::new(message)));
                }
                done += 1;
            }
            if last_batch {
                return Ok(done);
            }
        }
    }

    /// Runs [`Core::finalize_interrupted_replies`] now and every minute, in the
    /// background, for as long as the process lives.
    pub fn spawn_reply_sweep(self: &Arc<Self>) {
        let core = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            loop {
                tick.tick().await;
                match core.finalize_interrupted_replies().await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(replies = n, "finalized interrupted agent replies"),
                    Err(e) => tracing::warn!(error = %e, "cannot sweep interrupted agent replies"),
                }
            }
        });
    }
}
