//! How agent memories are embedded: the configured [`Embedder`] (none: full-text search
//! only), how long a write or a query waits for it, and the wake-up of the background
//! indexer that embeds rows written without a vector.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::embedder::Embedder;

#[derive(Clone)]
pub struct MemoryOptions {
    pub embedder: Option<Arc<dyn Embedder>>,
    /// A write waits this long for its vector, then stores the memory without one (the
    /// indexer embeds it later).
    pub write_timeout: Duration,
    /// A query waits this long for its vector, then falls back to full-text search.
    pub query_timeout: Duration,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            embedder: None,
            write_timeout: Duration::from_secs(5),
            query_timeout: Duration::from_secs(2),
        }
    }
}

impl std::fmt::Debug for MemoryOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryOptions")
            .field(
                "embedder",
                &self.embedder.as_ref().map(|e| e.id().to_owned()),
            )
            .field("write_timeout", &self.write_timeout)
            .field("query_timeout", &self.query_timeout)
            .finish()
    }
}

/// The memory side of the core: options plus the indexer's wake-up.
#[derive(Default)]
pub(super) struct MemoryRuntime {
    pub options: MemoryOptions,
    pub wake_indexer: Arc<Notify>,
}
