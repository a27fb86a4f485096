//! The read-through cache in front of [`super::SqliteStore::find_secret`] and
//! [`super::SqliteStore::find_settings`], the two reads on every request's hot path.
//!
//! Why it is coherent: a SQLite file is owned by exactly one [`super::SqliteStore`] (the
//! `<file>.lock` taken at open refuses a second store, in this process or another), so
//! every change to the cached tables goes through this store's write paths, and each of
//! them invalidates here before it returns to its caller.
//!
//! Rules:
//! - only found rows are cached: a miss that finds nothing caches nothing (no negative
//!   entries, so a row created behind the store is never hidden);
//! - a miss notes the [`Cache::generation`] *before* its database query and fills the
//!   cache afterwards only if the generation is still the same: every write bumps it, so
//!   a read that raced a write never puts back the row that write replaced;
//! - every write bumps the generation and removes its key once its fate is known,
//!   committed or not, before its caller is answered ([`Invalidate`]); the guard runs
//!   on the writer task, so it also runs when the caller stopped waiting;
//! - each map is cleared when it would exceed [`MAX_ENTRIES`], bounding memory;
//! - after [`Cache::close`] nothing is served or filled.
//!
//! Only sealed bytes are cached — secret envelopes and settings documents whose secret
//! fields are sealed — exactly what the database holds; never a plaintext value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use coffer_core::domain::{SecretRecord, SettingsRecord};

/// A map is cleared instead of growing past this many entries.
pub(super) const MAX_ENTRIES: usize = 50_000;

/// `(scope as stored, secret name)` or `(scope as stored, settings key)`.
pub(super) type Key = (String, String);

#[derive(Default)]
struct Inner {
    generation: u64,
    closed: bool,
    secrets: HashMap<Key, SecretRecord>,
    settings: HashMap<Key, SettingsRecord>,
}

/// Which map a key belongs to.
#[derive(Clone, Copy, Debug)]
pub(super) enum Table {
    Secrets,
    Settings,
}

#[derive(Default)]
pub(super) struct Cache {
    inner: Mutex<Inner>,
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves `Inner` consistent; a panic elsewhere while
        // holding the lock does not make it unusable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached secret, if any.
    pub(super) fn secret(&self, key: &Key) -> Option<SecretRecord> {
        self.lock().secrets.get(key).cloned()
    }

    /// The cached settings document, if any.
    pub(super) fn settings(&self, key: &Key) -> Option<SettingsRecord> {
        self.lock().settings.get(key).cloned()
    }

    /// Read before the database query of a miss; pass it to the fill afterwards.
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Caches `record` if no write happened since `generation` was read.
    pub(super) fn fill_secret(&self, generation: u64, key: Key, record: SecretRecord) {
        let mut inner = self.lock();
        if inner.fillable(generation) {
            insert_bounded(&mut inner.secrets, key, record);
        }
    }

    /// Caches `record` if no write happened since `generation` was read.
    pub(super) fn fill_settings(&self, generation: u64, key: Key, record: SettingsRecord) {
        let mut inner = self.lock();
        if inner.fillable(generation) {
            insert_bounded(&mut inner.settings, key, record);
        }
    }

    /// A write to `key` in `table` finished (or may have): drop the entry and make every
    /// read that started before now unable to fill.
    pub(super) fn invalidate(&self, table: Table, key: &Key) {
        let mut inner = self.lock();
        inner.generation += 1;
        match table {
            Table::Secrets => {
                inner.secrets.remove(key);
            }
            Table::Settings => {
                inner.settings.remove(key);
            }
        }
    }

    /// The store closed: empty, and serve or fill nothing from now on (another store may
    /// own the file next).
    pub(super) fn close(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.closed = true;
        inner.secrets = HashMap::new();
        inner.settings = HashMap::new();
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.secrets.len(), inner.settings.len())
    }
}

impl Inner {
    fn fillable(&self, generation: u64) -> bool {
        !self.closed && self.generation == generation
    }
}

fn insert_bounded<V>(map: &mut HashMap<Key, V>, key: Key, value: V) {
    if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
        // Clearing drops the allocation too: a burst of distinct keys does not pin it.
        *map = HashMap::new();
    }
    map.insert(key, value);
}

/// Invalidates one key when dropped. A write moves it into its writer job, which drops
/// it once the batch holding the write committed or failed, just before answering the
/// caller — and also if the job is dropped unrun (writer stopped, a batch panicked), so
/// no path leaves the old row cached after the write.
pub(super) struct Invalidate {
    cache: Arc<Cache>,
    table: Table,
    key: Key,
}

impl Invalidate {
    pub(super) fn new(cache: &Arc<Cache>, table: Table, key: Key) -> Invalidate {
        Invalidate {
            cache: Arc::clone(cache),
            table,
            key,
        }
    }
}

