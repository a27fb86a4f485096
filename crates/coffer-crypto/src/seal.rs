//! Sealing: XChaCha20-Poly1305 envelopes bound to an [`Aad`].
//!
//! Envelope layout (format v1):
//!
//! ```text
//! [0x01][key id: 8][nonce: 24][ciphertext: n][tag: 16]
//! ```
//!
//! Invariants:
//! - Every seal uses the keyring's current key and a fresh 24-byte nonce
//!   from the OS RNG (random nonces are safe at this size).
//! - The AEAD key is the entry's derived sealing key, never the master key.
//! - The AEAD's associated data is the 9-byte header (format byte and key
//!   id) followed by the [`Aad`] bytes, so the header cannot be altered
//!   without detection either.
//! - Errors carry no plaintext or key material: only "malformed", the
//!   (public) unknown key id, or "rejected".

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::aad::Aad;
use crate::key_id::KeyId;
use crate::keyring::{Keyring, KeyringEntry};
use crate::random::fill_random;
use crate::secret::{secret_bytes, secret_string};
use crate::{SecretBox, SecretString};

/// Format byte of the current envelope layout.
pub const ENVELOPE_FORMAT_V1: u8 = 0x01;

const HEADER_LEN: usize = 1 + KeyId::LEN;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const PREFIX_LEN: usize = HEADER_LEN + NONCE_LEN;
const MIN_LEN: usize = PREFIX_LEN + TAG_LEN;

/// Why an envelope could not be opened. Messages contain no secret data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OpenError {
    /// Too short, or an unknown format byte.
    #[error("sealed value is malformed")]
    Malformed,
    /// Sealed under a key this keyring does not hold.
    #[error("sealed value uses unknown key {0}")]
    UnknownKey(KeyId),
    /// Authentication failed: wrong AAD, tampering, or wrong key.
    #[error("sealed value failed authentication")]
    Rejected,
}

/// A syntactically valid v1 envelope, borrowed.
struct Parsed<'a> {
    header: &'a [u8],
    key_id: KeyId,
    nonce: &'a [u8],
    ciphertext: &'a [u8],
    tag: &'a [u8],
}

fn parse(envelope: &[u8]) -> Result<Parsed<'_>, OpenError> {
    if envelope.len() < MIN_LEN || envelope[0] != ENVELOPE_FORMAT_V1 {
        return Err(OpenError::Malformed);
    }
    let (header, rest) = envelope.split_at(HEADER_LEN);
    let (nonce, rest) = rest.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    let id: [u8; KeyId::LEN] = header[1..].try_into().map_err(|_| OpenError::Malformed)?;
    Ok(Parsed {
        header,
        key_id: KeyId::from_bytes(id),
        nonce,
        ciphertext,
        tag,
    })
}

fn associated_data(header: &[u8], aad: &Aad) -> Vec<u8> {
    [header, aad.as_bytes()].concat()
}

fn cipher(entry: &KeyringEntry) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(entry.seal_key.as_bytes().into())
}

/// Encrypts `plaintext` under the keyring's current key, bound to `aad`.
///
/// # Panics
///
/// Panics if the OS RNG is unavailable, or for plaintexts beyond the
/// AEAD's limit (256 GiB).
#[must_use]
pub fn seal(keyring: &Keyring, aad: &Aad, plaintext: &[u8]) -> Vec<u8> {
    let entry = keyring.current_entry();
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce);

    // Exact capacity: the plaintext copy is encrypted in place and the
    // buffer never reallocates, so no plaintext is left behind.
    let mut out = Vec::with_capacity(MIN_LEN + plaintext.len());
    out.push(ENVELOPE_FORMAT_V1);
    out.extend_from_slice(entry.id.as_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);

    let ad = associated_data(&out[..HEADER_LEN], aad);
    let tag = cipher(entry)
        .encrypt_inout_detached(&XNonce::from(nonce), &ad, (&mut out[PREFIX_LEN..]).into())
        .expect("plaintext within XChaCha20-Poly1305 length limit");
    out.extend_from_slice(&tag);
    out
}

/// Decrypts an envelope with whichever keyring key it names.
///
/// # Errors
///
/// [`OpenError::Malformed`] for bad framing, [`OpenError::UnknownKey`] if
/// the key id is not in the keyring, [`OpenError::Rejected`] if
/// authentication fails (wrong AAD, tampering).
pub fn open(keyring: &Keyring, aad: &Aad, envelope: &[u8]) -> Result<SecretBox<[u8]>, OpenError> {
    let parsed = parse(envelope)?;
    let entry = keyring
        .entry(parsed.key_id)
        .ok_or(OpenError::UnknownKey(parsed.key_id))?;
    let nonce = XNonce::try_from(parsed.nonce).map_err(|_| OpenError::Malformed)?;
    let tag = Tag::try_from(parsed.tag).map_err(|_| OpenError::Malformed)?;
    let ad = associated_data(parsed.header, aad);

    let mut buffer = Zeroizing::new(parsed.ciphertext.to_vec());
    cipher(entry)
        .decrypt_inout_detached(&nonce, &ad, buffer.as_mut_slice().into(), &tag)
        .map_err(|_| OpenError::Rejected)?;
    Ok(secret_bytes(&buffer))
}

