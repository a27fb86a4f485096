//! Keys from the environment, read the way the OpenHands agent-server reads them:
//! - session keys: `OH_SESSION_API_KEYS` (a JSON list) or `OH_SESSION_API_KEYS_0`, `_1`, …;
//!   when neither is set, `SESSION_API_KEY`. Empty strings are dropped.
//! - `OH_SECRET_KEY` (blank counts as unset), `OH_PREVIOUS_SECRET_KEYS` (a JSON list, or
//!   `_0`, `_1`, …), `COFFER_MASTER_KEY`, `COFFER_MASTER_KEY_FILE`.
//! - Molecule: `ADMIN_TOKEN` (break-glass bearer) and `COFFER_DEV=1` (development mode).

use std::path::Path;

use anyhow::Context;
use coffer_crypto::SecretString;
use coffer_server::keys::KeyConfig;

pub fn session_keys() -> anyhow::Result<Vec<SecretString>> {
    let keys = match list_var("OH_SESSION_API_KEYS")? {
        Some(keys) => keys,
        None => std::env::var("SESSION_API_KEY").ok().into_iter().collect(),
    };
    Ok(keys
        .into_iter()
        .filter(|k| !k.is_empty())
        .map(SecretString::from)
        .collect())
}

pub fn key_config(data_dir: &Path) -> anyhow::Result<KeyConfig> {
    let var = |name: &str| std::env::var(name).ok().map(SecretString::from);
    Ok(KeyConfig {
        oh_secret_key: var("OH_SECRET_KEY"),
        master_key: var("COFFER_MASTER_KEY"),
        master_key_file: std::env::var_os("COFFER_MASTER_KEY_FILE").map(Into::into),
        previous_secret_keys: list_var("OH_PREVIOUS_SECRET_KEYS")?
            .unwrap_or_default()
            .into_iter()
            .map(SecretString::from)
            .collect(),
        data_dir: data_dir.to_owned(),
    })
}

/// `ADMIN_TOKEN`: the Molecule break-glass bearer (empty counts as unset).
pub fn admin_token() -> Option<SecretString> {
    std::env::var("ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(SecretString::from)
}

/// `COFFER_DEV=1` (or `true`): development mode.
pub fn dev_mode() -> bool {
    std::env::var("COFFER_DEV")
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
}

/// `NAME` as a JSON list of strings, else `NAME_0`, `NAME_1`, … until the first gap.
fn list_var(name: &str) -> anyhow::Result<Option<Vec<String>>> {
    if let Ok(text) = std::env::var(name) {
        let list: Vec<String> = serde_json::from_str(&text)
            .with_context(|| format!("{name} must be a JSON list of strings"))?;
        return Ok(Some(list));
    }
    let indexed: Vec<String> = (0..)
        .map_while(|i| std::env::var(format!("{name}_{i}")).ok())
        .collect();
    Ok((!indexed.is_empty()).then_some(indexed))
}
