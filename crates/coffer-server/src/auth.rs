//! Session keys. Only their SHA-256 digests are kept in memory; a presented key is hashed
//! and compared against every digest in constant time (no early exit), so neither the
//! match nor its position leaks through timing.

use coffer_core::principal::Principal;
use coffer_crypto::{ExposeSecret, SecretString, constant_time_eq, sha256};

pub struct SessionKeys {
    digests: Vec<[u8; 32]>,
}

impl SessionKeys {
    /// Empty keys are dropped (as the original does).
    pub fn new(keys: &[SecretString]) -> SessionKeys {
        let digests = keys
            .iter()
            .map(|k| k.expose_secret())
            .filter(|k| !k.is_empty())
            .map(|k| sha256(k.as_bytes()))
            .collect();
        SessionKeys { digests }
    }

    /// No key configured: authentication is disabled.
    pub fn is_disabled(&self) -> bool {
        self.digests.is_empty()
    }

    /// The principal for a presented key, or `None` when it matches no configured key.
    pub fn authenticate(&self, presented: Option<&[u8]>) -> Option<Principal> {
        if self.is_disabled() {
            return Some(Principal::Anonymous);
        }
        let digest = sha256(presented?);
        let mut found = None;
        for (index, known) in self.digests.iter().enumerate() {
            if constant_time_eq(&digest, known) && found.is_none() {
                found = Some(index);
            }
        }
        found.map(|index| Principal::SessionKey { index })
    }
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionKeys(<{} redacted>)", self.digests.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> SessionKeys {
        SessionKeys::new(
            &list
                .iter()
                .map(|k| SecretString::from(k.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn any_configured_key_authenticates_and_others_do_not() {
        let k = keys(&["a-1", "", "b_2.@#$"]);
        assert_eq!(
            k.authenticate(Some(b"a-1")),
            Some(Principal::SessionKey { index: 0 })
        );
        assert_eq!(
            k.authenticate(Some(b"b_2.@#$")),
            Some(Principal::SessionKey { index: 1 })
        );
        assert_eq!(k.authenticate(Some(b"A-1")), None);
        assert_eq!(k.authenticate(Some(b"")), None);
        assert_eq!(k.authenticate(None), None);
    }

    #[test]
    fn no_keys_means_anonymous_access() {
        let k = keys(&["", ""]);
        assert!(k.is_disabled());
        assert_eq!(
            k.authenticate(Some(b"anything")),
            Some(Principal::Anonymous)
        );
        assert!(!format!("{:?}", keys(&["topsecret"])).contains("topsecret"));
    }
}
