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
    /// Molecule `ADMIN_TOKEN`: the break-glass bearer (empty counts as unset).
    pub admin_token: Option<SecretString>,
    /// `COFFER_DEV=1`: with no admin token, Molecule routes fail open (loopback only).
    pub dev_mode: bool,
    /// Whether coffer listens on a loopback address only; fail-open needs it.
    pub bound_to_loopback: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_keys: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            cors_origins: Vec::new(),
            admin_token: None,
            dev_mode: false,
            bound_to_loopback: true,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub session_keys: Arc<SessionKeys>,
    pub config: Arc<AppConfig>,
    pub started: Instant,
    /// The Molecule dialect's access rules (admin token digest, fail-open).
    pub access: Arc<coffer_core::ops::AccessPolicy>,
}

impl AppState {
    pub fn new(core: Arc<Core>, config: AppConfig) -> AppState {
        let session_keys = Arc::new(SessionKeys::new(&config.session_keys));
        let access = Arc::new(coffer_core::ops::AccessPolicy::new(
            config.admin_token.as_ref(),
            config.dev_mode,
            config.bound_to_loopback,
        ));
        AppState {
            core,
            session_keys,
            config: Arc::new(config),
            started: Instant::now(),
            access,
        }
    }
}
