//! `MultiFernet`: Fernet with key rotation, like Python's
//! `cryptography.fernet.MultiFernet`.
//!
//! Invariants: encryption always uses the current key; decryption tries the
//! current key, then each previous key in the given order, and returns the
//! first success. `Debug` is redacted (it shows only the key count).

use std::fmt;

use crate::fernet::FernetKey;
use crate::{SecretBox, SecretString};

/// A current Fernet key plus retired keys that may still decrypt.
pub struct MultiFernet {
    current: FernetKey,
    previous: Vec<FernetKey>,
}

impl MultiFernet {
    /// Builds from the current key and older keys (tried in this order).
    #[must_use]
    pub fn new(current: FernetKey, previous: Vec<FernetKey>) -> MultiFernet {
        MultiFernet { current, previous }
    }

    /// Encrypts under the current key.
    ///
    /// # Panics
    ///
    /// Panics if the OS RNG is unavailable.
    #[must_use]
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        self.current.encrypt(plaintext)
    }

    fn keys(&self) -> impl Iterator<Item = &FernetKey> {
        std::iter::once(&self.current).chain(&self.previous)
    }

    /// Decrypts with the first key that verifies the token.
    #[must_use]
    pub fn decrypt(&self, token: &str) -> Option<SecretBox<[u8]>> {
        self.keys().find_map(|key| key.decrypt(token))
    }

    /// [`MultiFernet::decrypt`], then require UTF-8.
    #[must_use]
    pub fn decrypt_string(&self, token: &str) -> Option<SecretString> {
        self.keys().find_map(|key| key.decrypt_string(token))
    }
}

impl fmt::Debug for MultiFernet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MultiFernet(<redacted>, keys={})",
            1 + self.previous.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn encrypts_with_the_current_key() {
        let multi = MultiFernet::new(
            FernetKey::from_secret_key("new"),
            vec![FernetKey::from_secret_key("old")],
        );
        let token = multi.encrypt(b"v");
        assert!(FernetKey::from_secret_key("new").decrypt(&token).is_some());
        assert!(FernetKey::from_secret_key("old").decrypt(&token).is_none());
    }

    #[test]
    fn falls_back_to_previous_keys_in_order() {
        let oldest = FernetKey::from_secret_key("oldest").encrypt(b"from oldest");
        let older = FernetKey::from_secret_key("older").encrypt("from older ✓".as_bytes());
        let multi = MultiFernet::new(
            FernetKey::from_secret_key("new"),
            vec![
                FernetKey::from_secret_key("older"),
                FernetKey::from_secret_key("oldest"),
            ],
        );
        assert_eq!(
            multi.decrypt(&oldest).expect("oldest").expose_secret(),
            b"from oldest"
        );
        assert_eq!(
            multi.decrypt_string(&older).expect("older").expose_secret(),
            "from older ✓"
        );
        let current = multi.encrypt(b"now");
        assert_eq!(
            multi.decrypt(&current).expect("current").expose_secret(),
            b"now"
        );
    }

    #[test]
    fn unknown_keys_and_garbage_get_none() {
        let multi = MultiFernet::new(FernetKey::from_secret_key("a"), Vec::new());
        let stranger = FernetKey::from_secret_key("b").encrypt(b"x");
        assert!(multi.decrypt(&stranger).is_none());
        assert!(multi.decrypt_string(&stranger).is_none());
        assert!(multi.decrypt("gAAAAA-not-a-token").is_none());
    }

    #[test]
    fn debug_is_redacted() {
        let multi = MultiFernet::new(
            FernetKey::from_secret_key("a"),
            vec![FernetKey::from_secret_key("b")],
        );
        assert_eq!(format!("{multi:?}"), "MultiFernet(<redacted>, keys=2)");
    }
}
