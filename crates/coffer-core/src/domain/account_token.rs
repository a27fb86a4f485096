//! Bearer tokens for accounts.
//!
//! - Issued tokens are opaque: `cft_` and 43 base64url characters (32 random bytes).
//!   Only their SHA-256 is stored; the token itself is shown once, when issued.
//! - Dev tokens `dev:<username>` are unsigned and accepted only in dev mode
//!   (`COFFER_DEV=1`); see `ops::accounts`.

use coffer_crypto::{ExposeSecret, SecretString, bearer_token, fill_random, sha256};

/// The prefix of issued tokens (lets secret scanners recognise a leaked one).
pub const TOKEN_PREFIX: &str = "cft_";
/// The prefix of dev tokens.
pub const DEV_PREFIX: &str = "dev:";
/// What `signIn` reports as a dev token's lifetime (the original's one year).
pub const DEV_TOKEN_EXPIRES_IN: i64 = 31_536_000;

/// A freshly issued token (shown once) and its public id (for listing and revoking).
pub struct AccountToken {
    pub id: String,
    pub token: SecretString,
}

impl AccountToken {
    pub fn generate() -> AccountToken {
        let mut id = [0u8; 6];
        fill_random(&mut id);
        let secret = bearer_token();
        AccountToken {
            id: id.iter().map(|b| format!("{b:02x}")).collect(),
            token: SecretString::from(format!("{TOKEN_PREFIX}{}", secret.expose_secret())),
        }
    }
}

/// What the store keeps of a token: its SHA-256.
pub fn token_hash(token: &str) -> Vec<u8> {
    sha256(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_are_prefixed_unique_and_hashed() {
        let a = AccountToken::generate();
        let b = AccountToken::generate();
        let text = a.token.expose_secret();
        assert!(text.starts_with(TOKEN_PREFIX));
        assert_eq!(text.len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(text, b.token.expose_secret());
        assert_ne!(a.id, b.id);
        assert_eq!(a.id.len(), 12);
        assert_eq!(token_hash(text), sha256(text.as_bytes()).to_vec());
    }
}
