//! Where the built-in model's files live.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable naming a directory that holds the model files; when set it
/// takes precedence over the data directory.
pub const MODEL_DIR_ENV: &str = "COFFER_EMBEDDING_MODEL_DIR";

/// The model's directory relative to coffer's data directory (where
/// `scripts/install-model.sh` installs it by default).
pub const MODEL_RELATIVE_DIR: &str = "models/all-MiniLM-L6-v2";

/// The files [`MiniLm::load`](crate::MiniLm::load) reads.
pub const MODEL_FILES: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];

/// Whether `dir` holds every file in [`MODEL_FILES`], each non-empty.
pub fn is_complete(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|f| {
        std::fs::metadata(dir.join(f))
            .map(|m| m.is_file() && m.len() > 0)
            .unwrap_or(false)
    })
}

/// The directory to load the built-in model from: `$COFFER_EMBEDDING_MODEL_DIR` when
/// set (and `None` if it is incomplete: there is no fallback, so a misconfiguration is
/// noticed), else `<data_dir>/models/all-MiniLM-L6-v2` when complete, else `None`. The
/// caller logs why semantic search is off.
pub fn find_model_dir(data_dir: &Path) -> Option<PathBuf> {
    find_in(std::env::var_os(MODEL_DIR_ENV), data_dir)
}

fn find_in(env_dir: Option<OsString>, data_dir: &Path) -> Option<PathBuf> {
    let dir = match env_dir {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => data_dir.join(MODEL_RELATIVE_DIR),
    };
    is_complete(&dir).then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for f in MODEL_FILES {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
    }

    #[test]
    fn data_dir_default_and_env_override() {
        let tmp = std::env::temp_dir().join(format!("coffer-embed-md-{}", std::process::id()));
        let data = tmp.join("data");
        assert_eq!(find_in(None, &data), None);

        let default = data.join(MODEL_RELATIVE_DIR);
        fill(&default);
        assert_eq!(find_in(None, &data), Some(default.clone()));
        assert_eq!(find_in(Some(OsString::new()), &data), Some(default.clone()));

        // Set but incomplete: no fallback to the data dir.
        let other = tmp.join("other");
        std::fs::create_dir_all(&other).unwrap();
        assert_eq!(find_in(Some(other.clone().into()), &data), None);
        fill(&other);
        assert_eq!(
            find_in(Some(other.clone().into()), &data),
            Some(other.clone())
        );

        // An empty file makes the directory incomplete.
        std::fs::write(other.join("config.json"), b"").unwrap();
        assert!(!is_complete(&other));
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
