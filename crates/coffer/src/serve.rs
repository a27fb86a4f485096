//! `coffer serve`: resolve keys, open the store (migrations run there), re-seal old
//! values when previous keys are configured, start the workspace supervisor and its
//! restart driver (unless `--no-supervise`), bind, print the ready line, serve until
//! SIGINT/SIGTERM, then finish in-flight requests, stop workspace processes, pause
//! running OpenHands conversations and close the database. Conversations left `running`
//! by a process that did not stop cleanly come back `paused` at start-up.

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
    let mut core = Core::new(store.clone(), resolved.keys);
    let dev_tokens = env_config::dev_mode() && is_loopback(&args.host);
    if env_config::dev_mode() && !dev_tokens {
        tracing::warn!(
            "COFFER_DEV=1 does not enable Mafold dev tokens: the address is not loopback"
        );
    }
    core = core.with_chat_options(crate::chat_config::options(&args.providers, dev_tokens)?);
    if !args.no_supervise {
        let supervisor = coffer_supervisor::ProcessSupervisor::new(Default::default());
        core = core.with_restarter(Arc::new(supervisor));
    }
    let agents = coffer_agent::AgentRuntime::new(args.agent.config());
    core = core.with_agent_runtime(agents.ports());
    let memory = args
        .embeddings
        .options(&core, &args.storage.data_dir)
        .await?;
    core = core.with_memory_options(memory);
    let core = Arc::new(core);
    core.spawn_reply_sweep();
    core.spawn_memory_indexer();
    core.recover_conversations().await?;
    if resolved.has_previous {
        let report = core.reseal_all(&Principal::System).await?;
        tracing::info!(?report, "re-sealed stored values under the current key");
    }
    let dev_mode = env_config::dev_mode();
    let admin_token = env_config::admin_token();
    let loopback = is_loopback(&args.host);
    if dev_mode && (admin_token.is_some() || !loopback) {
        tracing::warn!(
            "COFFER_DEV=1 does not open Molecule routes: ADMIN_TOKEN is set or the address is not loopback"
        );
    }
    let config = AppConfig {
        session_keys,
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins,
        admin_token,
        dev_mode,
        bound_to_loopback: loopback,
    };
    let app = coffer_server::build_app(core.clone(), config);
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot bind {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    // Workspace processes start once the address is ours, before the ready line.
    let driver = match args.no_supervise {
        true => None,
        false => Some(core.start_restart_driver().await?),
    };
    let shown_host = if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let own_url = match &args.agent.internal_url {
        Some(url) => url.clone(),
        None => internal_url(&addr),
    };
    core.set_internal_url(&own_url)?;
    let shutdown = shutdown_signal();
    println!("coffer listening on http://{shown_host}:{}", addr.port());
    let served = coffer_server::serve(listener, app, shutdown).await;
    if let Some(driver) = driver {
        tracing::info!("shutting down: stopping workspace processes");
        driver.shutdown().await;
    }
    tracing::info!("shutting down: pausing running conversations");
    core.stop_conversations().await;
    tracing::info!("shutting down: closing the database");
    store.close().await;
    served.context("server error")
}

/// The original only warns when it binds a wildcard address without a key; coffer
/// refuses unless told otherwise.
fn refuse_open_exposure(args: &ServeArgs, no_keys: bool) -> anyhow::Result<()> {
    if no_keys && !is_loopback(&args.host) && !args.allow_unauthenticated {
        bail!(
            "refusing to serve on {} with no session key: set SESSION_API_KEY (or OH_SESSION_API_KEYS), \
             or pass --allow-unauthenticated if this network is trusted",
            args.host
        );
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// coffer's own URL as its agents reach it: a wildcard address becomes loopback.
fn internal_url(addr: &std::net::SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv6() => "[::1]".to_owned(),
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        ip if ip.is_ipv6() => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("http://{ip}:{}", addr.port())
}

/// Registers the SIGINT/SIGTERM handlers now — before the ready line is printed, so a
/// signal sent right after it is never the default (fatal) action — and returns the
/// future that completes on either.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {},
                () = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("signal received: finishing in-flight requests");
    }
}
