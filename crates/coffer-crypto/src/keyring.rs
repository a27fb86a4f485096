//! `Keyring`: the current master key plus retired ones still needed to open
//! old envelopes, with each key's sealing subkey derived once up front.
//!
//! Invariants: the current key is always entry 0; ids are unique (a
//! previous key equal to the current one, or repeated, is dropped); each
//! entry's sealing key is HKDF-SHA256(master, info = "coffer seal v1") held
//! in zeroizing storage; `Debug` shows key ids only.

use std::fmt;

use crate::kdf::{SEAL_INFO, hkdf_sha256};
use crate::key_id::KeyId;
use crate::key_material::KeyMaterial;
use crate::master_key::MasterKey;

pub(crate) struct KeyringEntry {
    pub(crate) id: KeyId,
    pub(crate) seal_key: KeyMaterial,
    master: MasterKey,
}

/// The set of master keys a server can open envelopes with. New envelopes
/// are always sealed under the current key.
pub struct Keyring {
    entries: Vec<KeyringEntry>,
}

impl Keyring {
    /// Builds a keyring. `previous` keys (most recent first is conventional)
    /// can still open envelopes but are never used to seal. Duplicates of
    /// the current key or of each other are ignored.
    #[must_use]
    pub fn new(current: MasterKey, previous: Vec<MasterKey>) -> Keyring {
        let mut entries: Vec<KeyringEntry> = Vec::with_capacity(1 + previous.len());
        for master in std::iter::once(current).chain(previous) {
            let id = master.id();
            if entries.iter().any(|entry| entry.id == id) {
                continue;
            }
            let seal_key = hkdf_sha256(None, master.expose_bytes(), SEAL_INFO);
            entries.push(KeyringEntry {
                id,
                seal_key,
                master,
            });
        }
        Keyring { entries }
    }

    /// Id of the key new envelopes are sealed under.
    #[must_use]
    pub fn current_id(&self) -> KeyId {
        self.current_entry().id
    }

    /// The current master key (e.g. to derive a [`FernetKey`](crate::FernetKey)).
    #[must_use]
    pub fn current_key(&self) -> &MasterKey {
        &self.current_entry().master
    }

    /// Whether envelopes under `id` can be opened.
    #[must_use]
    pub fn knows(&self, id: KeyId) -> bool {
        self.entry(id).is_some()
    }

    /// All key ids, current first, then previous keys in the order given.
    #[must_use]
    pub fn ids(&self) -> Vec<KeyId> {
        self.entries.iter().map(|entry| entry.id).collect()
    }

    pub(crate) fn current_entry(&self) -> &KeyringEntry {
        // `new` always inserts the current key first and never removes it.
        &self.entries[0]
    }

    pub(crate) fn entry(&self, id: KeyId) -> Option<&KeyringEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current_id())
            .field("previous", &&self.ids()[1..])
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_list_the_current_key_first_then_previous_keys_in_order() {
        let current = MasterKey::generate();
        let old1 = MasterKey::generate();
        let old2 = MasterKey::generate();
        let expected = vec![current.id(), old1.id(), old2.id()];
        let ring = Keyring::new(current, vec![old1, old2]);
        assert_eq!(ring.ids(), expected);
        assert_eq!(ring.current_id(), expected[0]);
        assert_eq!(ring.current_key().id(), expected[0]);
        assert!(expected.iter().all(|id| ring.knows(*id)));
        assert!(!ring.knows(MasterKey::generate().id()));
    }

    #[test]
    fn duplicate_keys_are_listed_once() {
        let current = MasterKey::generate();
        let old = MasterKey::generate();
        let expected = vec![current.id(), old.id()];
        let ring = Keyring::new(current.duplicate(), vec![current, old.duplicate(), old]);
        assert_eq!(ring.ids(), expected);
    }

    #[test]
    fn seal_key_is_derived_and_differs_from_the_master_key() {
        let ring = Keyring::new(MasterKey::from_bytes([5u8; 32]), Vec::new());
        let entry = ring.current_entry();
        assert_ne!(entry.seal_key.as_bytes(), &[5u8; 32]);
    }

    #[test]
    fn debug_shows_ids_but_never_key_bytes() {
        let current = MasterKey::from_bytes([0xab; 32]);
        let old = MasterKey::from_bytes([0xcd; 32]);
        let secrets = [current.to_hex(), old.to_hex()];
        let ring = Keyring::new(current, vec![old]);
        let debug = format!("{ring:?}");
        let ids = ring.ids();
        assert_eq!(
            debug,
            format!("Keyring {{ current: {}, previous: [{}] }}", ids[0], ids[1])
        );
        for secret in &secrets {
            assert!(!debug.contains(&secret[..16]));
        }
        assert!(!debug.contains("abababab"));
        assert!(!debug.contains("cdcdcdcd"));
    }
}
