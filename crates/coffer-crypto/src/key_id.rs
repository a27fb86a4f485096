//! `KeyId`: the public 8-byte fingerprint of a master key.
//!
//! Invariants: an id is the first 8 bytes of
//! HKDF-SHA256(ikm = key, salt = none, info = "coffer key id"), so it is
//! stable for a key, reveals nothing about the key, and is safe to log,
//! store in envelopes and show to operators. Text form is always 16
//! lowercase hex characters.

use std::fmt;

use crate::kdf::{KEY_ID_INFO, expand_into};

/// Public fingerprint of a [`MasterKey`](crate::MasterKey).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// Length of a key id in bytes.
    pub const LEN: usize = 8;

    /// Derives the id of a 32-byte key.
    pub(crate) fn derive(key: &[u8; 32]) -> KeyId {
        let mut id = [0u8; Self::LEN];
        expand_into(None, key, KEY_ID_INFO, &mut id);
        KeyId(id)
    }

    /// Wraps raw id bytes (as read from an envelope header).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 8]) -> KeyId {
        KeyId(bytes)
    }

    /// Parses exactly 16 hex characters (either case; surrounding
    /// whitespace is not accepted).
    #[must_use]
    pub fn from_hex(text: &str) -> Option<KeyId> {
        let mut id = [0u8; Self::LEN];
        hex::decode_to_slice(text, &mut id).ok()?;
        Some(KeyId(id))
    }

    /// 16 lowercase hex characters.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw 8 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_matches_the_python_hkdf_reference_value() {
        // python: HKDF(SHA256, 32, salt=None, info=b"coffer key id").derive(b"\x42"*32)[:8]
        assert_eq!(KeyId::derive(&[0x42; 32]).to_hex(), "896d47bed8179d85");
    }

    #[test]
    fn hex_round_trips_and_display_and_debug_are_lowercase_hex() {
        let id = KeyId::from_bytes([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0xab]);
        assert_eq!(id.to_hex(), "deadbeef000102ab");
        assert_eq!(id.to_string(), "deadbeef000102ab");
        assert_eq!(format!("{id:?}"), "deadbeef000102ab");
        assert_eq!(KeyId::from_hex("deadbeef000102ab"), Some(id));
        assert_eq!(KeyId::from_hex("DEADBEEF000102AB"), Some(id));
        assert_eq!(
            id.as_bytes(),
            &[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0xab]
        );
    }

    #[test]
    fn from_hex_rejects_wrong_lengths_and_non_hex() {
        assert_eq!(KeyId::from_hex(""), None);
        assert_eq!(KeyId::from_hex("deadbeef"), None);
        assert_eq!(KeyId::from_hex("deadbeef000102ab00"), None);
        assert_eq!(KeyId::from_hex("zzadbeef000102ab"), None);
        assert_eq!(KeyId::from_hex(" deadbeef000102a"), None);
    }
}
