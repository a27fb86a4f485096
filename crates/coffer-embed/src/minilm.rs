//! [`MiniLm`]: the built-in all-MiniLM-L6-v2 sentence embedder, run on the CPU with
//! candle. BERT encoder, mean pooling over the attention mask, L2 normalisation (the
//! sentence-transformers recipe for this model).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use coffer_core::embedder::{EmbedError, Embedder, normalize};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};
use tokio::sync::oneshot;

/// The id stored with MiniLM vectors.
pub const MINILM_ID: &str = "minilm-l6-v2/384";
/// The length of MiniLM vectors.
pub const MINILM_DIMS: usize = 384;
/// Longer texts are truncated to this many tokens (the model's training length).
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass; larger inputs are split into batches run one after another.
pub const MAX_BATCH: usize = 32;

/// all-MiniLM-L6-v2 loaded from a directory holding `model.safetensors`,
/// `tokenizer.json` and `config.json`. Cheap to clone (the model is shared).
///
/// Calls are micro-batched: texts of concurrent calls that arrive while a forward pass
/// runs are embedded together in the next one (up to [`MAX_BATCH`] texts), on one
/// thread of tokio's blocking pool. A lone call waits for nothing; under load, one pass
/// over several texts costs much less than one pass per text.
#[derive(Clone)]
pub struct MiniLm {
    inner: Arc<Inner>,
}

struct Inner {
    model: Model,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// A drain loop is running (it takes every job queued before it stops).
    draining: bool,
}

struct Job {
    texts: Vec<String>,
    reply: oneshot::Sender<Result<Vec<Vec<f32>>, EmbedError>>,
}

struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLm").field("id", &MINILM_ID).finish()
    }
}

fn unavailable(what: &str, err: impl std::fmt::Display) -> EmbedError {
    EmbedError::Unavailable(format!("{what}: {err}"))
}

impl MiniLm {
    /// Loads the model from `dir` (blocking: reads about 90 MB; call it from
    /// `spawn_blocking` in async code). Missing or invalid files, or a model that is
    /// not a 384-dimensional 6-layer BERT, give [`EmbedError::Unavailable`].
    pub fn load(dir: &Path) -> Result<MiniLm, EmbedError> {
        let read = |name: &str| {
            std::fs::read(dir.join(name))
                .map_err(|e| unavailable(&format!("reading {}", dir.join(name).display()), e))
        };
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| unavailable("parsing config.json", e))?;
        if config.hidden_size != MINILM_DIMS || config.num_hidden_layers != 6 {
            return Err(EmbedError::Unavailable(format!(
                "{} is not all-MiniLM-L6-v2 (hidden_size {}, {} layers)",
                dir.display(),
                config.hidden_size,
                config.num_hidden_layers
            )));
        }

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| unavailable("loading tokenizer.json", e))?;
        // The shipped tokenizer pads every text to 128; pad to the batch's longest
        // instead, and truncate at the model's training length.
        let pad_id = tokenizer.get_padding().map_or(0, |p| p.pad_id);
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| unavailable("configuring the tokenizer", e))?;

        let device = Device::Cpu;
        let weights = read("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DTYPE, &device)
            .map_err(|e| unavailable("reading model.safetensors", e))?;
        let bert = BertModel::load(vb, &config).map_err(|e| unavailable("loading the model", e))?;
        Ok(MiniLm {
            inner: Arc::new(Inner {
                model: Model {
                    bert,
                    tokenizer,
                    device,
                },
                queue: Mutex::new(Queue::default()),
            }),
        })
    }
}

impl Inner {
    /// Runs queued jobs, several per forward pass, until the queue is empty.
    fn drain(&self) {
        // Should inference panic, the next call can drain again; the jobs of the failed
        // pass see their reply channel closed.
        struct Stop<'a>(&'a Mutex<Queue>);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                if std::thread::panicking()
                    && let Ok(mut queue) = self.0.lock()
                {
                    queue.draining = false;
                }
            }
        }
        let _stop = Stop(&self.queue);
        loop {
            let jobs = {
                let Ok(mut queue) = self.queue.lock() else {
                    return;
                };
                let mut jobs = Vec::new();
                let mut texts = 0;
                while let Some(job) = queue.jobs.front() {
                    if !jobs.is_empty() && texts + job.texts.len() > MAX_BATCH {
                        break;
                    }
                    texts += job.texts.len();
                    jobs.extend(queue.jobs.pop_front());
                }
                if jobs.is_empty() {
                    queue.draining = false;
                    return;
                }
                jobs
            };
            let texts: Vec<String> = jobs.iter().flat_map(|j| j.texts.iter().cloned()).collect();
            let mut result = Vec::with_capacity(texts.len());
            let mut failure = None;
            for batch in texts.chunks(MAX_BATCH) {
                match self.model.embed_batch(batch.to_vec()) {
                    Ok(vectors) => result.extend(vectors),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            let mut vectors = result.into_iter();
            for job in jobs {
                let answer = match &failure {
                    Some(e) => Err(e.clone()),
                    None => Ok(vectors.by_ref().take(job.texts.len()).collect()),
                };
                let _ = job.reply.send(answer);
            }
        }
    }
}

impl Model {
    /// One forward pass over at most [`MAX_BATCH`] texts.
    fn embed_batch(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(|e| unavailable("tokenizing", e))?;
        let rows = encodings.len();
        let Some(cols) = encodings.first().map(|e| e.get_ids().len()) else {
            return Ok(Vec::new());
        };
        let flat = |f: fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
            encodings
                .iter()
                .flat_map(|e| f(e).iter().copied())
                .collect()
        };
        let tensor = |data: Vec<u32>| Tensor::from_vec(data, (rows, cols), &self.device);
        let inference = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = tensor(flat(|e| e.get_ids()))?;
            let type_ids = tensor(flat(|e| e.get_type_ids()))?;
            let mask = tensor(flat(|e| e.get_attention_mask()))?;
            let hidden = self.bert.forward(&ids, &type_ids, Some(&mask))?;
            // Mean over the real (unpadded) tokens.
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
            let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?;
            summed.broadcast_div(&counts)?.to_vec2::<f32>()
        };
        let vectors = inference().map_err(|e| unavailable("inference", e))?;
        Ok(vectors.into_iter().map(normalize).collect())
    }
}

#[async_trait]
impl Embedder for MiniLm {
    fn id(&self) -> &str {
        MINILM_ID
    }

    fn dims(&self) -> usize {
        MINILM_DIMS
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self
                .inner
                .queue
                .lock()
                .map_err(|_| EmbedError::Unavailable("model queue poisoned".into()))?;
            queue.jobs.push_back(Job {
                texts: texts.to_vec(),
                reply,
            });
            !std::mem::replace(&mut queue.draining, true)
        };
        if start {
            let inner = Arc::clone(&self.inner);
            tokio::task::spawn_blocking(move || inner.drain());
        }
        answer
            .await
            .map_err(|_| EmbedError::Unavailable("inference failed".into()))?
    }
}
