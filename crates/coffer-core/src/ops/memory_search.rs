//! How a memory query runs: by meaning when an embedder is configured and answers in
//! time (rows carry a similarity), else by words — full text for two characters or
//! more, a literal substring for one — and, on request, both merged by reciprocal rank
//! fusion (`hybrid`). An embedder that fails or times out never fails the query.

use std::collections::HashMap;
use std::time::Duration;

use super::Core;
use crate::domain::{MemoryHit, MemoryVector};
use crate::error::CoreError;
use crate::store::{MemoryFilter, MemorySearch};

/// How `q` is matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchMode {
    /// By meaning when an embedder is available, else by words (the original's rule).
    #[default]
    Semantic,
    /// By words only.
    FullText,
    /// Both rankings merged (reciprocal rank fusion); by words only without an embedder.
    Hybrid,
}

impl SearchMode {
    pub fn parse(s: &str) -> Option<SearchMode> {
        match s {
            "semantic" => Some(SearchMode::Semantic),
            "fulltext" => Some(SearchMode::FullText),
            "hybrid" => Some(SearchMode::Hybrid),
            _ => None,
        }
    }
}

/// The usual constant of reciprocal rank fusion: dampens the weight of top ranks.
const RRF_K: f64 = 60.0;

impl Core {
    /// One vector for `text` from the configured embedder, or `None` (see
    /// [`Core::embed_texts`]).
    pub(super) async fn embed_one(&self, text: &str, timeout: Duration) -> Option<MemoryVector> {
        let mut vectors = self.embed_texts(&[text.to_owned()], timeout).await?;
        Some(vectors.remove(0))
    }

    /// One vector per text from the configured embedder, each tagged with its id; `None`
    /// when there is no embedder, or it fails, times out or answers a wrong count or
    /// dimension (logged, never with the texts).
    pub(super) async fn embed_texts(
        &self,
        texts: &[String],
        timeout: Duration,
    ) -> Option<Vec<MemoryVector>> {
        let embedder = self.memory.options.embedder.as_ref()?;
        match tokio::time::timeout(timeout, embedder.embed(texts)).await {
            Ok(Ok(vectors))
                if vectors.len() == texts.len()
                    && vectors.iter().all(|v| v.len() == embedder.dims()) =>
            {
                Some(
                    vectors
                        .into_iter()
                        .map(|vector| MemoryVector {
                            embedder: embedder.id().to_owned(),
                            vector,
                        })
                        .collect(),
                )
            }
            Ok(Ok(_)) => {
                tracing::warn!(
                    embedder = embedder.id(),
                    "embedder returned a malformed answer"
                );
                None
            }
            Ok(Err(e)) => {
                tracing::warn!(embedder = embedder.id(), error = %e, "embedding failed");
                None
            }
            Err(_) => {
                tracing::warn!(embedder = embedder.id(), ?timeout, "embedding timed out");
                None
            }
        }
    }

    /// At most `limit` rows allowed by `filter` matching `q` (see the module docs).
    pub(super) async fn run_memory_search(
        &self,
        filter: &MemoryFilter,
        q: &str,
        mode: SearchMode,
        limit: usize,
    ) -> Result<Vec<MemoryHit>, CoreError> {
        if filter.clauses.is_empty() {
            return Ok(Vec::new());
        }
        if q.is_empty() {
            return Ok(self
                .store
                .search_agent_memories(filter, &MemorySearch::Recent, limit)
                .await?);
        }
        let by_words = if q.chars().count() == 1 {
            MemorySearch::Substring(q.to_owned())
        } else {
            MemorySearch::FullText(q.to_owned())
        };
        let vector = match mode {
            SearchMode::FullText => None,
            SearchMode::Semantic | SearchMode::Hybrid => {
                self.embed_one(q, self.memory.options.query_timeout).await
            }
        };
        let Some(vector) = vector else {
            return Ok(self
                .store
                .search_agent_memories(filter, &by_words, limit)
                .await?);
        };
        let by_meaning = MemorySearch::Vector(vector);
        if mode == SearchMode::Semantic {
            return Ok(self
                .store
                .search_agent_memories(filter, &by_meaning, limit)
                .await?);
        }
        let depth = (limit * 2).max(20);
        let (meaning, words) = tokio::try_join!(
            self.store.search_agent_memories(filter, &by_meaning, depth),
            self.store.search_agent_memories(filter, &by_words, depth),
        )?;
        Ok(fuse(meaning, words, limit))
    }
}

/// Reciprocal rank fusion: each row scores Σ 1/(k + rank) over the rankings it is in;
/// best first (newest first on ties). A row found by meaning keeps its similarity.
pub(super) fn fuse(meaning: Vec<MemoryHit>, words: Vec<MemoryHit>, limit: usize) -> Vec<MemoryHit> {
    let mut scored: HashMap<String, (f64, MemoryHit)> = HashMap::new();
    for ranking in [meaning, words] {
        for (rank, hit) in ranking.into_iter().enumerate() {
            let gain = 1.0 / (RRF_K + rank as f64 + 1.0);
            scored
                .entry(hit.memory.id.clone())
                .and_modify(|(score, kept)| {
                    *score += gain;
                    if kept.similarity.is_none() {
                        kept.similarity = hit.similarity;
                    }
                })
                .or_insert((gain, hit));
        }
    }
    let mut merged: Vec<(f64, MemoryHit)> = scored.into_values().collect();
    merged.sort_by(|(a, x), (b, y)| {
        b.total_cmp(a)
            .then(y.memory.created_at_ms.cmp(&x.memory.created_at_ms))
            .then(y.memory.id.cmp(&x.memory.id))
    });
    merged.into_iter().take(limit).map(|(_, hit)| hit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentMemory, MemoryScope, WorkspaceId};

    fn hit(id: &str, at: i64, similarity: Option<f32>) -> MemoryHit {
        MemoryHit {
            memory: AgentMemory {
                id: id.to_owned(),
                workspace_id: WorkspaceId::new_random(),
                scope: MemoryScope::Local,
                namespace: "general".to_owned(),
                content: id.to_owned(),
                created_at_ms: at,
            },
            similarity,
        }
    }

    #[test]
    fn fusion_rewards_rows_in_both_rankings() {
        let meaning = vec![hit("a", 1, Some(0.9)), hit("b", 2, Some(0.8))];
        let words = vec![hit("c", 3, None), hit("b", 2, None)];
        let ids: Vec<_> = fuse(meaning, words, 10)
            .into_iter()
            .map(|h| (h.memory.id, h.similarity))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("b".to_owned(), Some(0.8)),
                ("c".to_owned(), None),
                ("a".to_owned(), Some(0.9)),
            ]
        );
    }

    #[test]
    fn fusion_respects_the_limit() {
        let meaning = vec![hit("a", 1, Some(0.9)), hit("b", 2, Some(0.8))];
        assert_eq!(fuse(meaning, Vec::new(), 1).len(), 1);
    }

    #[test]
    fn modes_parse() {
        assert_eq!(SearchMode::parse("hybrid"), Some(SearchMode::Hybrid));
        assert_eq!(SearchMode::parse("HYBRID"), None);
    }
}
