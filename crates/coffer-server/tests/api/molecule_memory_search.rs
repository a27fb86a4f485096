//! Molecule agent memory search (spec §7, checklist §10 "Search" and "Embedding"), over
//! HTTP: full text with stemming for two characters or more, a literal substring for
//! one (`%` and `_` are not wildcards), the limit rules, a malformed query string (200),
//! `mode`; by meaning with a deterministic hashing embedder (ordered, `similarity_score`
//! in [0, 1]), no score without an embedder, an embedder that fails or hangs (writes
//! still 201, reads fall back to words), the background indexer filling in vectors
//! after a restart, `fulltext` and `hybrid` (reciprocal rank fusion); and, when
//! `COFFER_TEST_EMBEDDING_MODEL_DIR` names the built-in model, paraphrased questions
//! answered by meaning.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use coffer_core::embedder::{EmbedError, Embedder};
use coffer_core::ops::MemoryOptions;
use coffer_embed::HashingEmbedder;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Options, TestApp};
use crate::molecule_agent_memories::{ids, remember, rows, search};
use crate::molecule_helpers::{Ws, molecule_options, spawn_molecule};

const DIMS: usize = 256;

/// Always fails.
struct FailingEmbedder;

#[async_trait]
impl Embedder for FailingEmbedder {
    fn id(&self) -> &str {
        "failing/8"
    }
    fn dims(&self) -> usize {
        8
    }
    async fn embed(&self, _: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Err(EmbedError::Unavailable("down for the test".into()))
    }
}

/// Answers, but only after far longer than the tests' timeouts.
struct SlowEmbedder;

#[async_trait]
impl Embedder for SlowEmbedder {
    fn id(&self) -> &str {
        "slow/8"
    }
    fn dims(&self) -> usize {
        8
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(texts.iter().map(|_| vec![1.0; 8]).collect())
    }
}

/// The hashing embedder, except that it fails for any text containing `unembeddable`
/// (so a test can hold rows found only by words).
struct PickyEmbedder(HashingEmbedder);

#[async_trait]
impl Embedder for PickyEmbedder {
    fn id(&self) -> &str {
        self.0.id()
    }
    fn dims(&self) -> usize {
        self.0.dims()
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.iter().any(|t| t.contains("unembeddable")) {
            return Err(EmbedError::Unavailable("picky".into()));
        }
        self.0.embed(texts).await
    }
}

fn with_embedder(embedder: Option<Arc<dyn Embedder>>, timeout: Duration) -> Options {
    Options {
        memory: MemoryOptions {
            embedder,
            write_timeout: timeout,
            query_timeout: timeout,
        },
        ..molecule_options()
    }
}

fn hashing() -> Option<Arc<dyn Embedder>> {
    Some(Arc::new(HashingEmbedder::new(DIMS)))
}

fn contents(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["content"].as_str().unwrap().to_owned())
        .collect()
}

fn scores(rows: &[Value]) -> Vec<f64> {
    rows.iter()
        .map(|r| {
            r["similarity_score"]
                .as_f64()
                .unwrap_or_else(|| panic!("no similarity_score in {r}"))
        })
        .collect()
}

fn assert_no_scores(rows: &[Value]) {
    for row in rows {
        assert!(
            row.get("similarity_score").is_none(),
            "unexpected score: {row}"
        );
    }
}

async fn words_use_full_text_or_a_literal_substring(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let fridays = remember(&app, &ws, "We deploy to Kubernetes on Fridays", "LOCAL").await;
    let percent = remember(&app, &ws, "100% done", "LOCAL").await;
    let underscore = remember(&app, &ws, "a_b", "LOCAL").await;
    remember(&app, &ws, "plain", "LOCAL").await;

    let found = rows(&app, &ws, "?q=deploying").await;
    assert_eq!(ids(&found), vec![fridays.clone()], "stemmed match");
    assert_no_scores(&found);
    assert_eq!(ids(&rows(&app, &ws, "?q=KUBERNETES").await), vec![fridays]);
    assert!(rows(&app, &ws, "?q=zebra").await.is_empty());
    // One character: a literal substring; `%` and `_` match only themselves.
    assert_eq!(ids(&rows(&app, &ws, "?q=%25").await), vec![percent]);
    assert_eq!(ids(&rows(&app, &ws, "?q=_").await), vec![underscore]);
    assert_eq!(rows(&app, &ws, "?q=1").await.len(), 1);
    // Case-insensitive, like ILIKE.
    assert_eq!(
        contents(&rows(&app, &ws, "?q=k").await),
        vec!["We deploy to Kubernetes on Fridays".to_owned()]
    );
}

