//! The background indexer: embeds memories stored without a vector from the current
//! embedder — written before it was configured, while it failed or timed out, or under
//! another embedder (switching models re-embeds everything, oldest first). It wakes when
//! a write stored no vector, and every [`IDLE_PERIOD`] otherwise; after a failure it
//! waits [`RETRY_AFTER`]. Several instances on one PostgreSQL may run it: the work is
//! idempotent.

use std::sync::Arc;
use std::time::Duration;

use super::Core;

const BATCH: usize = 32;
const IDLE_PERIOD: Duration = Duration::from_secs(60);
const RETRY_AFTER: Duration = Duration::from_secs(15);

impl Core {
    /// Embeds up to one batch of memories lacking a vector; how many were stored, or
    /// `None` when the embedder failed (or there is none).
    pub async fn index_memories_once(&self) -> Option<usize> {
        let embedder = self.memory.options.embedder.as_ref()?;
        let todo = match self.store.memories_to_embed(embedder.id(), BATCH).await {
            Ok(todo) => todo,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list memories to embed");
                return None;
            }
        };
        if todo.is_empty() {
            return Some(0);
        }
        let texts: Vec<String> = todo.iter().map(|m| m.content.clone()).collect();
        let timeout = self.memory.options.write_timeout * 4;
        let vectors = self.embed_texts(&texts, timeout).await?;
        let mut stored = 0;
        for (memory, vector) in todo.iter().zip(vectors) {
            match self.store.set_memory_vector(&memory.id, &vector).await {
                Ok(true) => stored += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "cannot store a memory's vector");
                    return None;
                }
            }
        }
        Some(stored)
    }

    /// Runs the indexer in the background until the core is dropped (nothing happens
    /// without an embedder).
    pub fn spawn_memory_indexer(self: &Arc<Self>) {
        if self.memory.options.embedder.is_none() {
            return;
        }
        // Weak: the indexer must not keep the core (and its store) alive.
        let core = Arc::downgrade(self);
        let wake = Arc::clone(&self.memory.wake_indexer);
        tokio::spawn(async move {
            loop {
                let Some(strong) = core.upgrade() else { return };
                let outcome = strong.index_memories_once().await;
                drop(strong);
                match outcome {
                    Some(n) if n > 0 => {
                        tracing::debug!(memories = n, "embedded memories in the background");
                        continue;
                    }
                    Some(_) => {
                        let _ = tokio::time::timeout(IDLE_PERIOD, wake.notified()).await;
                    }
                    None => tokio::time::sleep(RETRY_AFTER).await,
                }
            }
        });
    }
}
