//! Embedders for coffer's semantic search, implementing the core's
//! [`Embedder`](coffer_core::embedder::Embedder) port:
//!
//! - [`MiniLm`]: the built-in all-MiniLM-L6-v2 (384 dims), run in-process on the CPU
//!   with candle. Its files are installed by `scripts/install-model.sh`;
//!   [`find_model_dir`] locates them.
//! - [`HttpEmbedder`]: any OpenAI-compatible `POST /v1/embeddings` endpoint (OpenAI,
//!   Ollama, vLLM, TEI).
//! - [`HashingEmbedder`]: a deterministic bag-of-words fake for tests.
//!
//! Every vector returned is L2-normalised.

mod hashing;
mod http;
mod minilm;
mod model_dir;

pub use coffer_core::embedder::{EmbedError, Embedder};
pub use hashing::HashingEmbedder;
pub use http::{DEFAULT_TIMEOUT, HttpEmbedder, HttpEmbedderConfig};
pub use minilm::{MAX_BATCH, MAX_TOKENS, MINILM_DIMS, MINILM_ID, MiniLm};
pub use model_dir::{MODEL_DIR_ENV, MODEL_FILES, MODEL_RELATIVE_DIR, find_model_dir, is_complete};
