//! Where coffer's keys come from, in order:
//! 1. `OH_SECRET_KEY` (non-blank): the master key is HKDF-SHA256 of it, and the Fernet key
//!    for the OpenHands `encrypted` mode is SHA-256 of it, exactly as the original, so
//!    tokens interoperate with Python's `cryptography.fernet`.
//! 2. `COFFER_MASTER_KEY` (a passphrase) or `COFFER_MASTER_KEY_FILE` (32 raw bytes, 64 hex
//!    characters, or a passphrase); setting both is an error.
//! 3. `<data-dir>/master.key`, generated on first start with mode 0600 (the data dir 0700).
//!
//! Without `OH_SECRET_KEY` the Fernet key is derived from the master key (the original
//! falls back to the session key, or has no cipher at all). `OH_PREVIOUS_SECRET_KEYS`
//! give previous master and Fernet keys, used to open old values only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use coffer_core::CoreKeys;
use coffer_crypto::{ExposeSecret, FernetKey, Keyring, MasterKey, MultiFernet, SecretString};

#[derive(Debug, Default)]
pub struct KeyConfig {
    pub oh_secret_key: Option<SecretString>,
    pub master_key: Option<SecretString>,
    pub master_key_file: Option<PathBuf>,
    pub previous_secret_keys: Vec<SecretString>,
    pub data_dir: PathBuf,
}

/// Which source the master key came from (for the start-up log line; never the key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    OhSecretKey,
    MasterKeyEnv,
    MasterKeyFile(PathBuf),
    GeneratedFile(PathBuf),
}

pub struct ResolvedKeys {
    pub keys: CoreKeys,
    pub source: KeySource,
    /// True when previous keys are configured (start-up then re-seals old values).
    pub has_previous: bool,
}

pub fn resolve(config: &KeyConfig) -> anyhow::Result<ResolvedKeys> {
    let oh_secret = non_blank(config.oh_secret_key.as_ref());
    let (master, source) = match (
        oh_secret,
        non_blank(config.master_key.as_ref()),
        &config.master_key_file,
    ) {
        (Some(s), _, _) => (MasterKey::from_passphrase(s), KeySource::OhSecretKey),
        (None, Some(_), Some(_)) => {
            bail!("set only one of COFFER_MASTER_KEY and COFFER_MASTER_KEY_FILE")
        }
        (None, Some(s), None) => (MasterKey::from_passphrase(s), KeySource::MasterKeyEnv),
        (None, None, Some(path)) => (read_key_file(path)?, KeySource::MasterKeyFile(path.clone())),
        (None, None, None) => load_or_generate(&config.data_dir)?,
    };
    let fernet = match oh_secret {
        Some(s) => FernetKey::from_secret_key(s),
        None => FernetKey::from_master(&master),
    };
    let previous: Vec<&str> = config
        .previous_secret_keys
        .iter()
        .map(|k| k.expose_secret())
        .filter(|k| !k.trim().is_empty() && Some(*k) != oh_secret)
        .collect();
    let keyring = Keyring::new(
        master,
        previous
            .iter()
            .map(|k| MasterKey::from_passphrase(k))
            .collect(),
    );
    let fernet = MultiFernet::new(
        fernet,
        previous
            .iter()
            .map(|k| FernetKey::from_secret_key(k))
            .collect(),
    );
    Ok(ResolvedKeys {
        keys: CoreKeys { keyring, fernet },
        source,
        has_previous: !previous.is_empty(),
    })
}

fn non_blank(s: Option<&SecretString>) -> Option<&str> {
    s.map(|s| s.expose_secret())
        .filter(|s| !s.trim().is_empty())
}

fn read_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    let bytes = zeroize::Zeroizing::new(
        fs::read(path)
            .with_context(|| format!("cannot read the master key file {}", path.display()))?,
    );
    MasterKey::parse_key_file(&bytes)
        .map_err(|e| anyhow::anyhow!("master key file {}: {e:?}", path.display()))
}

fn load_or_generate(data_dir: &Path) -> anyhow::Result<(MasterKey, KeySource)> {
    create_private_dir(data_dir)?;
    let path = data_dir.join("master.key");
    if path.exists() {
        warn_if_readable_by_others(&path);
        return Ok((read_key_file(&path)?, KeySource::GeneratedFile(path)));
    }
    let key = MasterKey::generate();
    let mut file = private_file(&path)?;
    file.write_all(key.to_hex().as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new master key; back it up: without it nothing stored can be read");
    Ok((key, KeySource::GeneratedFile(path)))
}

/// Creates `dir` (and parents) and restricts it to its owner.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {} to mode 0700", dir.display()))?;
    }
    Ok(())
}

fn private_file(path: &Path) -> anyhow::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if fs::metadata(path).is_ok_and(|meta| meta.permissions().mode() & 0o077 != 0) {
            tracing::warn!(path = %path.display(), "the master key file is readable by group or others; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_generated_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = KeyConfig {
            data_dir: data.clone(),
            ..KeyConfig::default()
        };
        let first = resolve(&config).unwrap();
        let second = resolve(&config).unwrap();
        assert_eq!(
            first.keys.keyring.current_id(),
            second.keys.keyring.current_id()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&data.join("master.key")), 0o600);
            assert_eq!(mode(&data), 0o700);
        }
    }

    #[test]
    fn oh_secret_key_wins_and_previous_keys_are_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let config = KeyConfig {
            oh_secret_key: Some(secret("current")),
            previous_secret_keys: vec![secret("old"), secret(" "), secret("current")],
            data_dir: dir.path().to_owned(),
            ..KeyConfig::default()
        };
        let resolved = resolve(&config).unwrap();
        assert_eq!(resolved.source, KeySource::OhSecretKey);
        assert!(resolved.has_previous);
        assert_eq!(resolved.keys.keyring.ids().len(), 2);
        assert!(!dir.path().join("master.key").exists());
        let token = FernetKey::from_secret_key("old").encrypt(b"v");
        assert!(resolved.keys.fernet.decrypt(&token).is_some());
    }

    #[test]
    fn both_master_key_forms_at_once_are_refused() {
        let config = KeyConfig {
            master_key: Some(secret("a")),
            master_key_file: Some(PathBuf::from("/nonexistent")),
            ..KeyConfig::default()
        };
        assert!(resolve(&config).is_err());
    }
}
