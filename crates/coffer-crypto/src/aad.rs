//! `Aad`: the associated data that binds a sealed value to the row it is
//! stored in, so a ciphertext copied to another row fails to open.
//!
//! Invariant: the encoding is injective. It is the prefix `coffer/aad/v1`
//! followed by the kind and then each part, every field written as a
//! big-endian `u32` length and the raw UTF-8 bytes. Distinct
//! `(kind, parts)` tuples therefore never produce the same bytes.

const PREFIX: &[u8] = b"coffer/aad/v1";

/// Associated data for [`seal`](crate::seal) / [`open`](crate::open).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Aad {
    bytes: Vec<u8>,
}

impl Aad {
    /// General form: a kind (what sort of row) and the parts that identify
    /// the row.
    ///
    /// # Panics
    ///
    /// Panics if the kind or a part is 4 GiB or longer.
    #[must_use]
    pub fn new(kind: &str, parts: &[&str]) -> Aad {
        let body: usize = std::iter::once(kind)
            .chain(parts.iter().copied())
            .map(|field| 4 + field.len())
            .sum();
        let mut bytes = Vec::with_capacity(PREFIX.len() + body);
        bytes.extend_from_slice(PREFIX);
        for field in std::iter::once(kind).chain(parts.iter().copied()) {
            let len = u32::try_from(field.len()).expect("AAD field shorter than 4 GiB");
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(field.as_bytes());
        }
        Aad { bytes }
    }

    /// Binds a secret's value to its scope and name.
    #[must_use]
    pub fn secret(scope: &str, name: &str) -> Aad {
        Aad::new("secret", &[scope, name])
    }

    /// Binds a secret field inside a settings document to its scope,
    /// settings key and field path.
    #[must_use]
    pub fn settings_field(scope: &str, key: &str, field_path: &str) -> Aad {
        Aad::new("settings_field", &[scope, key, field_path])
    }

    /// Binds an account's provider API key to its owner's scope
    /// (`account:<owner>`) and the provider (`claude`, `deepseek`), so a
    /// sealed key copied to another owner's or provider's row fails to open.
    #[must_use]
    pub fn agent_key(owner_scope: &str, provider: &str) -> Aad {
        Aad::new("agent_key", &[owner_scope, provider])
    }

    /// The encoded bytes fed to the AEAD.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_prefix_then_length_prefixed_fields() {
        let aad = Aad::secret("user:1", "OPENAI");
        let mut expected = b"coffer/aad/v1".to_vec();
        expected.extend_from_slice(&[0, 0, 0, 6]);
        expected.extend_from_slice(b"secret");
        expected.extend_from_slice(&[0, 0, 0, 6]);
        expected.extend_from_slice(b"user:1");
        expected.extend_from_slice(&[0, 0, 0, 6]);
        expected.extend_from_slice(b"OPENAI");
        assert_eq!(aad.as_bytes(), expected.as_slice());
    }

    #[test]
    fn shifting_bytes_between_parts_changes_the_encoding() {
        assert_ne!(Aad::secret("ab", "c"), Aad::secret("a", "bc"));
        assert_ne!(Aad::new("k", &["a", ""]), Aad::new("k", &["a"]));
        assert_ne!(Aad::new("k", &[]), Aad::new("", &["k"]));
        assert_ne!(
            Aad::settings_field("s", "k", "f"),
            Aad::new("secret", &["s", "k", "f"])
        );
    }

    #[test]
    fn named_constructors_are_the_general_form_with_a_fixed_kind() {
        assert_eq!(Aad::secret("s", "n"), Aad::new("secret", &["s", "n"]));
        assert_eq!(
            Aad::settings_field("s", "k", "a.b"),
            Aad::new("settings_field", &["s", "k", "a.b"])
        );
        assert_eq!(
            Aad::agent_key("account:ops", "claude"),
            Aad::new("agent_key", &["account:ops", "claude"])
        );
        assert_ne!(
            Aad::agent_key("account:ops", "claude"),
            Aad::secret("account:ops", "claude")
        );
    }
}
