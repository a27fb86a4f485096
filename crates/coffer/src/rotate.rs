//! `coffer rotate-key`: re-seals every stored value under the current key, using
//! `OH_PREVIOUS_SECRET_KEYS` to open old ones. Works on the database directly. On
//! PostgreSQL running servers may stay up (each row is replaced compare-and-set); a
//! SQLite data dir is owned by one process, so stop the server first (or let start-up
//! re-seal, which it does whenever previous keys are configured).

use std::sync::Arc;

use coffer_core::Core;
use coffer_core::principal::Principal;

use crate::cli::StorageArgs;
use crate::env_config;

pub async fn run(args: StorageArgs) -> anyhow::Result<()> {
    let keys = coffer_server::keys::resolve(&env_config::key_config(&args.data_dir)?)?;
    let store = coffer_store::open_store(args.database_url.as_deref(), &args.data_dir).await?;
    let core = Arc::new(Core::new(store.clone(), keys.keys));
    let report = core.reseal_all(&Principal::System).await;
    store.close().await;
    let report = report?;
    println!(
        "re-sealed {} secrets and {} settings documents; {} values open under no configured key",
        report.secrets_resealed, report.settings_resealed, report.unreadable
    );
    Ok(())
}
