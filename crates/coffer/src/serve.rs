//! `coffer serve`: resolve keys, open the store (migrations run there), re-seal old
//! values when previous keys are configured, bind, print the ready line, serve until
//! SIGINT/SIGTERM, then finish in-flight requests and close the database.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use coffer_core::Core;
use coffer_core::principal::Principal;
use coffer_server::AppConfig;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::env_config;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let session_keys = env_config::session_keys()?;
    refuse_open_exposure(&args, session_keys.is_empty())?;
    let resolved = coffer_server::keys::resolve(&env_config::key_config(&args.storage.data_dir)?)?;
    tracing::info!(key.source = ?resolved.source, key.id = %resolved.keys.keyring.current_id(), "master key loaded");
    let store =
        coffer_store::open_store(args.storage.database_url.as_deref(), &args.storage.data_dir)
            .await?;
    let core = Arc::new(Core::new(store.clone(), resolved.keys));
    if resolved.has_previous {
        let report = core.reseal_all(&Principal::System).await?;
        tracing::info!(?report, "re-sealed stored values under the current key");
    }
    let config = AppConfig {
        session_keys,
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins,
    };
    let app = coffer_server::build_app(core, config);
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot bind {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    let shown_host = if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    println!("coffer listening on http://{shown_host}:{}", addr.port());
    let served = coffer_server::serve(listener, app, shutdown_signal()).await;
    tracing::info!("shutting down: closing the database");
    store.close().await;
    served.context("server error")
}

/// The original only warns when it binds a wildcard address without a key; coffer
/// refuses unless told otherwise.
fn refuse_open_exposure(args: &ServeArgs, no_keys: bool) -> anyhow::Result<()> {
    let loopback =
        args.host == "localhost" || args.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if no_keys && !loopback && !args.allow_unauthenticated {
        bail!(
            "refusing to serve on {} with no session key: set SESSION_API_KEY (or OH_SESSION_API_KEYS), \
             or pass --allow-unauthenticated if this network is trusted",
            args.host
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("signal received: finishing in-flight requests");
}
