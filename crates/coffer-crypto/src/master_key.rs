//! `MasterKey`: the 32-byte root secret of a coffer server, and how it is
//! loaded from a key file, a passphrase or the OS RNG.
//!
//! Invariants: the key bytes are boxed and zeroized on drop; the type has no
//! `Clone`, no serialization and a redacted `Debug` (only the public
//! [`KeyId`] is shown). The raw bytes never leave this crate except through
//! [`MasterKey::to_hex`], which exists only to write a freshly generated key
//! file. Every purpose-specific key (sealing, Fernet) is derived from it
//! with HKDF and a distinct label.

use std::fmt;

use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::kdf::{PASSPHRASE_INFO, PASSPHRASE_SALT, hkdf_sha256};
use crate::key_id::KeyId;
use crate::key_material::KeyMaterial;
use crate::random::fill_random;

/// Why a key file could not be turned into a [`MasterKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The key file is empty or contains only whitespace.
    #[error("key file is empty")]
    Empty,
    /// The key file is neither exactly 32 raw bytes nor UTF-8 text.
    #[error("key file is neither 32 raw bytes nor UTF-8 text")]
    NotText,
}

/// The 32-byte root secret. See the module docs for its invariants.
pub struct MasterKey {
    bytes: KeyMaterial,
    id: KeyId,
}

impl MasterKey {
    /// Length of a master key in bytes.
    pub const LEN: usize = 32;

    fn from_material(bytes: KeyMaterial) -> MasterKey {
        let id = KeyId::derive(bytes.as_bytes());
        MasterKey { bytes, id }
    }

    /// A fresh random key from the OS RNG.
    ///
    /// # Panics
    ///
    /// Panics if the operating system RNG is unavailable.
    #[must_use]
    pub fn generate() -> MasterKey {
        let mut bytes = KeyMaterial::zeroed();
        fill_random(bytes.as_mut_bytes());
        Self::from_material(bytes)
    }

    /// Wraps raw key bytes (the argument's stack copy is wiped).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        Self::from_material(KeyMaterial::from_array(bytes))
    }

    /// Derives a key from a passphrase:
    /// HKDF-SHA256(ikm = UTF-8 bytes, salt = "coffer/master-key/v1",
    /// info = "coffer master key"). Deterministic; no trimming is applied.
    ///
    /// HKDF is not a password-stretching KDF: a passphrase must already carry
    /// enough entropy (use a generated key file when in doubt).
    #[must_use]
    pub fn from_passphrase(passphrase: &str) -> MasterKey {
        Self::from_material(hkdf_sha256(
            Some(PASSPHRASE_SALT),
            passphrase.as_bytes(),
            PASSPHRASE_INFO,
        ))
    }

    /// Interprets the contents of a key file:
    ///
    /// 1. empty or whitespace-only → [`KeyError::Empty`];
    /// 2. exactly 32 bytes → those raw bytes;
    /// 3. otherwise UTF-8 text, trimmed: 64 hex characters → the decoded key;
    /// 4. any other text → [`MasterKey::from_passphrase`] of the trimmed text.
    ///
    /// # Errors
    ///
    /// [`KeyError::Empty`] for empty input, [`KeyError::NotText`] for input
    /// that is neither 32 bytes long nor valid UTF-8.
    pub fn parse_key_file(bytes: &[u8]) -> Result<MasterKey, KeyError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(KeyError::Empty);
        }
        if let Ok(raw) = <&[u8; 32]>::try_from(bytes) {
            return Ok(Self::from_material(KeyMaterial::from_array(*raw)));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| KeyError::NotText)?
            .trim();
        if text.is_empty() {
            return Err(KeyError::Empty);
        }
        if text.len() == 2 * Self::LEN {
            let mut decoded = KeyMaterial::zeroed();
            if hex::decode_to_slice(text, decoded.as_mut_bytes()).is_ok() {
                return Ok(Self::from_material(decoded));
            }
        }
        Ok(Self::from_passphrase(text))
    }

    /// The key as 64 lowercase hex characters, for writing a generated key
    /// file. The returned string is zeroized on drop.
    #[must_use]
    pub fn to_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = Zeroizing::new(String::with_capacity(2 * Self::LEN));
        for byte in self.bytes.as_bytes() {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// The key's public fingerprint.
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Makes a second, independent copy of this secret key.
    ///
    /// Deliberately not `Clone`: every copy of a master key is another
    /// place it can leak from, so copying must be explicit and greppable.
    #[must_use]
    pub fn duplicate(&self) -> MasterKey {
        MasterKey {
            bytes: self.bytes.duplicate(),
            id: self.id,
        }
    }

    /// Raw key bytes, for in-crate key derivation only.
    pub(crate) fn expose_bytes(&self) -> &[u8; 32] {
        self.bytes.as_bytes()
    }
}

impl Zeroize for MasterKey {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
    }
}

