//! Fernet tokens, byte-compatible with Python `cryptography.fernet`, so
//! secrets written by the original server (keyed by `OH_SECRET_KEY`) can be
//! read and re-written.
//!
//! Token = urlsafe-base64 (padded) of
//! `0x80 ‖ u64_be(unix seconds) ‖ IV[16] ‖ AES-128-CBC-PKCS7(plaintext) ‖
//! HMAC-SHA256(signing key, all previous bytes)`, where the 32-byte Fernet
//! key is `signing key[16] ‖ encryption key[16]`.
//!
//! Invariants: the HMAC is verified in constant time before any decryption;
//! every malformed input yields `None` and never panics; no TTL is enforced
//! (timestamps are ignored on decrypt, as with Python's `ttl=None`); the key
//! is zeroized on drop and its `Debug` is redacted.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::digest::sha256;
use crate::kdf::{FERNET_INFO, hkdf_sha256};
use crate::key_material::KeyMaterial;
use crate::master_key::MasterKey;
use crate::random::fill_random;
use crate::secret::{secret_bytes, secret_string};
use crate::{SecretBox, SecretString};

type HmacSha256 = Hmac<Sha256>;
type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

const VERSION: u8 = 0x80;
const BLOCK: usize = 16;
const HEADER_LEN: usize = 1 + 8 + BLOCK;
const MAC_LEN: usize = 32;
/// Version, timestamp, IV, one ciphertext block, MAC.
const MIN_TOKEN_BYTES: usize = HEADER_LEN + BLOCK + MAC_LEN;