async fn the_limit_is_clamped(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let mut written = Vec::new();
    for i in 0..55 {
        written.push(remember(&app, &ws, &format!("note number {i}"), "LOCAL").await);
    }
    assert_eq!(rows(&app, &ws, "?limit=10").await.len(), 10);
    assert_eq!(rows(&app, &ws, "?limit=49").await.len(), 49);
    assert_eq!(rows(&app, &ws, "?limit=1").await.len(), 1);
    // `fmt.Sscanf("%d")` reads the leading number.
    assert_eq!(rows(&app, &ws, "?limit=7abc").await.len(), 7);
    for limit in ["60", "50", "0", "-3", "abc", "", "99999999999999999999999"] {
        assert_eq!(
            rows(&app, &ws, &format!("?limit={limit}")).await.len(),
            50,
            "limit={limit}"
        );
    }
    assert_eq!(rows(&app, &ws, "").await.len(), 50, "no limit");
    // Newest first without q (rows written in the same millisecond may tie).
    let newest = ids(&rows(&app, &ws, "?limit=3").await);
    assert!(
        newest.iter().all(|id| written[50..].contains(id)),
        "{newest:?}"
    );
    // The limit applies to word searches as well.
    assert_eq!(rows(&app, &ws, "?q=note&limit=5").await.len(), 5);
}

async fn a_malformed_query_string_is_still_200(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let local = remember(&app, &ws, "kept locally", "LOCAL").await;
    let team = remember(&app, &ws, "shared with the team", "TEAM").await;
    for query in [
        "?q=%ZZ&limit=%",
        "?q=%",
        "?q=%E9",
        "?q=abc%2",
        "?limit=%ZZ",
        "?mode=%ZZ",
        "?%ZZ=1",
        "?&&=&",
        "?q",
        "?scope=TEAM;q=x",
    ] {
        // Every bad pair is dropped: these are plain searches of the caller's own rows.
        let (status, body) = search(&app, &ws, query).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body.as_array().unwrap().len(), 2, "{query}: {body}");
    }
    // A good pair next to a bad one still counts; the first value of a key wins.
    assert_eq!(
        ids(&rows(&app, &ws, "?q=%ZZ&scope=LOCAL").await),
        vec![local]
    );
    assert_eq!(
        ids(&rows(&app, &ws, "?scope=TEAM&scope=LOCAL&q=shared+with").await),
        vec![team]
    );
}

async fn the_mode_must_be_known(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let bad = (
        400,
        json!({"error": "mode must be semantic, fulltext, or hybrid"}),
    );
    for mode in ["vector", "SEMANTIC", "Hybrid", "full_text"] {
        assert_eq!(
            search(&app, &ws, &format!("?mode={mode}")).await,
            bad,
            "{mode}"
        );
    }
    for mode in ["semantic", "fulltext", "hybrid", ""] {
        assert_eq!(
            search(&app, &ws, &format!("?mode={mode}&q=x")).await,
            (200, json!([])),
            "{mode}"
        );
    }
}

async fn semantic_search_orders_by_similarity(backend: Backend) {
    let options = with_embedder(hashing(), Duration::from_secs(5));
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let three = remember(&app, &ws, "alpha beta gamma", "LOCAL").await;
    let two = remember(&app, &ws, "alpha beta", "LOCAL").await;
    let one = remember(&app, &ws, "alpha", "TEAM").await;
    let none = remember(&app, &ws, "zeta", "LOCAL").await;

    let found = rows(&app, &ws, "?q=alpha+beta+gamma").await;
    assert_eq!(ids(&found)[..3], [three.clone(), two, one]);
    assert!(ids(&found).contains(&none));
    let scores = scores(&found);
    assert!((scores[0] - 1.0).abs() < 1e-4, "{scores:?}");
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // The visibility rules hold on the semantic path too.
    let found = rows(&app, &ws, "?q=alpha+beta+gamma&scope=LOCAL").await;
    assert_eq!(found.len(), 3);
    let other = app.ws_named("other").await;
    assert!(rows(&app, &other, "?q=alpha+beta+gamma").await.is_empty());
    // Without q there is nothing to compare: newest first, no scores.
    let recent = rows(&app, &ws, "").await;
    assert_eq!(recent.len(), 4);
    assert_no_scores(&recent);
    // `mode=fulltext` forces words.
    let found = rows(&app, &ws, "?q=gamma&mode=fulltext").await;
    assert_eq!(ids(&found), vec![three]);
    assert_no_scores(&found);
}

