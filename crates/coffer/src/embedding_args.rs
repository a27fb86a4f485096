//! Flags choosing the embedder behind semantic memory search, and building it.
//!
//! - `auto` (default): the built-in all-MiniLM-L6-v2 when its files are installed
//!   (`scripts/install-model.sh`; `$COFFER_EMBEDDING_MODEL_DIR` or
//!   `<data-dir>/models/all-MiniLM-L6-v2`), otherwise none (full-text search only).
//! - `builtin`: the built-in model; refuses to start without its files.
//! - `http`: an OpenAI-compatible `/v1/embeddings` endpoint. Its key comes from
//!   `COFFER_EMBEDDINGS_API_KEY`, or from the global secret named by
//!   `--embeddings-api-key-secret` (sealed at rest like every secret).
//! - `off`: none.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use coffer_core::Core;
use coffer_core::domain::{Scope, SecretName};
use coffer_core::embedder::Embedder;
use coffer_core::ops::MemoryOptions;
use coffer_crypto::SecretString;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EmbeddingsKind {
    Auto,
    Builtin,
    Http,
    Off,
}

#[derive(Args, Debug, Clone)]
pub struct EmbeddingArgs {
    /// Which embedder semantic memory search uses.
    #[arg(long, env = "COFFER_EMBEDDINGS", value_enum, default_value = "auto")]
    pub embeddings: EmbeddingsKind,
    /// `http`: the endpoint's base URL (`http://host:port` or `…/v1`).
    #[arg(long, env = "COFFER_EMBEDDINGS_URL")]
    pub embeddings_url: Option<String>,
    /// `http`: the model name sent with each request.
    #[arg(
        long,
        env = "COFFER_EMBEDDINGS_MODEL",
        default_value = "text-embedding-3-small"
    )]
    pub embeddings_model: String,
    /// `http`: the name of a global secret holding the endpoint's API key (else the
    /// `COFFER_EMBEDDINGS_API_KEY` environment variable, else no key).
    #[arg(long, env = "COFFER_EMBEDDINGS_API_KEY_SECRET")]
    pub embeddings_api_key_secret: Option<String>,
    /// `http`: the vector length to ask for (else learnt from one probe request).
    #[arg(long, env = "COFFER_EMBEDDINGS_DIMENSIONS")]
    pub embeddings_dimensions: Option<usize>,
    /// How long a memory write waits for its vector before storing without one (the
    /// background indexer embeds it later), in milliseconds.
    #[arg(
        long,
        env = "COFFER_EMBEDDINGS_WRITE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub embeddings_write_timeout_ms: u64,
    /// How long a search waits for the query's vector before falling back to full-text
    /// search, in milliseconds.
    #[arg(
        long,
        env = "COFFER_EMBEDDINGS_QUERY_TIMEOUT_MS",
        default_value_t = 2000
    )]
    pub embeddings_query_timeout_ms: u64,
}

impl EmbeddingArgs {
    /// The memory options for `core` (whose store holds the key secret, if one is named).
    pub async fn options(&self, core: &Core, data_dir: &Path) -> anyhow::Result<MemoryOptions> {
        let embedder = self.embedder(core, data_dir).await?;
        match &embedder {
            Some(e) => tracing::info!(embedder = e.id(), "semantic memory search on"),
            None => {
                tracing::info!("semantic memory search off: memories are searched by full text")
            }
        }
        Ok(MemoryOptions {
            embedder,
            write_timeout: Duration::from_millis(self.embeddings_write_timeout_ms),
            query_timeout: Duration::from_millis(self.embeddings_query_timeout_ms),
        })
    }

    async fn embedder(
        &self,
        core: &Core,
        data_dir: &Path,
    ) -> anyhow::Result<Option<Arc<dyn Embedder>>> {
        let model_dir = coffer_embed::find_model_dir(data_dir);
        match (self.embeddings, model_dir) {
            (EmbeddingsKind::Off, _) => Ok(None),
            (EmbeddingsKind::Auto, None) => {
                tracing::info!(
                    "no embedding model installed (scripts/install-model.sh installs it into {})",
                    data_dir.join(coffer_embed::MODEL_RELATIVE_DIR).display()
                );
                Ok(None)
            }
            (EmbeddingsKind::Builtin, None) => bail!(
                "--embeddings builtin: the model files are not installed; run scripts/install-model.sh {} or set {}",
                data_dir.join(coffer_embed::MODEL_RELATIVE_DIR).display(),
                coffer_embed::MODEL_DIR_ENV
            ),
            (EmbeddingsKind::Auto | EmbeddingsKind::Builtin, Some(dir)) => {
                let dir2 = dir.clone();
                let model = tokio::task::spawn_blocking(move || coffer_embed::MiniLm::load(&dir2))
                    .await?
                    .with_context(|| {
                        format!("loading the embedding model from {}", dir.display())
                    })?;
                Ok(Some(Arc::new(model)))
            }
            (EmbeddingsKind::Http, _) => Ok(Some(Arc::new(self.http(core).await?))),
        }
    }

    async fn http(&self, core: &Core) -> anyhow::Result<coffer_embed::HttpEmbedder> {
        let Some(url) = &self.embeddings_url else {
            bail!("--embeddings http needs --embeddings-url (COFFER_EMBEDDINGS_URL)");
        };
        let api_key = match &self.embeddings_api_key_secret {
            Some(name) => {
                let Some(name) = SecretName::parse(name) else {
                    bail!("--embeddings-api-key-secret is not a valid secret name");
                };
                Some(
                    core.read_secret(&Scope::Global, &name)
                        .await
                        .with_context(|| format!("reading the global secret {name}"))?,
                )
            }
            None => std::env::var("COFFER_EMBEDDINGS_API_KEY")
                .ok()
                .filter(|k| !k.is_empty())
                .map(SecretString::from),
        };
        let mut config = coffer_embed::HttpEmbedderConfig::new(url, &self.embeddings_model);
        config.api_key = api_key;
        config.dimensions = self.embeddings_dimensions;
        coffer_embed::HttpEmbedder::connect(config)
            .await
            .context("connecting to the embeddings endpoint")
    }
}
