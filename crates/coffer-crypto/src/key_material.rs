//! `KeyMaterial`: the one container for 32 secret key bytes.
//!
//! Invariants: the bytes live in a heap box (moving the owner never copies
//! them), are zeroized on drop, and the type deliberately implements neither
//! `Clone`, `Debug` nor any serialization trait.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// 32 secret bytes, boxed and zeroized on drop.
pub(crate) struct KeyMaterial(Box<[u8; 32]>);

impl KeyMaterial {
    /// All-zero material, to be filled in place (RNG or KDF output).
    pub(crate) fn zeroed() -> Self {
        Self(Box::new([0u8; 32]))
    }

    /// Takes ownership of `bytes`, wiping the caller-visible stack copy.
    pub(crate) fn from_array(mut bytes: [u8; 32]) -> Self {
        let mut material = Self::zeroed();
        material.0.copy_from_slice(&bytes);
        bytes.zeroize();
        material
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; 32] {
        &mut self.0
    }

    /// Explicit copy; key types expose this only under loud names.
    pub(crate) fn duplicate(&self) -> Self {
        let mut copy = Self::zeroed();
        copy.0.copy_from_slice(self.0.as_slice());
        copy
    }
}

impl Zeroize for KeyMaterial {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for KeyMaterial {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_array_keeps_the_bytes_and_zeroize_wipes_them() {
        let mut material = KeyMaterial::from_array([7u8; 32]);
        assert_eq!(material.as_bytes(), &[7u8; 32]);
        let copy = material.duplicate();
        material.zeroize();
        assert_eq!(material.as_bytes(), &[0u8; 32]);
        assert_eq!(copy.as_bytes(), &[7u8; 32]);
    }
}
