//! The [`Embedder`] port: turns memory text into vectors for semantic search, without
//! the core knowing which model or protocol does it. `coffer-embed` implements it with a
//! built-in all-MiniLM-L6-v2 run in-process (candle) and with any OpenAI-compatible
//! `/v1/embeddings` endpoint; tests may use a deterministic fake.
//!
//! Every vector an embedder returns is L2-normalised, so cosine similarity is a dot
//! product. Each stored vector records the [`Embedder::id`] that produced it; a query
//! only ever compares vectors of the same id (same model and dimension).
//!
//! The core only hands an embedder text that has already been redacted.

use async_trait::async_trait;

/// Why an embedding call failed. The text never contains the embedded content nor a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmbedError {
    /// The model or endpoint is not usable (missing files, unreachable, refused).
    #[error("embedder unavailable: {0}")]
    Unavailable(String),
    /// The call took longer than allowed.
    #[error("embedder timed out")]
    Timeout,
    /// The endpoint answered something that is not a valid embedding response (wrong
    /// count or dimension, malformed body).
    #[error("embedder protocol error: {0}")]
    Protocol(String),
}

#[async_trait]
pub trait Embedder: Send + Sync {
    /// A stable identity for model and dimension, e.g. `minilm-l6-v2/384` or
    /// `http:text-embedding-3-small/1536`. Stored with each vector.
    fn id(&self) -> &str;

    /// The length of every vector returned.
    fn dims(&self) -> usize;

    /// One L2-normalised vector of [`Embedder::dims`] floats per text, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Cosine similarity of two L2-normalised vectors (their dot product), clamped to
/// [-1, 1]. Vectors of different lengths score 0.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    dot.clamp(-1.0, 1.0)
}

/// `vector` scaled to unit length (unchanged when it is all zeros).
pub fn normalize(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut vector {
            *x /= norm;
        }
    }
    vector
}

/// Encodes a vector as little-endian f32 bytes (how stores keep it as a blob).
pub fn vector_to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Decodes [`vector_to_bytes`]; `None` when the length is not a multiple of 4.
pub fn vector_from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_normalised_vectors() {
        let a = normalize(vec![3.0, 4.0]);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &[1.0]), 0.0);
        let b = normalize(vec![-4.0, 3.0]);
        assert!(cosine(&a, &b).abs() < 1e-6);
    }

    #[test]
    fn bytes_round_trip() {
        let v = vec![0.25f32, -1.5, 3.0];
        assert_eq!(vector_from_bytes(&vector_to_bytes(&v)), Some(v));
        assert_eq!(vector_from_bytes(&[1, 2, 3]), None);
    }
}
