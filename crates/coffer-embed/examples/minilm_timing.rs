//! Times the built-in model: load, one sentence, a batch of 32.
//! `cargo run -p coffer-embed --example minilm_timing [--release] -- <model dir>`

use std::time::Instant;

use coffer_embed::{Embedder, MiniLm};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: minilm_timing <model dir>")?;
    let started = Instant::now();
    let model = MiniLm::load(dir.as_ref())?;
    println!("load: {:.0} ms", started.elapsed().as_secs_f64() * 1e3);

    let one = vec!["The cat sits on the mat.".to_string()];
    model.embed(&one).await?; // warm-up
    let runs = 20;
    let started = Instant::now();
    for _ in 0..runs {
        model.embed(&one).await?;
    }
    let single = started.elapsed().as_secs_f64() * 1e3 / f64::from(runs);
    println!("single sentence: {single:.1} ms");

    let batch: Vec<String> = (0..32)
        .map(|i| format!("Sentence number {i} is about a cat resting on a rug."))
        .collect();
    let started = Instant::now();
    for _ in 0..3 {
        model.embed(&batch).await?;
    }
    let batched = started.elapsed().as_secs_f64() * 1e3 / 3.0;
    println!("batch of 32: {batched:.1} ms");
    Ok(())
}