async fn hybrid_merges_meaning_and_words(backend: Backend) {
    let picky: Arc<dyn Embedder> = Arc::new(PickyEmbedder(HashingEmbedder::new(DIMS)));
    let options = with_embedder(Some(picky), Duration::from_secs(5));
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    // Found by both: shares both words with the query.
    let both = remember(&app, &ws, "deploying Kubernetes weekly", "LOCAL").await;
    // Found by meaning only (shares the exact word `deploying`, not `kubernetes`).
    let meaning = remember(&app, &ws, "deploying is fun", "LOCAL").await;
    // Found by words only: it has no vector.
    let words = remember(&app, &ws, "unembeddable kubernetes deploy notes", "LOCAL").await;

    let q = "?q=deploying+kubernetes";
    let semantic = rows(&app, &ws, q).await;
    assert!(!ids(&semantic).contains(&words), "no vector, no match");
    assert_eq!(ids(&semantic)[0], both);

    let fulltext = rows(&app, &ws, &format!("{q}&mode=fulltext")).await;
    let mut got = ids(&fulltext);
    got.sort();
    let mut want = vec![both.clone(), words.clone()];
    want.sort();
    assert_eq!(got, want);
    assert_no_scores(&fulltext);

    let hybrid = rows(&app, &ws, &format!("{q}&mode=hybrid")).await;
    let got = ids(&hybrid);
    assert_eq!(got[0], both, "a row found both ways ranks first");
    assert!(got.contains(&meaning) && got.contains(&words), "{got:?}");
    assert_eq!(got.len(), 3);
    for row in &hybrid {
        let has_score = row.get("similarity_score").is_some();
        assert_eq!(has_score, row["id"] != words, "{row}");
        if let Some(s) = row["similarity_score"].as_f64() {
            assert!((0.0..=1.0).contains(&s), "{row}");
        }
    }
}

async fn no_embedder_means_no_score(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    remember(&app, &ws, "alpha beta gamma", "LOCAL").await;
    for mode in ["semantic", "hybrid", "fulltext"] {
        let found = rows(&app, &ws, &format!("?q=alpha+beta&mode={mode}")).await;
        assert_eq!(found.len(), 1, "{mode}");
        assert_no_scores(&found);
    }
}

async fn a_failing_embedder_never_fails_a_request(backend: Backend) {
    let options = with_embedder(Some(Arc::new(FailingEmbedder)), Duration::from_secs(5));
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let id = remember(&app, &ws, "We deploy to Kubernetes on Fridays", "LOCAL").await;
    for mode in ["semantic", "hybrid"] {
        let found = rows(&app, &ws, &format!("?q=deploying&mode={mode}")).await;
        assert_eq!(ids(&found), vec![id.clone()], "{mode}: falls back to words");
        assert_no_scores(&found);
    }
}

async fn a_hanging_embedder_times_out(backend: Backend) {
    let options = with_embedder(Some(Arc::new(SlowEmbedder)), Duration::from_millis(200));
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let started = Instant::now();
    let id = remember(&app, &ws, "We deploy to Kubernetes on Fridays", "LOCAL").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let found = rows(&app, &ws, "?q=deploying").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ids(&found), vec![id]);
    assert_no_scores(&found);
}

