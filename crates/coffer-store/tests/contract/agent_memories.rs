//! Contract cases for agent memories (migration 0006, the `MemoryStore` port): insert
//! with its event, the filter (scope clauses, author sets, namespace, union), and the four
//! searches with the ordering rules of the port — newest first for `Recent` and
//! `Substring` (literal and case-insensitive), `plainto_tsquery` semantics for `FullText`
//! (stemming, AND, stop words, any user text is safe), cosine order and similarity for
//! `Vector` (same embedder and length only); delete by author, the embedding backlog,
//! vector updates, limits and the purge of a workspace.
//!
//! Only what the port promises is asserted: no backend's scores, and full-text ordering
//! only where any sane ranking agrees.

use coffer_core::domain::{AgentMemory, MemoryHit, MemoryScope, MemoryVector, WorkspaceId};
use coffer_core::embedder::normalize;
use coffer_core::event::EventKind;
use coffer_core::store::{MemoryClause, MemoryFilter, MemorySearch, Store};

use crate::fixtures::{ev, new_workspace};

fn mem(
    author: WorkspaceId,
    scope: MemoryScope,
    namespace: &str,
    content: &str,
    at: i64,
) -> AgentMemory {
    AgentMemory {
        id: uuid::Uuid::new_v4().to_string(),
        workspace_id: author,
        scope,
        namespace: namespace.to_owned(),
        content: content.to_owned(),
        created_at_ms: at,
    }
}

fn vector(embedder: &str, v: &[f32]) -> MemoryVector {
    MemoryVector {
        embedder: embedder.to_owned(),
        vector: normalize(v.to_vec()),
    }
}

/// Inserts a LOCAL `general` memory of `author` at `at` and returns its id.
async fn add(
    store: &dyn Store,
    author: WorkspaceId,
    content: &str,
    at: i64,
    v: Option<MemoryVector>,
) -> String {
    let m = mem(author, MemoryScope::Local, "general", content, at);
    store
        .insert_agent_memory(
            &m,
            v.as_ref(),
            ev(EventKind::AgentMemoryCreated, author, &m.id),
        )
        .await
        .unwrap();
    m.id
}

/// Every row.
fn anyone() -> MemoryFilter {
    MemoryFilter {
        clauses: vec![MemoryClause {
            scope: None,
            authors: None,
        }],
        namespace: None,
    }
}

fn clause(scope: Option<MemoryScope>, authors: Option<Vec<WorkspaceId>>) -> MemoryClause {
    MemoryClause { scope, authors }
}

fn ids(hits: &[MemoryHit]) -> Vec<String> {
    hits.iter().map(|h| h.memory.id.clone()).collect()
}

async fn search(store: &dyn Store, filter: &MemoryFilter, s: MemorySearch) -> Vec<MemoryHit> {
    store.search_agent_memories(filter, &s, 50).await.unwrap()
}

async fn full_text(store: &dyn Store, q: &str) -> Vec<String> {
    ids(&search(store, &anyone(), MemorySearch::FullText(q.to_owned())).await)
}

async fn substring(store: &dyn Store, s: &str) -> Vec<String> {
    ids(&search(store, &anyone(), MemorySearch::Substring(s.to_owned())).await)
}

