//! Configuration of the HTTP layer and the state shared by handlers. Built in code by
//! the binary (from flags and environment) and by tests; never read from globals.

use std::sync::Arc;
use std::time::Instant;

use coffer_core::Core;
use coffer_crypto::SecretString;

use crate::auth::SessionKeys;

/// The default request body limit: settings documents and secret values are small.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
pub struct AppConfig {
    /// OpenHands session keys; any one is accepted. Empty disables authentication.
    pub session_keys: Vec<SecretString>,
    /// Bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// Extra CORS origins, besides `localhost` and `127.0.0.1` on any port.
    pub cors_origins: Vec<String>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_keys: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            cors_origins: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub session_keys: Arc<SessionKeys>,
    pub config: Arc<AppConfig>,
    pub started: Instant,
}

impl AppState {
    pub fn new(core: Arc<Core>, config: AppConfig) -> AppState {
        let session_keys = Arc::new(SessionKeys::new(&config.session_keys));
        AppState {
            core,
            session_keys,
            config: Arc::new(config),
            started: Instant::now(),
        }
    }
}