/// [`open`], then require the plaintext to be UTF-8.
///
/// # Errors
///
/// As [`open`]; non-UTF-8 plaintext is [`OpenError::Malformed`].
pub fn open_string(
    keyring: &Keyring,
    aad: &Aad,
    envelope: &[u8],
) -> Result<SecretString, OpenError> {
    use secrecy::ExposeSecret;
    let bytes = open(keyring, aad, envelope)?;
    secret_string(bytes.expose_secret()).ok_or(OpenError::Malformed)
}

/// The key id named by a well-formed v1 envelope, without decrypting it.
#[must_use]
pub fn envelope_key_id(envelope: &[u8]) -> Option<KeyId> {
    parse(envelope).ok().map(|parsed| parsed.key_id)
}

/// Key rotation for one envelope: `Ok(None)` if it already names the
/// current key (it is not authenticated in that case), otherwise opens it
/// with its previous key and returns it sealed under the current key.
///
/// # Errors
///
/// As [`open`].
pub fn reseal(keyring: &Keyring, aad: &Aad, envelope: &[u8]) -> Result<Option<Vec<u8>>, OpenError> {
    use secrecy::ExposeSecret;
    let parsed = parse(envelope)?;
    if parsed.key_id == keyring.current_id() {
        return Ok(None);
    }
    let plaintext = open(keyring, aad, envelope)?;
    Ok(Some(seal(keyring, aad, plaintext.expose_secret())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master_key::MasterKey;
    use secrecy::ExposeSecret;

    fn ring() -> Keyring {
        Keyring::new(MasterKey::generate(), Vec::new())
    }

    fn aad() -> Aad {
        Aad::secret("user:42", "OPENAI_API_KEY")
    }

    #[test]
    fn seal_then_open_round_trips() {
        let ring = ring();
        let envelope = seal(&ring, &aad(), b"sk-live-123");
        let opened = open(&ring, &aad(), &envelope).expect("opens");
        assert_eq!(opened.expose_secret(), b"sk-live-123");
    }

    #[test]
    fn envelope_has_the_documented_layout() {
        let ring = ring();
        let envelope = seal(&ring, &aad(), b"hello");
        assert_eq!(envelope.len(), 1 + 8 + 24 + 5 + 16);
        assert_eq!(envelope[0], ENVELOPE_FORMAT_V1);
        assert_eq!(&envelope[1..9], ring.current_id().as_bytes());
        assert_eq!(envelope_key_id(&envelope), Some(ring.current_id()));
        assert!(!envelope.windows(5).any(|w| w == b"hello"));
    }

    #[test]
    fn two_seals_of_the_same_plaintext_differ() {
        let ring = ring();
        let a = seal(&ring, &aad(), b"same");
        let b = seal(&ring, &aad(), b"same");
        assert_ne!(a, b);
        assert_ne!(a[9..33], b[9..33], "nonces must differ");
    }

    #[test]
    fn a_flipped_bit_anywhere_is_never_accepted() {
        let ring = ring();
        let envelope = seal(&ring, &aad(), b"secret value");
        for byte in 0..envelope.len() {
            for bit in 0..8 {
                let mut tampered = envelope.clone();
                tampered[byte] ^= 1 << bit;
                let err = open(&ring, &aad(), &tampered).expect_err("tampering detected");
                match byte {
                    0 => assert_eq!(err, OpenError::Malformed),
                    1..=8 => assert!(matches!(err, OpenError::UnknownKey(_)), "{err:?}"),
                    _ => assert_eq!(err, OpenError::Rejected),
                }
            }
        }
    }

    #[test]
    fn wrong_aad_is_rejected() {
        let ring = ring();
        let envelope = seal(&ring, &Aad::secret("user:1", "A"), b"v");
        for wrong in [
            Aad::secret("user:2", "A"),
            Aad::secret("user:1", "B"),
            Aad::settings_field("user:1", "A", ""),
            Aad::new("secret", &["user:1", "A", ""]),
        ] {
            assert_eq!(
                open(&ring, &wrong, &envelope).unwrap_err(),
                OpenError::Rejected
            );
        }
        let field = seal(&ring, &Aad::settings_field("s", "llm", "api_key"), b"v");
        assert_eq!(
            open(&ring, &Aad::settings_field("s", "llm", "base_url"), &field).unwrap_err(),
            OpenError::Rejected
        );
        assert_eq!(
            open(&ring, &Aad::settings_field("s", "mcp", "api_key"), &field).unwrap_err(),
            OpenError::Rejected
        );
    }

    #[test]
    fn a_keyring_without_the_key_reports_unknown_key() {
        let sealer = ring();
        let other = ring();
        let envelope = seal(&sealer, &aad(), b"v");
        assert_eq!(
            open(&other, &aad(), &envelope).unwrap_err(),
            OpenError::UnknownKey(sealer.current_id())
        );
    }

    #[test]
    fn a_different_key_with_a_forged_id_is_rejected() {
        let sealer = ring();
        let other = ring();
        let mut envelope = seal(&other, &aad(), b"v");
        envelope[1..9].copy_from_slice(sealer.current_id().as_bytes());
        assert_eq!(
            open(&sealer, &aad(), &envelope).unwrap_err(),
            OpenError::Rejected
        );
    }

    #[test]
    fn previous_keys_still_open_their_envelopes() {
        let old = MasterKey::generate();
        let old_ring = Keyring::new(old.duplicate(), Vec::new());
        let envelope = seal(&old_ring, &aad(), b"legacy");
        let new_ring = Keyring::new(MasterKey::generate(), vec![old]);
        let opened = open(&new_ring, &aad(), &envelope).expect("previous key opens");
        assert_eq!(opened.expose_secret(), b"legacy");
    }

    #[test]
    fn reseal_moves_old_envelopes_to_the_current_key_and_skips_current_ones() {
        let old = MasterKey::generate();
        let old_ring = Keyring::new(old.duplicate(), Vec::new());
        let old_envelope = seal(&old_ring, &aad(), b"rotate me");
        let ring = Keyring::new(MasterKey::generate(), vec![old]);

        let moved = reseal(&ring, &aad(), &old_envelope)
            .expect("reseals")
            .expect("needed a new envelope");
        assert_eq!(envelope_key_id(&moved), Some(ring.current_id()));
        assert_eq!(
            open(&ring, &aad(), &moved).expect("opens").expose_secret(),
            b"rotate me"
        );
        assert_eq!(reseal(&ring, &aad(), &moved), Ok(None));
    }

    #[test]
    fn reseal_reports_wrong_aad_and_unknown_keys() {
        let old = MasterKey::generate();
        let old_ring = Keyring::new(old.duplicate(), Vec::new());
        let envelope = seal(&old_ring, &aad(), b"x");
        let ring = Keyring::new(MasterKey::generate(), vec![old]);
        assert_eq!(
            reseal(&ring, &Aad::secret("other", "x"), &envelope),
            Err(OpenError::Rejected)
        );
        let stranger = Keyring::new(MasterKey::generate(), Vec::new());
        assert_eq!(
            reseal(&stranger, &aad(), &envelope),
            Err(OpenError::UnknownKey(old_ring.current_id()))
        );
        assert_eq!(
            reseal(&ring, &aad(), b"\x01short"),
            Err(OpenError::Malformed)
        );
    }

    #[test]
    fn truncated_envelopes_are_malformed_or_rejected() {
        let ring = ring();
        let envelope = seal(&ring, &aad(), b"0123456789");
        for len in 0..MIN_LEN {
            assert_eq!(
                open(&ring, &aad(), &envelope[..len]).unwrap_err(),
                OpenError::Malformed,
                "length {len}"
            );
            assert_eq!(envelope_key_id(&envelope[..len]), None);
        }
        for len in MIN_LEN..envelope.len() {
            assert_eq!(
                open(&ring, &aad(), &envelope[..len]).unwrap_err(),
                OpenError::Rejected
            );
        }
    }

    #[test]
    fn unknown_format_bytes_are_malformed() {
        let ring = ring();
        let envelope = seal(&ring, &aad(), b"v");
        for format in [0x00, 0x02, 0x80, 0xff] {
            let mut other = envelope.clone();
            other[0] = format;
            assert_eq!(
                open(&ring, &aad(), &other).unwrap_err(),
                OpenError::Malformed
            );
            assert_eq!(envelope_key_id(&other), None);
        }
    }

    #[test]
    fn empty_long_and_unicode_plaintexts_round_trip() {
        let ring = ring();
        let long: Vec<u8> = (0..1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
        for plaintext in [&b""[..], &long, "pässwörd 🔐 秘密".as_bytes()] {
            let envelope = seal(&ring, &aad(), plaintext);
            assert_eq!(envelope.len(), MIN_LEN + plaintext.len());
            let opened = open(&ring, &aad(), &envelope).expect("opens");
            assert_eq!(opened.expose_secret(), plaintext);
        }
    }

    #[test]
    fn open_string_returns_text_and_rejects_non_utf8() {
        let ring = ring();
        let envelope = seal(&ring, &aad(), "pässwörd 🔐".as_bytes());
        let text = open_string(&ring, &aad(), &envelope).expect("utf-8");
        assert_eq!(text.expose_secret(), "pässwörd 🔐");
        let binary = seal(&ring, &aad(), &[0xff, 0xfe, 0x00]);
        assert_eq!(
            open_string(&ring, &aad(), &binary).unwrap_err(),
            OpenError::Malformed
        );
    }

    #[test]
    fn error_messages_contain_no_secret_data() {
        let id = KeyId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            OpenError::Malformed.to_string(),
            "sealed value is malformed"
        );
        assert_eq!(
            OpenError::UnknownKey(id).to_string(),
            "sealed value uses unknown key 0102030405060708"
        );
        assert_eq!(
            OpenError::Rejected.to_string(),
            "sealed value failed authentication"
        );
    }
}