async fn the_indexer_embeds_memories_written_without_a_vector(backend: Backend) {
    let options = with_embedder(Some(Arc::new(FailingEmbedder)), Duration::from_secs(5));
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ws = app.ws_named("w").await;
    let first = remember(&app, &ws, "alpha beta gamma", "LOCAL").await;
    let second = remember(&app, &ws, "delta epsilon", "TEAM").await;
    let app = app
        .restart_with(with_embedder(hashing(), Duration::from_secs(5)))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = rows(&app, &ws, "?q=alpha+beta+gamma").await;
        if found.len() == 2 && found.iter().all(|r| r.get("similarity_score").is_some()) {
            assert_eq!(ids(&found), vec![first, second]);
            let scores = scores(&found);
            assert!((scores[0] - 1.0).abs() < 1e-4, "{scores:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never embedded in the background: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

both_backends!(
    words_use_full_text_or_a_literal_substring,
    the_limit_is_clamped,
    a_malformed_query_string_is_still_200,
    the_mode_must_be_known,
    semantic_search_orders_by_similarity,
    hybrid_merges_meaning_and_words,
    no_embedder_means_no_score,
    a_failing_embedder_never_fails_a_request,
    a_hanging_embedder_times_out,
    the_indexer_embeds_memories_written_without_a_vector,
);

// ---------------------------------------------------------------------------------
// The built-in model.

const MODEL_ENV: &str = "COFFER_TEST_EMBEDDING_MODEL_DIR";

/// (memory, a question about it sharing no word with it).
const FACTS: [(&str, &str); 12] = [
    (
        "Production releases go out every Tuesday afternoon after change review.",
        "When do we ship new versions?",
    ),
    (
        "Database credentials are rotated every ninety days by the platform team.",
        "How often should DB passwords get changed?",
    ),
    (
        "Office wireless network: Harbor. Guests use the lobby code.",
        "How can I get internet on my laptop at work?",
    ),
    (
        "Employees get twenty-five paid days off per year, booked through HR.",
        "How much holiday leave do staff receive annually?",
    ),
    (
        "The espresso machine on floor three is descaled each Monday morning.",
        "Who cleans our coffee maker, and when?",
    ),
    (
        "Integration tests fail randomly about once in ten runs because of a race in the mock server.",
        "Why is CI so unreliable lately?",
    ),
    (
        "Customers may get their money back within thirty days of purchase.",
        "What's our return policy for buyers wanting reimbursement?",
    ),
    (
        "Engineers take turns carrying the pager for one week at a time.",
        "Who responds to incidents after hours?",
    ),
    (
        "Our website uses Inter for headings and Georgia for body text.",
        "Which typeface appears on company web pages?",
    ),
    (
        "Quarterly sales reached four million dollars, up twelve percent.",
        "How much income did the business make last period?",
    ),
    (
        "Whiskers, the office cat, is fed twice daily by the receptionist.",
        "Who looks after our feline pet?",
    ),
    (
        "Nightly snapshots of all servers are copied to cold storage at 2am.",
        "How do we protect data against disk loss?",
    ),
];

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

async fn store_facts(app: &TestApp, ws: &Ws) -> Vec<String> {
    let mut out = Vec::new();
    for (fact, _) in FACTS {
        out.push(remember(app, ws, fact, "LOCAL").await);
    }
    out
}

#[tokio::test]
async fn the_built_in_model_answers_paraphrased_questions() {
    let Some(dir) = std::env::var_os(MODEL_ENV) else {
        assert!(
            std::env::var_os("COFFER_REQUIRE_MODEL").is_none(),
            "COFFER_REQUIRE_MODEL is set but {MODEL_ENV} is not"
        );
        eprintln!("SKIPPED ({MODEL_ENV} not set): the built-in model semantic search test");
        return;
    };
    for (fact, question) in FACTS {
        let shared: Vec<String> = words(fact)
            .intersection(&words(question))
            .cloned()
            .collect();
        assert!(
            shared.is_empty(),
            "{question:?} shares {shared:?} with {fact:?}"
        );
    }
    let dir = std::path::PathBuf::from(dir);
    let model = tokio::task::spawn_blocking(move || coffer_embed::MiniLm::load(&dir))
        .await
        .unwrap()
        .expect("load the model");
    // Debug builds run the model slowly: generous timeouts.
    let options = with_embedder(Some(Arc::new(model)), Duration::from_secs(30));
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let ws = app.ws_named("w").await;
    let facts = store_facts(&app, &ws).await;
    let mut misses = Vec::new();
    for (i, (fact, question)) in FACTS.iter().enumerate() {
        let q: String = url_encode(question);
        let found = rows(&app, &ws, &format!("?q={q}")).await;
        assert_eq!(found.len(), FACTS.len(), "every fact has a vector");
        let top = found[0]["id"].as_str().unwrap();
        if top != facts[i] {
            misses.push(format!(
                "{question:?} → {:?}, not {fact:?}",
                found[0]["content"]
            ));
        }
        let scores = scores(&found);
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
    }
    assert!(misses.is_empty(), "paraphrases answered wrong: {misses:#?}");

    // The same question without an embedder falls back to words: still 200.
    let plain = TestApp::spawn_with(Backend::Sqlite, molecule_options())
        .await
        .unwrap();
    let ws = plain.ws_named("w").await;
    store_facts(&plain, &ws).await;
    let found = rows(&plain, &ws, &format!("?q={}", url_encode(FACTS[0].1))).await;
    assert_no_scores(&found);
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
