//! Small public hashing helpers: SHA-256 and constant-time comparison.
//!
//! Invariant: [`constant_time_eq`] takes time independent of the contents
//! of equal-length inputs (only the lengths may leak), so it is safe for
//! comparing tokens, MACs and password hashes.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Compares two byte strings in constant time with respect to their
/// contents. Inputs of different lengths are unequal (the length itself is
/// not treated as secret).
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// SHA-256 of `data`.
#[must_use]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_known_digest_of_abc() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"token", b"tokeN"));
        assert!(!constant_time_eq(b"token", b"token2"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