/// Decoder as lenient as Python's `urlsafe_b64decode` about padding and
/// trailing bits (neither affects the decoded bytes the HMAC covers).
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Whether `s` has the shape of a Fernet token (every token starts with
/// `gAAAAA`: version byte 0x80 and the high bytes of a present-day
/// timestamp). A cheap heuristic, not a validity check.
#[must_use]
pub fn looks_like_fernet_token(s: &str) -> bool {
    s.starts_with("gAAAAA")
}

/// A 32-byte Fernet key (signing half ‖ encryption half).
pub struct FernetKey {
    key: KeyMaterial,
}

impl FernetKey {
    /// The key the original Python server derives from `OH_SECRET_KEY`:
    /// SHA-256 of the UTF-8 string.
    #[must_use]
    pub fn from_secret_key(secret_key: &str) -> FernetKey {
        FernetKey {
            key: KeyMaterial::from_array(sha256(secret_key.as_bytes())),
        }
    }

    /// A Fernet key owned by coffer itself:
    /// HKDF-SHA256(master, info = "coffer fernet v1").
    #[must_use]
    pub fn from_master(master: &MasterKey) -> FernetKey {
        FernetKey {
            key: hkdf_sha256(None, master.expose_bytes(), FERNET_INFO),
        }
    }

    /// Wraps raw key bytes (the argument's stack copy is wiped).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> FernetKey {
        FernetKey {
            key: KeyMaterial::from_array(bytes),
        }
    }

    /// Parses a Python Fernet key string (urlsafe base64 of 32 bytes).
    #[must_use]
    pub fn from_urlsafe_b64(key: &str) -> Option<FernetKey> {
        let decoded = Zeroizing::new(LENIENT_URL_SAFE.decode(key.trim()).ok()?);
        let bytes: &[u8; 32] = decoded.as_slice().try_into().ok()?;
        Some(FernetKey::from_bytes(*bytes))
    }

    /// The key in Python's format (`Fernet(key)` accepts it); zeroized on drop.
    #[must_use]
    pub fn to_urlsafe_b64(&self) -> Zeroizing<String> {
        Zeroizing::new(URL_SAFE.encode(self.key.as_bytes()))
    }

    fn signing_key(&self) -> &[u8; 16] {
        &self.key.as_bytes().as_chunks::<16>().0[0]
    }

    fn encryption_key(&self) -> &[u8; 16] {
        &self.key.as_bytes().as_chunks::<16>().0[1]
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new_from_slice(self.signing_key())
            .expect("HMAC accepts keys of any length")
    }

    /// Encrypts with a random IV and the current time.
    ///
    /// # Panics
    ///
    /// Panics if the OS RNG is unavailable.
    #[must_use]
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        let mut iv = [0u8; BLOCK];
        fill_random(&mut iv);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        self.encrypt_at(plaintext, now, iv)
    }

    /// Deterministic encryption with a caller-chosen timestamp and IV
    /// (Python's `Fernet._encrypt_from_parts`). For tests and known-answer
    /// vectors only: reusing an IV leaks plaintext equality.
    #[must_use]
    pub fn encrypt_at(&self, plaintext: &[u8], unix_secs: u64, iv: [u8; 16]) -> String {
        let padded_len = (plaintext.len() / BLOCK + 1) * BLOCK;
        // Exact capacity: the plaintext copy is encrypted in place and the
        // buffer never reallocates.
        let mut data = Vec::with_capacity(HEADER_LEN + padded_len + MAC_LEN);
        data.push(VERSION);
        data.extend_from_slice(&unix_secs.to_be_bytes());
        data.extend_from_slice(&iv);
        data.extend_from_slice(plaintext);
        data.resize(HEADER_LEN + padded_len, 0);
        Aes128CbcEnc::new(self.encryption_key().into(), &iv.into())
            .encrypt_padded::<Pkcs7>(&mut data[HEADER_LEN..], plaintext.len())
            .expect("buffer sized for PKCS#7 padding");
        let mut mac = self.mac();
        mac.update(&data);
        data.extend_from_slice(&mac.finalize().into_bytes());
        URL_SAFE.encode(&data)
    }

    /// Verifies and decrypts a token (padded or not, surrounding whitespace
    /// ignored). Any invalid input → `None`. No TTL check.
    #[must_use]
    pub fn decrypt(&self, token: &str) -> Option<SecretBox<[u8]>> {
        let data = LENIENT_URL_SAFE.decode(token.trim()).ok()?;
        if data.len() < MIN_TOKEN_BYTES
            || data[0] != VERSION
            || !(data.len() - HEADER_LEN - MAC_LEN).is_multiple_of(BLOCK)
        {
            return None;
        }
        let (signed, tag) = data.split_at(data.len() - MAC_LEN);
        let mut mac = self.mac();
        mac.update(signed);
        mac.verify_slice(tag).ok()?; // constant-time comparison

        let iv: &[u8; 16] = signed[9..HEADER_LEN].try_into().ok()?;
        let mut buffer = Zeroizing::new(signed[HEADER_LEN..].to_vec());
        let plaintext = Aes128CbcDec::new(self.encryption_key().into(), iv.into())
            .decrypt_padded::<Pkcs7>(&mut buffer)
            .ok()?;
        Some(secret_bytes(plaintext))
    }

    /// [`FernetKey::decrypt`], then require UTF-8.
    #[must_use]
    pub fn decrypt_string(&self, token: &str) -> Option<SecretString> {
        use secrecy::ExposeSecret;
        secret_string(self.decrypt(token)?.expose_secret())
    }
}

