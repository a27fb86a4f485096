//! Domain newtypes and records. Values are built through `parse` and never expose fields.

mod records;
mod scope;
mod secret_name;

pub use records::{SecretMeta, SecretRecord, SettingsRecord};
pub use scope::Scope;
pub use secret_name::SecretName;
