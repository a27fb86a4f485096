//! Agent-memory benchmark (issue: semantic search at 100k rows). Not a timed test: it
//! prints numbers for docs/performance.md.
//!
//! ```text
//! COFFER_EMBEDDING_MODEL_DIR=~/.cache/coffer/models/all-MiniLM-L6-v2 \
//! COFFER_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo bench -p coffer --bench memory_search -- [rows] [workspaces]
//! ```
//!
//! Per backend (SQLite always; PostgreSQL when `COFFER_BENCH_POSTGRES_URL` is set):
//! 1. 100 workspaces as 10 org trees (a root and 9 children), then 100,000 memories
//!    loaded through the store (80% LOCAL, 15% TEAM, 5% GLOBAL from roots) with
//!    synthetic sentences and random unit vectors recorded as the built-in model's (a
//!    vector search costs the same whatever the vectors mean; embedding 100k texts
//!    would take minutes and measure the model, not coffer);
//! 2. searches through the core, by a random workspace, limit 10, for the default scope
//!    (the workspace's own ~1,000 rows), TEAM and GLOBAL:
//!    - semantic, embedding excluded: the query vectors are computed beforehand by the
//!      real model and served from a map;
//!    - semantic, embedding included: the real model embeds each query;
//!    - full text (`mode=fulltext`);
//! 3. writes through the core with the real model embedding each (4 concurrent writers).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use coffer_core::Core;
use coffer_core::domain::{AgentMemory, MemoryScope, MemoryVector, NewWorkspace, WorkspaceId};
use coffer_core::embedder::{EmbedError, Embedder, normalize};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::ops::{MemoryDraft, MemoryOptions, MemoryQuery, SearchMode};
use coffer_core::principal::Principal;
use coffer_core::store::Store;
use coffer_server::keys::{KeyConfig, resolve};

const QUERIES: [&str; 8] = [
    "When do we ship releases to production?",
    "How often must database credentials change?",
    "What is the wireless network password policy for guests?",
    "Who answers pages at night?",
    "How do customers get their money back?",
    "Why do the builds fail randomly?",
    "How much did sales grow last quarter?",
    "Where are the nightly copies of the data kept?",
];

const WORDS: &[&str] = &[
    "deploy",
    "release",
    "kubernetes",
    "friday",
    "database",
    "password",
    "rotation",
    "policy",
    "wifi",
    "guest",
    "network",
    "vacation",
    "coffee",
    "machine",
    "pipeline",
    "flaky",
    "refund",
    "customer",
    "oncall",
    "rota",
    "font",
    "website",
    "revenue",
    "quarter",
    "backup",
    "nightly",
    "storage",
    "bucket",
    "latency",
    "incident",
    "postmortem",
    "roadmap",
    "budget",
    "hiring",
    "interview",
    "laptop",
    "vpn",
    "token",
    "certificate",
    "renewal",
    "invoice",
    "contract",
    "vendor",
    "migration",
    "schema",
    "index",
    "cache",
    "queue",
    "worker",
    "alert",
    "dashboard",
    "metric",
    "review",
    "merge",
    "branch",
    "test",
    "coverage",
    "benchmark",
    "profile",
    "memory",
];

/// Made-up words in the synthetic memories.
const VOCABULARY: usize = 5_000;

/// A pronounceable word for `rank` (distinct ranks, distinct words).
fn made_up_word(mut rank: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "do", "fu", "gra", "shi", "ben",
        "tor", "wex",
    ];
    let mut word = String::new();
    loop {
        word.push_str(SYLLABLES[rank % 16]);
        rank /= 16;
        if rank == 0 {
            return word;
        }
    }
}

/// Serves vectors computed beforehand (semantic search with the embedding excluded).
struct Precomputed {
    id: String,
    dims: usize,
    vectors: HashMap<String, Vec<f32>>,
}

#[async_trait]
impl Embedder for Precomputed {
    fn id(&self) -> &str {
        &self.id
    }
    fn dims(&self) -> usize {
        self.dims
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        texts
            .iter()
            .map(|t| {
                self.vectors
                    .get(t)
                    .cloned()
                    .ok_or_else(|| EmbedError::Unavailable("not precomputed".into()))
            })
            .collect()
    }
}

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    /// 8 to 19 words: topic words, and made-up words drawn log-uniformly from a
    /// 5,000-word vocabulary (a few common, most rare, roughly like real text).
    fn sentence(&mut self) -> String {
        let n = 8 + self.below(12);
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
    fn word(&mut self) -> String {
        if self.below(4) == 0 {
            return WORDS[self.below(WORDS.len())].to_owned();
        }
        let rank = (VOCABULARY as f64).powf((self.next() >> 11) as f64 / (1u64 << 53) as f64);
        made_up_word(rank as usize)
    }
    fn vector(&mut self, dims: usize) -> Vec<f32> {
        normalize((0..dims).map(|_| self.unit()).collect())
    }
}

