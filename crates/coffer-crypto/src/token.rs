//! Bearer tokens: 32 bytes from the OS RNG, encoded base64url without padding (43
//! characters). Only their SHA-256 (see [`crate::sha256`]) and a short display prefix
//! are ever stored; the plaintext is handed out once, wrapped in a [`SecretString`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::random::fill_random;

/// Random bytes in a bearer token.
pub const BEARER_TOKEN_BYTES: usize = 32;

/// A fresh bearer token (43 base64url characters, no padding).
#[must_use]
pub fn bearer_token() -> SecretString {
    let mut bytes = Zeroizing::new([0u8; BEARER_TOKEN_BYTES]);
    fill_random(bytes.as_mut());
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let a = bearer_token();
        let b = bearer_token();
        for t in [&a, &b] {
            let t = t.expose_secret();
            assert_eq!(t.len(), 43);
            assert!(
                t.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            );
        }
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