impl fmt::Debug for FernetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FernetKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    const OH_SECRET_KEY: &str = "test-secret-key-for-transcripts";
    /// `base64.urlsafe_b64encode(hashlib.sha256(OH_SECRET_KEY).digest())`
    const PYTHON_KEY: &str = "pa1ftKEtNnr4bPCnnH7TMuhKf21OM9nCQzUsRvz1yTs=";
    /// Python cryptography 48.0.0:
    /// `Fernet(PYTHON_KEY)._encrypt_from_parts(b"hello from python fernet",
    /// 1700000000, bytes(range(16)))`
    const PYTHON_TOKEN: &str = "gAAAAABlU_EAAAECAwQFBgcICQoLDA0OD-JggYbIPs8p8soTrtUWULsU-3havlk0lZGhWeDV5RNq39rSuOxC-kmGZr1X7adgHeCNukNdnTAyssTa1RSHbc0=";
    /// `_encrypt_from_parts(b"", 0, bytes(16))`
    const PYTHON_EMPTY_TOKEN: &str = "gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAbVsAO6Nq-sGRVP7T1ebL8ZqzzFbVLnekXXPt1Vp2jzvOzcsMyWGimcbQtgXeSLDQ==";
    /// `_encrypt_from_parts("héllo wörld 🔑 秘密".encode(), 1234567890, b"\xab" * 16)`
    const PYTHON_UNICODE_TOKEN: &str = "gAAAAABJlgLSq6urq6urq6urq6urq6urq3tv3WcNknMfmixECBpRY9_4F00_jyjV6KldGYJmbR4IqnDnAXjxRPeUDMKHEwj2GetVmoUn4yVE8W1EGAytpvA=";
    /// Written by the original server under `OH_SECRET_KEY`.
    const SERVER_TOKEN: &str = "gAAAAABrCRytKxfzVN3VxLa4geq22ShZ1GQE84Hpg-a19Wg5IfVG7T581pZu0LoJG20uW2oDQPuG3qKQQmcTmdWlMBrNQXyCX9oKP0fn5IMUvqqGX0_PORM=";

    fn oh_key() -> FernetKey {
        FernetKey::from_secret_key(OH_SECRET_KEY)
    }

    #[test]
    fn from_secret_key_matches_the_python_key_string() {
        assert_eq!(oh_key().to_urlsafe_b64().as_str(), PYTHON_KEY);
        let parsed = FernetKey::from_urlsafe_b64(PYTHON_KEY).expect("valid key");
        assert_eq!(parsed.key.as_bytes(), oh_key().key.as_bytes());
    }

    #[test]
    fn encrypt_at_reproduces_python_tokens_byte_for_byte() {
        let key = oh_key();
        let iv: [u8; 16] = std::array::from_fn(|i| u8::try_from(i).expect("below 16"));
        assert_eq!(
            key.encrypt_at(b"hello from python fernet", 1_700_000_000, iv),
            PYTHON_TOKEN
        );
        assert_eq!(key.encrypt_at(b"", 0, [0; 16]), PYTHON_EMPTY_TOKEN);
        assert_eq!(
            key.encrypt_at("héllo wörld 🔑 秘密".as_bytes(), 1_234_567_890, [0xab; 16]),
            PYTHON_UNICODE_TOKEN
        );
    }

    #[test]
    fn decrypt_opens_python_tokens() {
        let key = oh_key();
        let opened = key.decrypt(PYTHON_TOKEN).expect("python token");
        assert_eq!(opened.expose_secret(), b"hello from python fernet");
        assert!(
            key.decrypt(PYTHON_EMPTY_TOKEN)
                .expect("empty")
                .expose_secret()
                .is_empty()
        );
        let text = key.decrypt_string(PYTHON_UNICODE_TOKEN).expect("unicode");
        assert_eq!(text.expose_secret(), "héllo wörld 🔑 秘密");
    }

    #[test]
    fn a_token_from_the_original_server_decrypts_to_its_plaintext() {
        let text = oh_key().decrypt_string(SERVER_TOKEN).expect("server token");
        assert_eq!(text.expose_secret(), "sk-test-plain-123");
    }

    #[test]
    fn tokens_without_padding_or_with_surrounding_whitespace_are_accepted() {
        let key = oh_key();
        let unpadded = SERVER_TOKEN.trim_end_matches('=');
        assert_ne!(unpadded, SERVER_TOKEN);
        assert_eq!(
            key.decrypt_string(unpadded)
                .expect("unpadded")
                .expose_secret(),
            "sk-test-plain-123"
        );
        let spaced = format!("  {SERVER_TOKEN}\n");
        assert!(key.decrypt(&spaced).is_some());
    }

    #[test]
    fn encrypt_then_decrypt_round_trips() {
        let key = FernetKey::from_master(&MasterKey::generate());
        let long = vec![0x5a; 100_000];
        for plaintext in [&b""[..], b"x", &[7u8; 16], &long, "ключ 🔑".as_bytes()] {
            let token = key.encrypt(plaintext);
            assert!(looks_like_fernet_token(&token));
            assert!(token.len().is_multiple_of(4), "padded base64");
            assert_eq!(
                key.decrypt(&token).expect("round trip").expose_secret(),
                plaintext
            );
        }
    }

    #[test]
    fn two_encryptions_of_the_same_plaintext_differ() {
        let key = oh_key();
        assert_ne!(key.encrypt(b"same"), key.encrypt(b"same"));
    }

    #[test]
    fn a_wrong_key_gets_none() {
        let token = oh_key().encrypt(b"secret");
        assert!(
            FernetKey::from_secret_key("another key")
                .decrypt(&token)
                .is_none()
        );
        assert!(
            FernetKey::from_secret_key("another key")
                .decrypt(SERVER_TOKEN)
                .is_none()
        );
    }

    #[test]
    fn garbage_short_and_non_base64_input_gets_none() {
        let key = oh_key();
        let valid = key.encrypt(b"some secret");
        let shortest_valid_bytes = LENIENT_URL_SAFE.decode(&valid).expect("b64").len();
        assert_eq!(shortest_valid_bytes, MIN_TOKEN_BYTES);
        let mut cases: Vec<String> = vec![
            String::new(),
            "gAAAAA".into(),
            "not base64 at all!".into(),
            "gAAAAABrCRytKxfzVN3VxLa4geq22ShZ1GQE84Hpg+a19Wg5".into(),
            "ü".repeat(100),
            URL_SAFE.encode([0x80; 72]),
            URL_SAFE.encode([0x80; 200]),
            URL_SAFE.encode([0u8; 89]),
        ];
        let bytes = LENIENT_URL_SAFE.decode(&valid).expect("b64");
        for len in 0..bytes.len() {
            cases.push(URL_SAFE.encode(&bytes[..len]));
        }
        let mut wrong_version = bytes.clone();
        wrong_version[0] = 0x81;
        cases.push(URL_SAFE.encode(&wrong_version));
        for case in &cases {
            assert!(key.decrypt(case).is_none(), "{case:?}");
            assert!(key.decrypt_string(case).is_none(), "{case:?}");
        }
    }

    #[test]
    fn any_flipped_bit_in_the_token_bytes_is_rejected() {
        let key = oh_key();
        let bytes = LENIENT_URL_SAFE.decode(SERVER_TOKEN).expect("b64");
        for byte in 0..bytes.len() {
            for bit in 0..8 {
                let mut tampered = bytes.clone();
                tampered[byte] ^= 1 << bit;
                assert!(key.decrypt(&URL_SAFE.encode(&tampered)).is_none());
            }
        }
    }

    #[test]
    fn decrypt_string_rejects_non_utf8_plaintext() {
        let key = oh_key();
        let token = key.encrypt(&[0xff, 0xfe]);
        assert!(key.decrypt(&token).is_some());
        assert!(key.decrypt_string(&token).is_none());
    }

    #[test]
    fn from_master_matches_the_python_hkdf_reference_value() {
        // python: urlsafe_b64encode(HKDF(SHA256, 32, None, b"coffer fernet v1").derive(b"\x42"*32))
        let key = FernetKey::from_master(&MasterKey::from_bytes([0x42; 32]));
        assert_eq!(
            key.to_urlsafe_b64().as_str(),
            "PThq9C57KP7kVGwNaTWTklOBEOquUQQq5_AZoEBwzh0="
        );
    }

    #[test]
    fn from_bytes_and_from_urlsafe_b64_agree_and_bad_key_strings_are_refused() {
        let key = FernetKey::from_bytes([3u8; 32]);
        let text = key.to_urlsafe_b64();
        let parsed = FernetKey::from_urlsafe_b64(&text).expect("round trip");
        assert_eq!(parsed.key.as_bytes(), &[3u8; 32]);
        assert!(FernetKey::from_urlsafe_b64("").is_none());
        assert!(FernetKey::from_urlsafe_b64("c2hvcnQ=").is_none());
        assert!(FernetKey::from_urlsafe_b64("!!!!").is_none());
    }

    #[test]
    fn debug_never_contains_key_bytes() {
        let key = oh_key();
        let debug = format!("{key:?}");
        assert_eq!(debug, "FernetKey(<redacted>)");
        assert!(!debug.contains(&hex::encode(key.key.as_bytes())[..8]));
        assert!(!debug.contains(&PYTHON_KEY[..8]));
    }

    #[test]
    fn looks_like_fernet_token_checks_the_prefix() {
        assert!(looks_like_fernet_token(SERVER_TOKEN));
        assert!(!looks_like_fernet_token("sk-test-plain-123"));
        assert!(!looks_like_fernet_token(""));
        assert!(!looks_like_fernet_token("gAAAA"));
    }
}