struct Tree {
    all: Vec<WorkspaceId>,
    roots: Vec<WorkspaceId>,
}

fn model_dir() -> PathBuf {
    [
        "COFFER_EMBEDDING_MODEL_DIR",
        "COFFER_TEST_EMBEDDING_MODEL_DIR",
    ]
    .iter()
    .find_map(std::env::var_os)
    .map(PathBuf::from)
    .unwrap_or_else(|| {
        panic!("set COFFER_EMBEDDING_MODEL_DIR to the installed model (scripts/install-model.sh)")
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rows: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let workspaces: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let dir = model_dir();
    let started = Instant::now();
    let model: Arc<dyn Embedder> = Arc::new(coffer_embed::MiniLm::load(&dir)?);
    println!("model loaded in {:?}", started.elapsed());

    let tmp = tempfile::tempdir()?;
    let sqlite: Arc<dyn Store> =
        Arc::new(coffer_store::SqliteStore::open(&tmp.path().join("bench.db")).await?);
    run(
        "SQLite",
        sqlite,
        &tmp.path().join("keys-sqlite"),
        &model,
        rows,
        workspaces,
    )
    .await?;

    if let Ok(url) = std::env::var("COFFER_BENCH_POSTGRES_URL") {
        let schema = format!("coffer_bench_{}", uuid::Uuid::new_v4().simple());
        let pg: Arc<dyn Store> =
            Arc::new(coffer_store::PgStore::connect_with_schema(&url, &schema).await?);
        let outcome = run(
            "PostgreSQL",
            pg,
            &tmp.path().join("keys-pg"),
            &model,
            rows,
            workspaces,
        )
        .await;
        coffer_store::drop_schema(&url, &schema).await?;
        outcome?;
    } else {
        println!("PostgreSQL skipped (set COFFER_BENCH_POSTGRES_URL)");
    }
    Ok(())
}

fn core_with(
    store: &Arc<dyn Store>,
    keys_dir: &std::path::Path,
    embedder: Arc<dyn Embedder>,
) -> anyhow::Result<Core> {
    let keys = resolve(&KeyConfig {
        data_dir: keys_dir.to_owned(),
        ..KeyConfig::default()
    })?;
    Ok(
        Core::new(store.clone(), keys.keys).with_memory_options(MemoryOptions {
            embedder: Some(embedder),
            write_timeout: Duration::from_secs(30),
            query_timeout: Duration::from_secs(30),
        }),
    )
}

async fn run(
    backend: &str,
    store: Arc<dyn Store>,
    keys_dir: &std::path::Path,
    model: &Arc<dyn Embedder>,
    rows: usize,
    workspaces: usize,
) -> anyhow::Result<()> {
    println!("\n== {backend}: {rows} memories across {workspaces} workspaces ==");
    let core = Arc::new(core_with(&store, keys_dir, model.clone())?);
    let tree = make_tree(&core, workspaces).await?;
    load(&store, &tree, rows, model).await?;

    let mut vectors = HashMap::new();
    for q in QUERIES {
        vectors.insert(q.to_owned(), model.embed(&[q.to_owned()]).await?.remove(0));
    }
    let precomputed: Arc<dyn Embedder> = Arc::new(Precomputed {
        id: model.id().to_owned(),
        dims: model.dims(),
        vectors,
    });
    let excluded = core_with(&store, keys_dir, precomputed)?;

    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "query (limit 10, by a random workspace)", "p50 ms", "p99 ms", "rows"
    );
    for scope in [None, Some(MemoryScope::Team), Some(MemoryScope::Global)] {
        let label = scope.map_or("own", |s| s.as_str());
        measure(
            &excluded,
            &tree,
            scope,
            SearchMode::Semantic,
            400,
            &format!("semantic, embedding excluded, {label}"),
        )
        .await?;
        measure(
            &core,
            &tree,
            scope,
            SearchMode::Semantic,
            100,
            &format!("semantic, embedding included, {label}"),
        )
        .await?;
        measure(
            &core,
            &tree,
            scope,
            SearchMode::FullText,
            400,
            &format!("full text, {label}"),
        )
        .await?;
    }
    writes(&core, &tree, 400).await?;
    store.close().await;
    Ok(())
}

async fn make_tree(core: &Core, n: usize) -> anyhow::Result<Tree> {
    let mut all = Vec::new();
    let mut roots = Vec::new();
    let mut root = None;
    for i in 0..n {
        let parent = if i % 10 == 0 { None } else { root };
        let parent_text = parent.map(|p: WorkspaceId| p.to_string());
        let new = NewWorkspace::parse(&format!("ws-{i}"), parent_text.as_deref(), None, None)
            .map_err(anyhow::Error::msg)?;
        let created = core.create_workspace(&Principal::System, new).await?;
        let id = created.workspace.id;
        if parent.is_none() {
            root = Some(id);
            roots.push(id);
        }
        all.push(id);
    }
    Ok(Tree { all, roots })
}

async fn load(
    store: &Arc<dyn Store>,
    tree: &Tree,
    rows: usize,
    model: &Arc<dyn Embedder>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let writers = 8;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let all = tree.all.clone();
        let roots = tree.roots.clone();
        let (id, dims) = (model.id().to_owned(), model.dims());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
            for i in (w..rows).step_by(writers) {
                let roll = rng.below(100);
                let (scope, author) = if roll < 5 {
                    (MemoryScope::Global, roots[rng.below(roots.len())])
                } else if roll < 20 {
                    (MemoryScope::Team, all[rng.below(all.len())])
                } else {
                    (MemoryScope::Local, all[i % all.len()])
                };
                let memory = AgentMemory {
                    id: uuid::Uuid::new_v4().to_string(),
                    workspace_id: author,
                    scope,
                    namespace: "general".to_owned(),
                    content: rng.sentence(),
                    created_at_ms: 1_700_000_000_000 + i as i64,
                };
                let vector = MemoryVector {
                    embedder: id.clone(),
                    vector: rng.vector(dims),
                };
                let event = NewEvent {
                    kind: EventKind::AgentMemoryCreated,
                    scope: format!("workspace:{author}"),
                    name: memory.id.clone(),
                    actor: "system".to_owned(),
                    at_ms: memory.created_at_ms,
                };
                store
                    .insert_agent_memory(&memory, Some(&vector), event)
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let took = started.elapsed();
    println!(
        "loaded {rows} rows in {took:.1?} ({:.0} rows/s through the store, vectors given)",
        rows as f64 / took.as_secs_f64()
    );
    Ok(())
}

async fn measure(
    core: &Core,
    tree: &Tree,
    scope: Option<MemoryScope>,
    mode: SearchMode,
    n: usize,
    label: &str,
) -> anyhow::Result<()> {
    let mut rng = Rng(42);
    let mut times = Vec::with_capacity(n);
    let mut found = 0;
    for i in 0..n + 10 {
        let caller = tree.all[rng.below(tree.all.len())];
        let q = match mode {
            SearchMode::FullText => format!("{} {}", rng.word(), rng.word()),
            _ => QUERIES[rng.below(QUERIES.len())].to_owned(),
        };
        let query = MemoryQuery {
            scope,
            q,
            limit: Some(10),
            mode,
            ..MemoryQuery::default()
        };
        let started = Instant::now();
        let hits = core.search_memories(caller, query).await?;
        if i >= 10 {
            times.push(started.elapsed());
            found += hits.len();
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{label:<44} {:>9.2} {:>9.2} {:>9.1}",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        found as f64 / n as f64
    );
    Ok(())
}

async fn writes(core: &Arc<Core>, tree: &Tree, n: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let writers = 4;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let core = core.clone();
        let all = tree.all.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(7 + w as u64);
            let mut times = Vec::new();
            for _ in (w..n).step_by(writers) {
                let caller = all[rng.below(all.len())];
                let draft = MemoryDraft {
                    content: rng.sentence(),
                    scope: MemoryScope::Local,
                    namespace: None,
                };
                let t = Instant::now();
                core.commit_memory(&Principal::System, caller, draft)
                    .await?;
                times.push(t.elapsed());
            }
            anyhow::Ok(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let took = started.elapsed();
    times.sort();
    println!(
        "writes with embedding (4 writers): {:.0} writes/s; p50 {:.1} ms, p99 {:.1} ms",
        n as f64 / took.as_secs_f64(),
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[(times.len() * 99 / 100).min(times.len() - 1)].as_secs_f64() * 1e3
    );
    Ok(())
}