impl Drop for Invalidate {
    fn drop(&mut self) {
        self.cache.invalidate(self.table, &self.key);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use coffer_core::domain::SecretMeta;

    use super::*;

    fn key(scope: &str, name: &str) -> Key {
        (scope.to_owned(), name.to_owned())
    }

    fn secret(version: i64) -> SecretRecord {
        SecretRecord {
            meta: SecretMeta {
                name: "N".to_owned(),
                description: None,
                version,
                created_at_ms: 1,
                updated_at_ms: version,
            },
            sealed: vec![0xff, u8::try_from(version).unwrap()],
        }
    }

    fn settings(version: i64) -> SettingsRecord {
        SettingsRecord {
            doc: serde_json::json!({ "v": version }),
            sealed: BTreeMap::from([("/k".to_owned(), vec![1, 2])]),
            version,
            updated_at_ms: version,
        }
    }

    #[test]
    fn a_fill_is_served_until_its_key_is_invalidated() {
        let cache = Cache::default();
        let (a, b) = (key("global", "A"), key("global", "B"));
        assert_eq!(cache.secret(&a), None);
        cache.fill_secret(cache.generation(), a.clone(), secret(1));
        cache.fill_secret(cache.generation(), b.clone(), secret(7));
        assert_eq!(cache.secret(&a), Some(secret(1)));

        cache.invalidate(Table::Secrets, &a);
        assert_eq!(cache.secret(&a), None, "the written key is gone");
        assert_eq!(cache.secret(&b), Some(secret(7)), "other keys stay");

        cache.fill_secret(cache.generation(), a.clone(), secret(2));
        assert_eq!(cache.secret(&a), Some(secret(2)));
    }

    #[test]
    fn secrets_and_settings_are_separate_maps() {
        let cache = Cache::default();
        let k = key("account:x", "llm");
        cache.fill_secret(cache.generation(), k.clone(), secret(1));
        cache.fill_settings(cache.generation(), k.clone(), settings(3));
        assert_eq!(cache.settings(&k), Some(settings(3)));

        cache.invalidate(Table::Settings, &k);
        assert_eq!(cache.settings(&k), None);
        assert_eq!(cache.secret(&k), Some(secret(1)));
        cache.invalidate(Table::Secrets, &k);
        assert_eq!(cache.secret(&k), None);
    }

    #[test]
    fn a_read_that_raced_any_write_does_not_fill() {
        let cache = Cache::default();
        let (a, other) = (key("global", "A"), key("global", "OTHER"));

        // Miss: generation noted, then (while the query runs) a write lands.
        let before = cache.generation();
        cache.invalidate(Table::Secrets, &a);
        cache.fill_secret(before, a.clone(), secret(1));
        assert_eq!(
            cache.secret(&a),
            None,
            "the possibly stale row is not put back"
        );

        // Any write refuses it, even to another key or table: the rule is coarse but safe.
        let before = cache.generation();
        cache.invalidate(Table::Settings, &other);
        cache.fill_secret(before, a.clone(), secret(1));
        cache.fill_settings(before, a.clone(), settings(1));
        assert_eq!((cache.secret(&a), cache.settings(&a)), (None, None));

        // A read that started after the write fills.
        let after = cache.generation();
        cache.fill_secret(after, a.clone(), secret(2));
        assert_eq!(cache.secret(&a), Some(secret(2)));
    }

    #[test]
    fn a_fill_just_before_the_invalidation_is_removed_by_it() {
        // The read saw the old row and filled before the write's invalidation ran: the
        // invalidation removes it, so no read after the write's answer sees it.
        let cache = Cache::default();
        let a = key("global", "A");
        let before = cache.generation();
        cache.fill_secret(before, a.clone(), secret(1));
        cache.invalidate(Table::Secrets, &a);
        assert_eq!(cache.secret(&a), None);
    }

    #[test]
    fn the_invalidate_guard_acts_when_dropped() {
        let cache = Arc::new(Cache::default());
        let a = key("global", "A");
        cache.fill_secret(cache.generation(), a.clone(), secret(1));
        let before = cache.generation();
        let guard = Invalidate::new(&cache, Table::Secrets, a.clone());
        assert_eq!(
            cache.secret(&a),
            Some(secret(1)),
            "nothing happens until dropped"
        );
        drop(guard);
        assert_eq!(cache.secret(&a), None);
        assert!(cache.generation() > before);
    }

    #[test]
    fn a_full_map_is_cleared_before_growing() {
        let cache = Cache::default();
        let generation = cache.generation();
        for i in 0..MAX_ENTRIES {
            cache.fill_secret(generation, key("global", &i.to_string()), secret(1));
        }
        assert_eq!(cache.len(), (MAX_ENTRIES, 0));

        // Replacing a present key does not count as growth.
        cache.fill_secret(generation, key("global", "0"), secret(2));
        assert_eq!(cache.len(), (MAX_ENTRIES, 0));
        assert_eq!(cache.secret(&key("global", "0")), Some(secret(2)));

        let new = key("global", "NEW");
        cache.fill_secret(generation, new.clone(), secret(3));
        assert_eq!(cache.len(), (1, 0));
        assert_eq!(cache.secret(&new), Some(secret(3)));
        assert_eq!(cache.secret(&key("global", "1")), None);
    }

    #[test]
    fn a_closed_cache_serves_and_keeps_nothing() {
        let cache = Cache::default();
        let a = key("global", "A");
        cache.fill_secret(cache.generation(), a.clone(), secret(1));
        cache.fill_settings(cache.generation(), a.clone(), settings(1));
        cache.close();
        assert_eq!((cache.secret(&a), cache.settings(&a)), (None, None));
        cache.fill_secret(cache.generation(), a.clone(), secret(2));
        cache.fill_settings(cache.generation(), a.clone(), settings(2));
        assert_eq!(cache.len(), (0, 0));
    }
}
