//! The use cases every dialect calls, as methods on [`Core`]. A dialect handler decodes
//! its wire types, calls one of these, and encodes the answer; no business rule lives in
//! a dialect.
//!
//! - [`secrets`]: list, put, read, delete a scope's secrets.
//! - [`settings`]: read (per exposure) and update the agent settings document.
//! - [`rotation`]: re-seal every stored value under the current key.

mod rotation;
mod secrets;
mod settings;

pub use rotation::RotationReport;

use std::sync::Arc;

use coffer_crypto::{Keyring, MultiFernet};

use crate::domain::Scope;
use crate::event::{EventBus, EventKind, NewEvent, now_ms};
use crate::principal::Principal;
use crate::store::Store;

/// The keys the core seals and exports with.
pub struct CoreKeys {
    /// Seals values at rest (current key) and opens them (current and previous keys).
    pub keyring: Keyring,
    /// Fernet keys for the OpenHands `encrypted` exposure mode and for tokens sent back.
    pub fernet: MultiFernet,
}

pub struct Core {
    store: Arc<dyn Store>,
    keys: CoreKeys,
    bus: EventBus,
}

impl Core {
    pub fn new(store: Arc<dyn Store>, keys: CoreKeys) -> Core {
        Core {
            store,
            keys,
            bus: EventBus::new(),
        }
    }

    /// Recorded changes, as they commit.
    pub fn events(&self) -> &EventBus {
        &self.bus
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn new_event(&self, kind: EventKind, scope: &Scope, name: &str, who: &Principal) -> NewEvent {
        NewEvent {
            kind,
            scope: scope.to_string(),
            name: name.to_owned(),
            actor: who.actor(),
            at_ms: now_ms(),
        }
    }
}
