//! `coffer account …`: Mafold accounts straight on the database, through the same core
//! operations as the HTTP API (same rules, same events): create a human (with its forks),
//! issue a bearer token (printed once, stored as SHA-256), revoke tokens, list accounts.
//!
//! A SQLite data dir is owned by one process: while `coffer serve` runs on it these
//! commands refuse and say so (stop the server first, or use PostgreSQL, where they work
//! alongside running servers).

use std::sync::Arc;

use anyhow::{Context, bail};
use coffer_core::error::{Denied, Invalid};
use coffer_core::principal::Principal;
use coffer_core::{Core, CoreError};
use coffer_crypto::ExposeSecret;

use crate::cli::{AccountCommand, StorageArgs};
use crate::env_config;

pub async fn run(command: AccountCommand) -> anyhow::Result<()> {
    match command {
        AccountCommand::Add(args) => {
            with_core(&args.storage, |core| async move {
                let account = core
                    .create_account(&Principal::System, &args.name, args.display_name.as_deref())
                    .await?;
                println!(
                    "created {} ({}) with agents {0}:claude and {0}:deepseek",
                    account.username, account.display_name
                );
                Ok(())
            })
            .await
        }
        AccountCommand::Token(args) => {
            with_core(&args.storage, |core| async move {
                let issued = core
                    .issue_account_token(&Principal::System, &args.name)
                    .await?;
                println!("id: {}", issued.id);
                println!("token: {}", issued.token.expose_secret());
                eprintln!(
                    "this token is shown only once; use it as `Authorization: Bearer <token>`"
                );
                Ok(())
            })
            .await
        }
        AccountCommand::RevokeToken(args) => {
            with_core(&args.storage, |core| async move {
                let revoked = core
                    .revoke_account_tokens(&Principal::System, &args.name, args.id.as_deref())
                    .await?;
                println!("revoked {revoked} token(s) of {}", args.name);
                Ok(())
            })
            .await
        }
        AccountCommand::List(storage) => {
            with_core(&storage, |core| async move {
                for account in core.list_all_accounts().await? {
                    let owner = account.parent_username.as_deref().unwrap_or("-");
                    println!(
                        "{}\t{}\t{owner}\t{}",
                        account.username,
                        account.kind.as_str(),
                        account.display_name
                    );
                }
                Ok(())
            })
            .await
        }
    }
}

/// Opens the store, runs `work` on a core over it, and closes the store whatever happens.
async fn with_core<F, Fut>(storage: &StorageArgs, work: F) -> anyhow::Result<()>
where
    F: FnOnce(Arc<Core>) -> Fut,
    Fut: std::future::Future<Output = Result<(), CoreError>>,
{
    let keys = coffer_server::keys::resolve(&env_config::key_config(&storage.data_dir)?)?;
    let store = match coffer_store::open_store(storage.database_url.as_deref(), &storage.data_dir)
        .await
    {
        Ok(store) => store,
        Err(e) if e.downcast_ref::<coffer_store::DatabaseInUse>().is_some() => bail!(
            "the data dir {} is in use by a running coffer server (a SQLite data dir is owned by one \
             process): stop the server to manage accounts, or run coffer on PostgreSQL",
            storage.data_dir.display()
        ),
        Err(e) => return Err(e).context("opening the database"),
    };
    let core = Arc::new(Core::new(store.clone(), keys.keys));
    let result = work(core).await;
    store.close().await;
    result.map_err(explain)
}

/// What went wrong, in words for the command line.
fn explain(e: CoreError) -> anyhow::Error {
    let text = match &e {
        CoreError::InvalidInput(Invalid::InvalidUsername) => {
            "invalid username: use 1-32 of a-z, 0-9, _ and -, starting with a letter or digit"
        }
        CoreError::InvalidInput(Invalid::InvalidDisplayName) => {
            "invalid display name: 1-64 characters, no control characters"
        }
        CoreError::AlreadyExists(_) => "an account with this name already exists",
        CoreError::NotFound(_) => "no such account",
        CoreError::Denied(Denied::AgentSignIn) => "agents have no tokens: they act for their owner",
        _ => return anyhow::anyhow!("{e}"),
    };
    anyhow::anyhow!("{text}")
}
