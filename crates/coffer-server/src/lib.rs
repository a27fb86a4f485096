//! coffer-server: the HTTP face of coffer. A library (no `main`): the binary and the
//! tests both call [`build_app`] and [`serve`].
//!
//! - [`keys`]: where the master key and the Fernet keys come from.
//! - [`auth`]: session keys, held hashed, compared in constant time.
//! - [`app`]: [`AppConfig`] and the shared state handed to every handler.
//! - [`providers`]: Mafold agents' brain (provider APIs through coffer-llm) behind the
//!   core's `Brain` port.
//! - [`dialects`]: one folder per wire dialect; each decodes, calls `coffer_core::Core`,
//!   encodes, and renders `CoreError` through one exhaustive match.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod dialects;
pub mod keys;
pub mod providers;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use coffer_core::Core;
use tokio::net::TcpListener;

pub use app::AppConfig;

/// Builds the router serving every dialect over `core`.
pub fn build_app(core: Arc<Core>, config: AppConfig) -> Router {
    let state = app::AppState::new(core, config);
    dialects::router(state)
}

/// Serves `app` on an already bound listener until `shutdown` completes, then stops
/// accepting and lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
