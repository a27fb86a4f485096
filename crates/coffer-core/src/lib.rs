//! coffer-core: the one core every wire dialect calls.
//!
//! Layout:
//! - [`domain`]: parsed newtypes ([`domain::Scope`], [`domain::SecretName`]) and records.
//! - [`error`]: [`CoreError`], the single semantic error enum each dialect renders.
//! - [`event`]: every change emits an [`event::Event`] (never a value).
//! - [`principal`]: who is acting, in one model shared by all dialects.
//! - [`store`]: the [`store::Store`] port, implemented by `coffer-store` for SQLite and PostgreSQL.
//! - [`settings`]: the agent-settings document model (defaults, merge, secret fields, validation).
//! - [`ops`]: the use cases, as methods on [`Core`].
//! - [`restarter`]: the [`restarter::Restarter`] port that runs supervised workspaces.
//! - [`brain`]: the port through which Mafold agents' replies are produced (providers).
//!
//! Invariants kept here: a secret value only ever reaches the store sealed (XChaCha20-Poly1305,
//! AAD bound to its row); a value that fails to open is never returned as another value.
#![forbid(unsafe_code)]

pub mod brain;
pub mod domain;
pub mod embedder;
pub mod error;
pub mod event;
pub mod ops;
pub mod principal;
pub mod restarter;
pub mod settings;
pub mod store;

pub use error::CoreError;
pub use ops::{Core, CoreKeys};