pub async fn insert_appends_its_event_and_recent_is_newest_first(store: &dyn Store) {
    let w = new_workspace(store).await;
    let m = mem(w, MemoryScope::Team, "facts", "the sky is blue", 5_000);
    let event = store
        .insert_agent_memory(&m, None, ev(EventKind::AgentMemoryCreated, w, &m.id))
        .await
        .unwrap();
    assert_eq!(event.kind, EventKind::AgentMemoryCreated);
    assert_eq!(event.name, m.id);
    let events = store.list_events(0, 1_000).await.unwrap();
    assert_eq!(events.last(), Some(&event));

    let older = add(store, w, "older", 4_000, None).await;
    let newest = add(store, w, "newest", 6_000, None).await;
    let hits = search(store, &anyone(), MemorySearch::Recent).await;
    assert_eq!(ids(&hits), [newest, m.id.clone(), older]);
    assert_eq!(hits[1].memory, m, "stored as given");
    assert!(hits.iter().all(|h| h.similarity.is_none()));

    // Same time: the greater id first.
    let a = mem(w, MemoryScope::Local, "general", "tie a", 9_000);
    let b = mem(w, MemoryScope::Local, "general", "tie b", 9_000);
    for m in [&a, &b] {
        store
            .insert_agent_memory(m, None, ev(EventKind::AgentMemoryCreated, w, &m.id))
            .await
            .unwrap();
    }
    let hits = store
        .search_agent_memories(&anyone(), &MemorySearch::Recent, 2)
        .await
        .unwrap();
    let mut tied = vec![a.id, b.id];
    tied.sort();
    tied.reverse();
    assert_eq!(ids(&hits), tied);
}

pub async fn filters_select_scope_authors_namespace_and_their_union(store: &dyn Store) {
    let (a, b, c) = (
        new_workspace(store).await,
        new_workspace(store).await,
        new_workspace(store).await,
    );
    let rows = [
        mem(a, MemoryScope::Local, "general", "a local", 1),
        mem(a, MemoryScope::Team, "general", "a team", 2),
        mem(b, MemoryScope::Team, "general", "b team", 3),
        mem(b, MemoryScope::Global, "general", "b global", 4),
        mem(c, MemoryScope::Global, "other", "c global", 5),
    ];
    for m in &rows {
        store
            .insert_agent_memory(
                m,
                None,
                ev(EventKind::AgentMemoryCreated, m.workspace_id, &m.id),
            )
            .await
            .unwrap();
    }
    let id = |i: usize| rows[i].id.clone();
    let run = |clauses: Vec<MemoryClause>, namespace: Option<&str>| {
        let filter = MemoryFilter {
            clauses,
            namespace: namespace.map(str::to_owned),
        };
        async move { ids(&search(store, &filter, MemorySearch::Recent).await) }
    };
    use MemoryScope::{Global, Local, Team};
    assert_eq!(
        run(vec![clause(Some(Local), Some(vec![a]))], None).await,
        [id(0)]
    );
    assert_eq!(
        run(vec![clause(Some(Team), Some(vec![a, b]))], None).await,
        [id(2), id(1)]
    );
    assert_eq!(
        run(vec![clause(Some(Team), Some(vec![c]))], None).await,
        Vec::<String>::new()
    );
    assert_eq!(
        run(vec![clause(Some(Global), None)], None).await,
        [id(4), id(3)]
    );
    assert_eq!(
        run(vec![clause(None, Some(vec![b]))], None).await,
        [id(3), id(2)]
    );
    assert!(run(vec![clause(None, Some(vec![]))], None).await.is_empty());
    assert!(
        run(vec![clause(Some(Local), Some(vec![]))], None)
            .await
            .is_empty()
    );
    assert_eq!(run(vec![clause(None, None)], None).await.len(), 5);
    // Union of clauses (an empty author set adds nothing).
    assert_eq!(
        run(
            vec![
                clause(Some(Local), Some(vec![a])),
                clause(Some(Global), None),
                clause(Some(Team), Some(vec![])),
            ],
            None
        )
        .await,
        [id(4), id(3), id(0)]
    );
    // The namespace narrows every clause.
    assert_eq!(run(vec![clause(None, None)], Some("other")).await, [id(4)]);
    assert_eq!(
        run(
            vec![
                clause(Some(Local), Some(vec![a])),
                clause(Some(Global), None)
            ],
            Some("general")
        )
        .await,
        [id(3), id(0)]
    );
    assert!(run(vec![clause(None, None)], Some("nope")).await.is_empty());
    // No clause: nothing, whatever the search.
    let none = MemoryFilter {
        clauses: vec![],
        namespace: None,
    };
    for s in [
        MemorySearch::Recent,
        MemorySearch::Substring("a".into()),
        MemorySearch::FullText("global".into()),
        MemorySearch::Vector(vector("e", &[1.0, 0.0])),
    ] {
        assert!(search(store, &none, s).await.is_empty());
    }
    // The full-text and vector searches apply the filter too.
    let filter = MemoryFilter {
        clauses: vec![clause(Some(Global), Some(vec![c]))],
        namespace: None,
    };
    assert_eq!(
        ids(&search(store, &filter, MemorySearch::FullText("global".into())).await),
        [id(4)]
    );
}

