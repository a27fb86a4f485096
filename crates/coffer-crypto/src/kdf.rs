//! HKDF-SHA256 derivations used for every per-purpose key.
//!
//! Invariant: derived keys are written straight into zeroizing
//! [`KeyMaterial`]; the derivation labels are fixed constants listed here so
//! that changing one is a visible, reviewable format break.

use hkdf::Hkdf;
use sha2::Sha256;

use crate::key_material::KeyMaterial;

/// Salt for turning a passphrase into a master key.
pub(crate) const PASSPHRASE_SALT: &[u8] = b"coffer/master-key/v1";
/// Info for turning a passphrase into a master key.
pub(crate) const PASSPHRASE_INFO: &[u8] = b"coffer master key";
/// Info for a key's public fingerprint.
pub(crate) const KEY_ID_INFO: &[u8] = b"coffer key id";
/// Info for the XChaCha20-Poly1305 sealing key.
pub(crate) const SEAL_INFO: &[u8] = b"coffer seal v1";
/// Info for the Fernet key derived from a master key.
pub(crate) const FERNET_INFO: &[u8] = b"coffer fernet v1";

/// HKDF-SHA256 with the given salt (`None` = RFC 5869 all-zero salt),
/// producing 32 bytes of key material.
pub(crate) fn hkdf_sha256(salt: Option<&[u8]>, ikm: &[u8], info: &[u8]) -> KeyMaterial {
    let mut out = KeyMaterial::zeroed();
    expand_into(salt, ikm, info, out.as_mut_bytes());
    out
}

/// HKDF-SHA256 into a caller-provided buffer (used for non-secret outputs).
pub(crate) fn expand_into(salt: Option<&[u8]>, ikm: &[u8], info: &[u8], okm: &mut [u8]) {
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, okm)
        .expect("HKDF-SHA256 output length is at most 8160 bytes");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_matches_rfc_5869_test_case_1() {
        let ikm = [0x0bu8; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut okm = [0u8; 42];
        expand_into(Some(&salt), &ikm, &info, &mut okm);
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn different_infos_give_unrelated_keys() {
        let ikm = [1u8; 32];
        let a = hkdf_sha256(None, &ikm, SEAL_INFO);
        let b = hkdf_sha256(None, &ikm, FERNET_INFO);
        assert_ne!(a.as_bytes(), b.as_bytes());
    }
}