// The boxed `KeyMaterial` field zeroizes itself when dropped.
impl ZeroizeOnDrop for MasterKey {}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(<redacted>, id={})", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn counting_bytes() -> [u8; 32] {
        std::array::from_fn(|i| u8::try_from(i).expect("index below 32"))
    }

    #[test]
    fn from_passphrase_matches_the_python_hkdf_reference_value() {
        let key = MasterKey::from_passphrase("correct horse battery staple");
        assert_eq!(
            key.to_hex().as_str(),
            "236edcccf9af1d8dcf14bea1629de2a9c8359d12f4d9a74c33b95cadd33fa890"
        );
    }

    #[test]
    fn from_passphrase_is_deterministic_and_differs_for_different_inputs() {
        let a = MasterKey::from_passphrase("hunter2");
        let b = MasterKey::from_passphrase("hunter2");
        let c = MasterKey::from_passphrase("hunter3");
        let d = MasterKey::from_passphrase("hunter2 ");
        assert_eq!(a.expose_bytes(), b.expose_bytes());
        assert_eq!(a.id(), b.id());
        assert_ne!(a.expose_bytes(), c.expose_bytes());
        assert_ne!(a.id(), c.id());
        assert_ne!(a.expose_bytes(), d.expose_bytes());
    }

    #[test]
    fn generated_keys_are_distinct() {
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        assert_ne!(a.expose_bytes(), b.expose_bytes());
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn to_hex_round_trips_through_parse_key_file() {
        let key = MasterKey::generate();
        let hex = key.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        let parsed = MasterKey::parse_key_file(hex.as_bytes()).expect("valid hex key");
        assert_eq!(parsed.expose_bytes(), key.expose_bytes());
    }

    #[test]
    fn parse_key_file_takes_exactly_32_raw_bytes_verbatim() {
        let key = MasterKey::parse_key_file(&counting_bytes()).expect("32 raw bytes");
        assert_eq!(key.expose_bytes(), &counting_bytes());
        // 32 bytes that happen to be text are still raw bytes.
        let text32 = b"abcdefghijklmnopqrstuvwxyz012345";
        let key = MasterKey::parse_key_file(text32).expect("32 raw bytes");
        assert_eq!(key.expose_bytes(), text32);
    }

    #[test]
    fn parse_key_file_decodes_64_hex_chars_with_surrounding_whitespace_in_either_case() {
        let expected = counting_bytes();
        for input in [
            HEX_KEY.to_string(),
            format!("{HEX_KEY}\n"),
            format!("  {HEX_KEY}\r\n"),
            HEX_KEY.to_uppercase(),
        ] {
            let key = MasterKey::parse_key_file(input.as_bytes()).expect("hex key");
            assert_eq!(key.expose_bytes(), &expected, "input {input:?}");
        }
    }

    #[test]
    fn parse_key_file_falls_back_to_the_trimmed_passphrase() {
        let key = MasterKey::parse_key_file(b"  my long passphrase\n").expect("passphrase");
        let expected = MasterKey::from_passphrase("my long passphrase");
        assert_eq!(key.expose_bytes(), expected.expose_bytes());
        // 64 characters that are not all hex are a passphrase, not a key.
        let almost_hex = format!("{}zz", &HEX_KEY[..62]);
        let key = MasterKey::parse_key_file(almost_hex.as_bytes()).expect("passphrase");
        assert_eq!(
            key.expose_bytes(),
            MasterKey::from_passphrase(&almost_hex).expose_bytes()
        );
    }

    #[test]
    fn parse_key_file_rejects_empty_whitespace_and_binary_input() {
        assert_eq!(MasterKey::parse_key_file(b"").unwrap_err(), KeyError::Empty);
        assert_eq!(
            MasterKey::parse_key_file(b" \n\t\r\n").unwrap_err(),
            KeyError::Empty
        );
        assert_eq!(
            MasterKey::parse_key_file(&[b' '; 32]).unwrap_err(),
            KeyError::Empty
        );
        assert_eq!(
            MasterKey::parse_key_file(&[0xff, 0x00, 0xfe]).unwrap_err(),
            KeyError::NotText
        );
    }

    #[test]
    fn debug_shows_the_id_but_never_the_key_bytes() {
        let key = MasterKey::from_bytes(counting_bytes());
        let debug = format!("{key:?}");
        assert_eq!(debug, format!("MasterKey(<redacted>, id={})", key.id()));
        assert!(!debug.contains(key.to_hex().as_str()));
        assert!(!debug.contains(&key.to_hex()[..16]));
    }

    #[test]
    fn duplicate_is_an_equal_independent_copy() {
        let mut key = MasterKey::from_bytes([9u8; 32]);
        let copy = key.duplicate();
        assert_eq!(copy.id(), key.id());
        key.zeroize();
        assert_eq!(key.expose_bytes(), &[0u8; 32]);
        assert_eq!(copy.expose_bytes(), &[9u8; 32]);
    }
}
