//! Domain newtypes and records. Values are built through `parse` and never expose fields.

mod scope;
mod secret_name;
mod records;

pub use records::{SecretMeta, SecretRecord, SettingsRecord};
pub use scope::Scope;
pub use secret_name::SecretName;
