//! MiniLM with the real model files. Set `COFFER_TEST_EMBEDDING_MODEL_DIR` to the
//! directory `scripts/install-model.sh` installed into; without it these tests skip
//! (loudly), unless `COFFER_REQUIRE_MODEL` is set, in which case they fail.

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use coffer_core::embedder::cosine;
use coffer_embed::{EmbedError, Embedder, MINILM_DIMS, MINILM_ID, MiniLm};

fn model_dir() -> Option<PathBuf> {
    match std::env::var_os("COFFER_TEST_EMBEDDING_MODEL_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => {
            assert!(
                std::env::var_os("COFFER_REQUIRE_MODEL").is_none(),
                "COFFER_REQUIRE_MODEL is set but COFFER_TEST_EMBEDDING_MODEL_DIR is not"
            );
            // Written to stderr directly: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: MiniLM model tests; set COFFER_TEST_EMBEDDING_MODEL_DIR \
                 (install with scripts/install-model.sh)"
            );
            None
        }
    }
}

/// The model, loaded once for all tests in this file.
fn model() -> Option<MiniLm> {
    static MODEL: OnceLock<Option<MiniLm>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = model_dir()?;
            Some(MiniLm::load(&dir).expect("load the model from COFFER_TEST_EMBEDDING_MODEL_DIR"))
        })
        .clone()
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

const CAT: &str = "The cat sits on the mat.";
const KITTEN: &str = "A kitten is resting on a rug.";
const REVENUE: &str = "Quarterly revenue grew by eight percent.";
const RESET: &str = "How do I reset my password?";
const FORGOT: &str = "I forgot my login credentials and need to change them.";

#[tokio::test]
async fn related_texts_score_apart_from_unrelated() {
    let Some(m) = model() else { return };
    assert_eq!(m.id(), MINILM_ID);
    assert_eq!(m.dims(), MINILM_DIMS);
    let v = m
        .embed(&strings(&[CAT, KITTEN, REVENUE, RESET, FORGOT]))
        .await
        .unwrap();
    for x in &v {
        assert_eq!(x.len(), MINILM_DIMS);
        let norm = x.iter().map(|f| f * f).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    let (cat_kitten, cat_revenue) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
    let (reset_forgot, reset_revenue) = (cosine(&v[3], &v[4]), cosine(&v[3], &v[2]));
    eprintln!("cat/kitten {cat_kitten:.4} cat/revenue {cat_revenue:.4}");
    eprintln!("reset/forgot {reset_forgot:.4} reset/revenue {reset_revenue:.4}");
    assert!(cat_kitten > 0.5, "{cat_kitten}");
    assert!(cat_revenue < 0.2, "{cat_revenue}");
    assert!(reset_forgot > 0.5, "{reset_forgot}");
    assert!(reset_revenue < 0.2, "{reset_revenue}");
}

#[tokio::test]
async fn batch_equals_single() {
    let Some(m) = model() else { return };
    // More than one batch of 32, with texts of different lengths (padding).
    let mut texts = strings(&[CAT, KITTEN, REVENUE, RESET, FORGOT, ""]);
    texts.push("word ".repeat(400)); // truncated at 256 tokens
    while texts.len() < 40 {
        texts.push(format!(
            "Filler sentence number {} about nothing.",
            texts.len()
        ));
    }
    let batch = m.embed(&texts).await.unwrap();
    assert_eq!(batch.len(), texts.len());
    for i in [0, 4, 5, 6, 35] {
        let single = m.embed(&texts[i..=i]).await.unwrap();
        let diff = batch[i]
            .iter()
            .zip(&single[0])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "text {i}: max diff {diff}");
    }
}

/// Concurrent calls are micro-batched together; each still gets its own texts' vectors,
/// in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_get_their_own_vectors() {
    let Some(m) = model() else { return };
    let texts: Vec<Vec<String>> = (0..12)
        .map(|i| match i % 3 {
            0 => strings(&[CAT]),
            1 => vec![format!("Call {i} asks about invoices."), RESET.to_owned()],
            _ => strings(&[REVENUE, KITTEN, FORGOT]),
        })
        .collect();
    let calls = texts.iter().map(|t| {
        let m = m.clone();
        let t = t.clone();
        tokio::spawn(async move { m.embed(&t).await })
    });
    let answers = futures::future::join_all(calls).await;
    for (t, answer) in texts.iter().zip(answers) {
        let got = answer.unwrap().unwrap();
        assert_eq!(got.len(), t.len());
        for (text, vector) in t.iter().zip(&got) {
            let alone = m.embed(std::slice::from_ref(text)).await.unwrap();
            assert!(cosine(vector, &alone[0]) > 0.9999, "{text}");
        }
    }
}

#[tokio::test]
async fn empty_input_gives_no_vectors() {
    let Some(m) = model() else { return };
    assert!(m.embed(&[]).await.unwrap().is_empty());
}

#[test]
fn missing_dir_is_unavailable() {
    let dir = std::env::temp_dir().join("coffer-embed-no-such-model-dir");
    assert!(matches!(
        MiniLm::load(&dir),
        Err(EmbedError::Unavailable(_))
    ));
}
