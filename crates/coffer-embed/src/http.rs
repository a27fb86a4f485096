//! [`HttpEmbedder`]: any OpenAI-compatible `POST /v1/embeddings` endpoint (OpenAI,
//! Ollama, vLLM, text-embeddings-inference).

mod wire;

use std::time::Duration;

use async_trait::async_trait;
use coffer_core::embedder::{EmbedError, Embedder};
use coffer_crypto::{ExposeSecret, SecretString};

/// How long one request may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Texts per request; larger inputs are split. TEI's default client batch limit.
const MAX_BATCH: usize = 32;

/// The text embedded once by [`HttpEmbedder::connect`] to learn the dimension.
const PROBE_TEXT: &str = "dimension probe";

/// Where and how to reach an embeddings endpoint.
#[derive(Debug)]
pub struct HttpEmbedderConfig {
    /// Base URL, `http(s)://host:port` or `http(s)://host:port/v1` (a trailing `/` is
    /// ignored). Requests go to `<base>/v1/embeddings`, or `<base>/embeddings` when the
    /// base already ends in `/v1`. A URL already ending in `/v1/embeddings` is used
    /// as is.
    pub url: String,
    /// The `model` sent with each request; part of the embedder's id.
    pub model: String,
    /// Sent as `Authorization: Bearer <key>` when set.
    pub api_key: Option<SecretString>,
    /// When set, sent as `dimensions` with each request and required of every
    /// returned vector; when unset, [`HttpEmbedder::connect`] learns it from the server.
    pub dimensions: Option<usize>,
    /// Limit on each request, connecting included.
    pub timeout: Duration,
}

impl HttpEmbedderConfig {
    /// A config without key or dimensions and with [`DEFAULT_TIMEOUT`].
    pub fn new(url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            model: model.into(),
            api_key: None,
            dimensions: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// An [`Embedder`] calling an OpenAI-compatible embeddings endpoint. Its id is
/// `http:<model>/<dims>`.
#[derive(Debug)]
pub struct HttpEmbedder {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    api_key: Option<SecretString>,
    /// Sent with each request (the configured `dimensions`).
    requested_dims: Option<usize>,
    dims: usize,
    id: String,
    timeout: Duration,
}

/// The embeddings endpoint for a configured base URL (see [`HttpEmbedderConfig::url`]).
fn endpoint_for(url: &str) -> Result<String, EmbedError> {
    let base = url.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(EmbedError::Unavailable(
            "embedding endpoint url must start with http:// or https://".into(),
        ));
    }
    Ok(if base.ends_with("/v1/embeddings") {
        base.to_string()
    } else if base.ends_with("/v1") {
        format!("{base}/embeddings")
    } else {
        format!("{base}/v1/embeddings")
    })
}

impl HttpEmbedder {
    /// Builds the embedder. With `config.dimensions` set this makes no request (an
    /// endpoint that is down at startup only fails later calls). Without it, one
    /// probe text is embedded to learn the dimension, so an unreachable endpoint fails
    /// here.
    pub async fn connect(config: HttpEmbedderConfig) -> Result<Self, EmbedError> {
        let endpoint = endpoint_for(&config.url)?;
        if config.model.trim().is_empty() {
            return Err(EmbedError::Unavailable(
                "embedding model name is empty".into(),
            ));
        }
        if config.dimensions == Some(0) {
            return Err(EmbedError::Unavailable(
                "embedding dimensions must be > 0".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| EmbedError::Unavailable(format!("http client: {}", e.without_url())))?;
        let mut embedder = Self {
            client,
            endpoint,
            id: String::new(),
            model: config.model,
            api_key: config.api_key,
            requested_dims: config.dimensions,
            dims: config.dimensions.unwrap_or(0),
            timeout: config.timeout,
        };
        if embedder.dims == 0 {
            let probe = embedder.request(&[PROBE_TEXT.to_string()], None).await?;
            embedder.dims = probe[0].len();
        }
        embedder.id = format!("http:{}/{}", embedder.model, embedder.dims);
        Ok(embedder)
    }

    /// The URL requests are posted to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One request for `texts`; every vector must have `dims` entries when given, else
    /// the length of the first.
    async fn request(
        &self,
        texts: &[String],
        dims: Option<usize>,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let body = wire::request_body(&self.model, texts, self.requested_dims);
        let mut request = self.client.post(&self.endpoint).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let call = async {
            let response = request.send().await.map_err(send_error)?;
            let status = response.status();
            if !status.is_success() {
                return Err(wire::status_error(status));
            }
            response.bytes().await.map_err(send_error)
        };
        // reqwest enforces the timeout too; this also bounds anything around it.
        let bytes = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| EmbedError::Timeout)??;
        wire::parse_response(&bytes, texts.len(), dims)
    }
}

fn send_error(e: reqwest::Error) -> EmbedError {
    if e.is_timeout() {
        EmbedError::Timeout
    } else if e.is_connect() {
        EmbedError::Unavailable("cannot connect to the embedding endpoint".into())
    } else if e.is_decode() || e.is_body() {
        EmbedError::Protocol(format!("reading the response: {}", e.without_url()))
    } else {
        EmbedError::Unavailable(format!("embedding request failed: {}", e.without_url()))
    }
}

#[async_trait]
impl Embedder for HttpEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dims(&self) -> usize {
        self.dims
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(MAX_BATCH) {
            out.extend(self.request(batch, Some(self.dims)).await?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_from_base_url() {
        for (url, want) in [
            ("http://h:1", "http://h:1/v1/embeddings"),
            ("http://h:1/", "http://h:1/v1/embeddings"),
            ("http://h:1/v1", "http://h:1/v1/embeddings"),
            ("https://h/v1/", "https://h/v1/embeddings"),
            ("http://h:1/v1/embeddings", "http://h:1/v1/embeddings"),
            ("http://h/ollama", "http://h/ollama/v1/embeddings"),
        ] {
            assert_eq!(endpoint_for(url).unwrap(), want, "{url}");
        }
        assert!(matches!(
            endpoint_for("h:1"),
            Err(EmbedError::Unavailable(_))
        ));
    }
}