pub async fn substring_is_literal_and_case_insensitive(store: &dyn Store) {
    let w = new_workspace(store).await;
    let pct = add(store, w, "we are 100% sure", 1, None).await;
    add(store, w, "100 percent, 1000 times", 2, None).await;
    let under = add(store, w, "snake_case name", 3, None).await;
    add(store, w, "snakeXcase name", 4, None).await;
    let slash = add(store, w, r"C:\temp\dir", 5, None).await;
    add(store, w, "C:/temp/dir", 6, None).await;
    let hello = add(store, w, "Hello World", 7, None).await;
    assert_eq!(substring(store, "%").await, std::slice::from_ref(&pct));
    assert_eq!(substring(store, "0% s").await, [pct]);
    assert_eq!(substring(store, "_").await, std::slice::from_ref(&under));
    assert_eq!(substring(store, "e_c").await, [under]);
    assert_eq!(substring(store, "\\").await, std::slice::from_ref(&slash));
    assert_eq!(substring(store, r":\temp\").await, [slash]);
    assert_eq!(
        substring(store, "hello WORLD").await,
        std::slice::from_ref(&hello)
    );
    assert_eq!(substring(store, "lo wo").await, [hello]);
    assert!(substring(store, "absent").await.is_empty());
    // Newest first.
    let names = substring(store, "case name").await;
    assert_eq!(names.len(), 2);
    let all = ids(&search(store, &anyone(), MemorySearch::Recent).await);
    assert_eq!(names, [all[3].clone(), all[4].clone()]);
}

pub async fn full_text_stems_ands_terms_and_drops_stop_words(store: &dyn Store) {
    let w = new_workspace(store).await;
    let k8s = add(store, w, "We deploy to Kubernetes", 1, None).await;
    // (No other form of "deploy" here: English stemmers disagree on "deployments".)
    let nomad = add(store, w, "Jobs run on Nomad", 2, None).await;
    let cats = add(store, w, "Cats sleep all day", 3, None).await;
    // Stemming, both ways.
    assert_eq!(
        full_text(store, "deploying").await,
        std::slice::from_ref(&k8s)
    );
    assert_eq!(
        full_text(store, "running").await,
        std::slice::from_ref(&nomad)
    );
    assert_eq!(full_text(store, "CAT").await, [cats]);
    assert_eq!(
        full_text(store, "kubernetes").await,
        std::slice::from_ref(&k8s)
    );
    // Every term must match.
    assert_eq!(
        full_text(store, "deploy kubernetes").await,
        std::slice::from_ref(&k8s)
    );
    assert!(full_text(store, "deploy nomad kubernetes").await.is_empty());
    // Stop words are ignored; a query of stop words only matches nothing.
    assert_eq!(full_text(store, "the Kubernetes of ours").await, [k8s]);
    assert!(full_text(store, "the and of to").await.is_empty());
    assert!(full_text(store, "").await.is_empty());
    assert!(full_text(store, "  ,;!? ").await.is_empty());
    assert!(full_text(store, "absent").await.is_empty());
    assert!(full_text(store, "nomad").await.contains(&nomad));
    assert!(
        search(store, &anyone(), MemorySearch::FullText("cats".into()))
            .await
            .iter()
            .all(|h| h.similarity.is_none())
    );
}

pub async fn full_text_survives_any_user_text(store: &dyn Store) {
    let w = new_workspace(store).await;
    let quote = add(store, w, r#"he said "hello" to col:val"#, 1, None).await;
    for q in [
        "\"",
        "\"\"\"",
        "*",
        "hel*",
        "NEAR(",
        "NEAR(a b, 2)",
        "a AND",
        "AND OR NOT",
        "-x",
        "col:val",
        "content:hello",
        "'); drop table agent_memories; --",
        "^hello",
        "(((",
        "{a b}",
        "🚀🔥",
        "\\",
        "%_",
    ] {
        let result = store
            .search_agent_memories(&anyone(), &MemorySearch::FullText(q.to_owned()), 10)
            .await;
        assert!(result.is_ok(), "{q:?}: {result:?}");
    }
    assert_eq!(
        full_text(store, r#""hello""#).await,
        std::slice::from_ref(&quote)
    );
    assert_eq!(full_text(store, "col:val").await, [quote]);
    // The table is still there.
    assert_eq!(
        search(store, &anyone(), MemorySearch::Recent).await.len(),
        1
    );
}

pub async fn full_text_ranks_better_matches_first(store: &dyn Store) {
    let w = new_workspace(store).await;
    // The better match is the older row: only the rank can put it first.
    let dense = add(store, w, "kubernetes kubernetes kubernetes", 1, None).await;
    let sparse = add(
        store,
        w,
        "kubernetes is one of many tools we use for running containers in production \
         clusters across several regions and providers today",
        2,
        None,
    )
    .await;
    assert_eq!(full_text(store, "kubernetes").await, [dense, sparse]);
    // Rows matching equally rank newest first.
    let w2 = new_workspace(store).await;
    let filter = MemoryFilter {
        clauses: vec![clause(None, Some(vec![w2]))],
        namespace: None,
    };
    let old = add(store, w2, "redis cache", 10, None).await;
    let new = add(store, w2, "redis cache", 11, None).await;
    assert_eq!(
        ids(&search(store, &filter, MemorySearch::FullText("redis".into())).await),
        [new, old]
    );
}

pub async fn vector_search_orders_by_cosine_within_one_embedder_and_length(store: &dyn Store) {
    let w = new_workspace(store).await;
    let e = "test-embedder";
    let same = add(store, w, "same", 1, Some(vector(e, &[1.0, 0.0, 0.0]))).await;
    let near = add(store, w, "near", 2, Some(vector(e, &[1.0, 1.0, 0.0]))).await;
    let orthogonal = add(store, w, "orthogonal", 3, Some(vector(e, &[0.0, 0.0, 1.0]))).await;
    let opposite = add(store, w, "opposite", 4, Some(vector(e, &[-1.0, 0.0, 0.0]))).await;
    // Excluded: another embedder, another length, no vector.
    add(
        store,
        w,
        "other",
        5,
        Some(vector("other", &[1.0, 0.0, 0.0])),
    )
    .await;
    add(
        store,
        w,
        "longer",
        6,
        Some(vector(e, &[1.0, 0.0, 0.0, 0.0])),
    )
    .await;
    add(store, w, "none", 7, None).await;

    let hits = search(
        store,
        &anyone(),
        MemorySearch::Vector(vector(e, &[1.0, 0.0, 0.0])),
    )
    .await;
    assert_eq!(ids(&hits), [same, near, orthogonal, opposite]);
    let sims: Vec<f32> = hits.iter().map(|h| h.similarity.unwrap()).collect();
    for (got, want) in sims
        .iter()
        .zip([1.0, std::f32::consts::FRAC_1_SQRT_2, 0.0, -1.0])
    {
        assert!((got - want).abs() < 1e-4, "{sims:?}");
    }

    // Equal similarity: newest first. Only the other embedder's row for that one.
    let hits = search(
        store,
        &anyone(),
        MemorySearch::Vector(vector("other", &[0.0, 1.0, 0.0])),
    )
    .await;
    assert_eq!(hits.len(), 1);
    assert!(hits[0].similarity.unwrap().abs() < 1e-4);
    let tie_old = add(
        store,
        w,
        "tie old",
        8,
        Some(vector("other", &[0.0, 1.0, 0.0])),
    )
    .await;
    let tie_new = add(
        store,
        w,
        "tie new",
        9,
        Some(vector("other", &[0.0, 1.0, 0.0])),
    )
    .await;
    let hits = search(
        store,
        &anyone(),
        MemorySearch::Vector(vector("other", &[0.0, 1.0, 0.0])),
    )
    .await;
    assert_eq!(ids(&hits)[..2], [tie_new, tie_old]);

    // The filter applies.
    let v = new_workspace(store).await;
    let mine = add(store, v, "mine", 10, Some(vector(e, &[0.0, 1.0, 0.0]))).await;
    let filter = MemoryFilter {
        clauses: vec![clause(Some(MemoryScope::Local), Some(vec![v]))],
        namespace: None,
    };
    let hits = search(
        store,
        &filter,
        MemorySearch::Vector(vector(e, &[1.0, 0.0, 0.0])),
    )
    .await;
    assert_eq!(ids(&hits), [mine]);
    assert!(hits[0].similarity.unwrap().abs() < 1e-4);
    // A 4-long query finds only the 4-long row; an unknown embedder nothing.
    let hits = search(
        store,
        &anyone(),
        MemorySearch::Vector(vector(e, &[0.0, 0.0, 0.0, 1.0])),
    )
    .await;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].memory.content, "longer");
    assert!(
        search(
            store,
            &anyone(),
            MemorySearch::Vector(vector("unknown", &[1.0, 0.0, 0.0]))
        )
        .await
        .is_empty()
    );
}

pub async fn delete_needs_the_author_and_appends_an_event_only_when_it_deletes(store: &dyn Store) {
    let (author, other) = (new_workspace(store).await, new_workspace(store).await);
    let id = add(
        store,
        author,
        "to forget",
        1,
        Some(vector("e", &[1.0, 0.0])),
    )
    .await;
    let before = store.list_events(0, 1_000).await.unwrap().len();
    let wrong = store
        .delete_agent_memory(&id, other, ev(EventKind::AgentMemoryDeleted, other, &id))
        .await
        .unwrap();
    assert!(wrong.is_none());
    assert_eq!(store.list_events(0, 1_000).await.unwrap().len(), before);
    assert_eq!(
        ids(&search(store, &anyone(), MemorySearch::Recent).await),
        std::slice::from_ref(&id)
    );
    let done = store
        .delete_agent_memory(&id, author, ev(EventKind::AgentMemoryDeleted, author, &id))
        .await
        .unwrap()
        .expect("deleted");
    assert_eq!(done.kind, EventKind::AgentMemoryDeleted);
    let events = store.list_events(0, 1_000).await.unwrap();
    assert_eq!((events.len(), events.last()), (before + 1, Some(&done)));
    // Gone from every search.
    assert!(
        search(store, &anyone(), MemorySearch::Recent)
            .await
            .is_empty()
    );
    assert!(full_text(store, "forget").await.is_empty());
    assert!(
        search(
            store,
            &anyone(),
            MemorySearch::Vector(vector("e", &[1.0, 0.0]))
        )
        .await
        .is_empty()
    );
    // Twice, or an unknown id: nothing.
    for id in [id.as_str(), "no-such-id"] {
        let again = store
            .delete_agent_memory(id, author, ev(EventKind::AgentMemoryDeleted, author, id))
            .await
            .unwrap();
        assert!(again.is_none());
    }
    assert_eq!(store.list_events(0, 1_000).await.unwrap().len(), before + 1);
}

pub async fn the_embedding_backlog_and_vector_updates(store: &dyn Store) {
    let w = new_workspace(store).await;
    let (e1, e2) = ("e1", "e2");
    let none_old = add(store, w, "no vector, old", 1, None).await;
    let stale = add(store, w, "stale vector", 2, Some(vector(e1, &[1.0, 0.0]))).await;
    let current = add(store, w, "current vector", 3, Some(vector(e2, &[1.0, 0.0]))).await;
    let none_new = add(store, w, "no vector, new", 4, None).await;

    let backlog = store.memories_to_embed(e2, 10).await.unwrap();
    let backlog_ids: Vec<&str> = backlog.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(backlog_ids, [&none_old, &stale, &none_new]);
    assert_eq!(backlog[1].content, "stale vector");
    let first_two = store.memories_to_embed(e2, 2).await.unwrap();
    assert_eq!(first_two, backlog[..2]);
    assert_eq!(store.memories_to_embed(e1, 10).await.unwrap().len(), 3);
    assert!(store.memories_to_embed(e2, 0).await.unwrap().is_empty());

    assert!(
        store
            .set_memory_vector(&none_old, &vector(e2, &[0.0, 1.0]))
            .await
            .unwrap()
    );
    assert!(
        store
            .set_memory_vector(&stale, &vector(e2, &[1.0, 1.0]))
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_memory_vector("no-such-id", &vector(e2, &[1.0, 0.0]))
            .await
            .unwrap()
    );
    let backlog = store.memories_to_embed(e2, 10).await.unwrap();
    assert_eq!(backlog.len(), 1);
    assert_eq!(backlog[0].id, none_new);

    let hits = search(
        store,
        &anyone(),
        MemorySearch::Vector(vector(e2, &[1.0, 0.0])),
    )
    .await;
    assert_eq!(ids(&hits), [current, stale.clone(), none_old]);
    assert!(
        search(
            store,
            &anyone(),
            MemorySearch::Vector(vector(e1, &[1.0, 0.0]))
        )
        .await
        .is_empty()
    );
    // A new vector leaves the content (and its full-text entry) alone.
    assert_eq!(full_text(store, "stale").await, [stale]);
}

pub async fn limits_are_respected(store: &dyn Store) {
    let w = new_workspace(store).await;
    let mut all = Vec::new();
    for i in 0..6 {
        all.push(
            add(
                store,
                w,
                &format!("note {i} rust"),
                i,
                Some(vector("e", &[1.0, i as f32])),
            )
            .await,
        );
    }
    all.reverse();
    for s in [
        MemorySearch::Recent,
        MemorySearch::Substring("note".into()),
        MemorySearch::FullText("rust".into()),
        MemorySearch::Vector(vector("e", &[1.0, 0.0])),
    ] {
        let hits = store.search_agent_memories(&anyone(), &s, 3).await.unwrap();
        assert_eq!(hits.len(), 3, "{s:?}");
        assert!(
            store
                .search_agent_memories(&anyone(), &s, 0)
                .await
                .unwrap()
                .is_empty()
        );
    }
    let hits = store
        .search_agent_memories(&anyone(), &MemorySearch::Recent, 3)
        .await
        .unwrap();
    assert_eq!(ids(&hits), all[..3]);
}

pub async fn a_purge_deletes_the_workspace_s_agent_memories(store: &dyn Store) {
    let (gone, kept) = (new_workspace(store).await, new_workspace(store).await);
    add(store, gone, "bye", 1, Some(vector("e", &[1.0]))).await;
    add(store, gone, "bye too", 2, None).await;
    let stays = add(store, kept, "bye kept", 3, None).await;
    let (counts, _) = store
        .purge_workspace_data(gone, ev(EventKind::WorkspacePurged, gone, "purged"))
        .await
        .unwrap();
    assert!(counts.memory >= 2, "{counts:?}");
    assert_eq!(
        ids(&search(store, &anyone(), MemorySearch::Recent).await),
        std::slice::from_ref(&stays)
    );
    assert_eq!(full_text(store, "bye").await, [stays]);
}

store_contract!(
    insert_appends_its_event_and_recent_is_newest_first,
    filters_select_scope_authors_namespace_and_their_union,
    substring_is_literal_and_case_insensitive,
    full_text_stems_ands_terms_and_drops_stop_words,
    full_text_survives_any_user_text,
    full_text_ranks_better_matches_first,
    vector_search_orders_by_cosine_within_one_embedder_and_length,
    delete_needs_the_author_and_appends_an_event_only_when_it_deletes,
    the_embedding_backlog_and_vector_updates,
    limits_are_respected,
    a_purge_deletes_the_workspace_s_agent_memories,
);

/// PostgreSQL only: the vector cases again on a store that runs as if pgvector were
/// missing (vector search is then an exact scan computed in coffer).
mod postgres_without_pgvector {
    use std::sync::Arc;

    use coffer_store::PgStore;

    use crate::harness::{Backend, Harness, POSTGRES_URL_VAR};

    async fn harness() -> Option<Harness> {
        let url = std::env::var(POSTGRES_URL_VAR).ok()?;
        let schema = format!("coffer_test_{}", uuid::Uuid::new_v4().simple());
        let store = PgStore::connect_with_schema_without_pgvector(&url, &schema)
            .await
            .expect("open PostgreSQL store");
        Some(Harness {
            store: Arc::new(store),
            backend: Backend::Postgres { url, schema },
        })
    }

    macro_rules! without_pgvector {
        ($($case:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(h) = harness().await else { return };
                    super::$case(h.store()).await;
                    h.finish().await;
                }
            )*
        };
    }

    without_pgvector!(
        vector_search_orders_by_cosine_within_one_embedder_and_length,
        the_embedding_backlog_and_vector_updates,
        limits_are_respected,
        a_purge_deletes_the_workspace_s_agent_memories,
    );

    /// With pgvector on the server: a write builds the dimension's HNSW index; a vector
    /// changed by a store without pgvector is refreshed by the next stores with it
    /// (several opening at once); every store agrees on the result.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pgvector_index_and_refresh_after_a_store_without_it() {
        use coffer_core::store::{MemorySearch, MemoryStore, Store};

        use super::{add, anyone, ids, new_workspace, vector};

        let Some(h) = Harness::postgres().await else {
            return;
        };
        let Backend::Postgres { url, schema } = &h.backend else {
            unreachable!()
        };
        let pgvector = h
            .scalar("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")
            .await
            == 1;
        let w = new_workspace(h.store()).await;
        let a = add(h.store(), w, "a", 1, Some(vector("e", &[1.0, 0.0, 0.0]))).await;
        let b = add(h.store(), w, "b", 2, Some(vector("e", &[0.0, 1.0, 0.0]))).await;
        // The index is built in the background: wait for it (up to 10 s).
        let mut indexes = 0;
        for _ in 0..100 {
            indexes = h
                .scalar(
                    "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() \
                     AND indexname = 'agent_memories_hnsw_3'",
                )
                .await;
            if indexes == i64::from(pgvector) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(indexes, i64::from(pgvector));
        let query = MemorySearch::Vector(vector("e", &[0.0, 0.0, 1.0]));
        let plain = PgStore::connect_with_schema_without_pgvector(url, schema)
            .await
            .unwrap();
        assert!(
            plain
                .set_memory_vector(&a, &vector("e", &[0.0, 0.6, 0.8]))
                .await
                .unwrap()
        );
        let expected = [a.clone(), b.clone()];
        let hits = plain
            .search_agent_memories(&anyone(), &query, 10)
            .await
            .unwrap();
        assert_eq!(ids(&hits), expected);
        plain.close().await;
        let (s1, s2) = tokio::join!(
            PgStore::connect_with_schema(url, schema),
            PgStore::connect_with_schema(url, schema)
        );
        let (s1, s2) = (s1.unwrap(), s2.unwrap());
        let stores: [&dyn Store; 3] = [&s1, &s2, h.store()];
        for store in stores {
            let hits = store
                .search_agent_memories(&anyone(), &query, 10)
                .await
                .unwrap();
            assert_eq!(ids(&hits), expected);
            let similarity = hits[0].similarity.unwrap();
            assert!((similarity - 0.8).abs() < 1e-5, "{similarity}");
        }
        s1.close().await;
        s2.close().await;
        h.finish().await;
    }
}
