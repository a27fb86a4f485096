//! OS randomness for keys, nonces and IVs.
//!
//! Invariant: every random byte in this crate comes from the operating
//! system RNG (`getrandom`), never from a user-space PRNG, so forked
//! processes can never repeat a nonce.

use rand::TryRng;
use rand::rngs::SysRng;

/// Fills `buf` from the OS RNG.
///
/// # Panics
///
/// Panics if the operating system cannot provide randomness; continuing
/// without it would silently produce weak keys or repeated nonces.
pub fn fill_random(buf: &mut [u8]) {
    SysRng
        .try_fill_bytes(buf)
        .expect("operating system RNG unavailable");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_random_fills_differ() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        fill_random(&mut a);
        fill_random(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
