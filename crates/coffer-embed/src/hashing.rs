//! [`HashingEmbedder`]: a deterministic stand-in for a real model in tests.

use async_trait::async_trait;
use coffer_core::embedder::{EmbedError, Embedder, normalize};

/// Hashes each lowercase word of a text into one of `dims` buckets and normalises the
/// counts. Texts sharing words score high; texts sharing none score 0. Deterministic
/// across runs and platforms (FNV-1a, not the std hasher).
#[derive(Clone, Debug)]
pub struct HashingEmbedder {
    id: String,
    dims: usize,
}

impl HashingEmbedder {
    /// An embedder of `dims` dimensions (at least 1), id `hashing/<dims>`.
    pub fn new(dims: usize) -> Self {
        let dims = dims.max(1);
        Self {
            id: format!("hashing/{dims}"),
            dims,
        }
    }

    /// The vector of one text. A text without words gets the bucket of the empty
    /// word, so every vector has unit length.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0.0f32; self.dims];
        let mut words = 0usize;
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            vector[self.bucket(&word.to_lowercase())] += 1.0;
            words += 1;
        }
        if words == 0 {
            vector[self.bucket("")] = 1.0;
        }
        normalize(vector)
    }

    fn bucket(&self, word: &str) -> usize {
        // The remainder is below `dims`, which is a usize.
        (fnv1a(word.as_bytes()) % self.dims as u64) as usize
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dims(&self) -> usize {
        self.dims
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::embedder::cosine;

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[tokio::test]
    async fn deterministic_and_normalised() {
        let e = HashingEmbedder::new(64);
        assert_eq!(e.id(), "hashing/64");
        assert_eq!(e.dims(), 64);
        let texts = vec!["The cat sat".to_string(), String::new(), "!!".to_string()];
        let a = e.embed(&texts).await.unwrap();
        let b = HashingEmbedder::new(64).embed(&texts).await.unwrap();
        assert_eq!(a, b);
        for v in &a {
            assert_eq!(v.len(), 64);
            assert!((norm(v) - 1.0).abs() < 1e-5);
        }
        assert!(e.embed(&[]).await.unwrap().is_empty());
    }

    #[test]
    fn shared_words_overlap() {
        let e = HashingEmbedder::new(256);
        let cat = e.embed_one("the cat sits on the mat");
        let cat2 = e.embed_one("A CAT on a MAT!");
        let revenue = e.embed_one("quarterly revenue grew");
        assert!(cosine(&cat, &cat2) > 0.3);
        assert!(cosine(&cat, &cat2) > cosine(&cat, &revenue));
        assert!((cosine(&cat, &e.embed_one("Cat, the mat; sits on THE")) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn zero_dims_is_clamped() {
        assert_eq!(HashingEmbedder::new(0).embed_one("x").len(), 1);
    }
}
