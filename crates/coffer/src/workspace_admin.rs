//! `coffer workspace …` and `coffer org-token …`: Molecule administration straight on the
//! database, through the same core operations as the HTTP API (so the same rules and
//! the same events). Plaintext tokens are printed once, on stdout, and never logged.
//!
//! A SQLite data dir is owned by one process: while `coffer serve` runs on it these
//! commands refuse with an explanation (use the HTTP API with `ADMIN_TOKEN` or an org
//! token then, or PostgreSQL, where they work alongside running servers — which pick
//! the change up from the event log within a second).

use std::sync::Arc;

use anyhow::{Context, bail};
use coffer_core::domain::{NewWorkspace, OrgTokenName, WorkspaceId};
use coffer_core::error::{Missing, WorkspaceAction};
use coffer_core::principal::Principal;
use coffer_core::store::Store;
use coffer_core::{Core, CoreError};
use coffer_crypto::ExposeSecret;

use crate::cli::{OrgTokenCommand, StorageArgs, WorkspaceCommand};
use crate::env_config;

pub async fn run_workspace(command: WorkspaceCommand) -> anyhow::Result<()> {
    match command {
        WorkspaceCommand::Create(args) => {
            let new = NewWorkspace::parse(
                &args.name,
                args.parent.as_deref(),
                args.runtime.as_deref(),
                args.command.as_deref(),
            )
            .map_err(|reason| anyhow::anyhow!("{reason}"))?;
            with_core(&args.storage, |core| async move {
                let created = core.create_workspace(&Principal::System, new).await?;
                println!("id: {}", created.workspace.id);
                println!("token: {}", created.token.expose_secret());
                Ok(())
            })
            .await
        }
        WorkspaceCommand::List(storage) => {
            with_core(&storage, |core| async move {
                for w in core.list_workspaces(true).await? {
                    let parent = w
                        .parent_id
                        .map_or_else(|| "-".to_owned(), |p| p.to_string());
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        w.id,
                        w.status,
                        w.runtime.as_str(),
                        parent,
                        w.name.as_str()
                    );
                }
                Ok(())
            })
            .await
        }
        WorkspaceCommand::Token(args) => {
            let Some(id) = WorkspaceId::parse(&args.id) else {
                bail!("{:?} is not a workspace id (a lowercase UUID)", args.id);
            };
            with_core(&args.storage, |core| async move {
                let (token, _) = core.rotate_workspace_token(&Principal::System, id).await?;
                println!("token: {}", token.expose_secret());
                Ok(())
            })
            .await
        }
        WorkspaceCommand::Purge(args) => {
            let Some(id) = WorkspaceId::parse(&args.id) else {
                bail!("{:?} is not a workspace id (a lowercase UUID)", args.id);
            };
            with_core(&args.storage, |core| async move {
                let purged = core.purge_workspace(&Principal::System, id).await?;
                println!(
                    "purged: {} secrets, {} memory entries, {} checkpoints",
                    purged.secrets, purged.memory, purged.checkpoints
                );
                Ok(())
            })
            .await
        }
    }
}

pub async fn run_org_token(command: OrgTokenCommand) -> anyhow::Result<()> {
    match command {
        OrgTokenCommand::Create(args) => {
            let Some(name) = OrgTokenName::parse(&args.name) else {
                bail!(
                    "an org token's name is 1 to 100 characters, not blank, without control characters"
                );
            };
            with_core(&args.storage, |core| async move {
                let created = core.create_org_token(&Principal::System, name).await?;
                println!("prefix: {}", created.token.prefix);
                println!("token: {}", created.plaintext.expose_secret());
                Ok(())
            })
            .await
        }
        OrgTokenCommand::Revoke(args) => {
            with_core(&args.storage, |core| async move {
                let revoked = core
                    .revoke_org_token(&Principal::System, &args.prefix)
                    .await?;
                println!("revoked org token {} ({})", revoked.prefix, revoked.name);
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
    let store = open(storage).await?;
    let core = Arc::new(Core::new(store.clone(), keys.keys));
    let result = work(core).await;
    store.close().await;
    result.map_err(|e| anyhow::anyhow!("{}", explain(e)))
}

/// A core error in words for the command line.
fn explain(e: CoreError) -> String {
    match e {
        CoreError::NotFound(Missing::Workspace) => "no such workspace".to_owned(),
        CoreError::NotFound(Missing::OrgToken) => "no live org token has that prefix".to_owned(),
        CoreError::AmbiguousTokenPrefix => {
            "several live org tokens have that prefix: give more of the token".to_owned()
        }
        CoreError::WorkspaceState {
            status,
            action: WorkspaceAction::Purge,
        } => format!(
            "the workspace is {status}, not removed: only a removed workspace can be purged \
             (remove it first: DELETE /workspaces/:id)"
        ),
        CoreError::WorkspaceState { status, .. } => format!("the workspace is {status}"),
        CoreError::InvalidWorkspace(reason) => reason.to_owned(),
        other => other.to_string(),
    }
}

async fn open(storage: &StorageArgs) -> anyhow::Result<Arc<dyn Store>> {
    match coffer_store::open_store(storage.database_url.as_deref(), &storage.data_dir).await {
        Ok(store) => Ok(store),
        Err(e) if e.downcast_ref::<coffer_store::DatabaseInUse>().is_some() => bail!(
            "the data dir {} is in use by a running coffer server (SQLite allows one process): \
             stop the server first, or do this over HTTP (POST /workspaces with ADMIN_TOKEN \
             or an org token)",
            storage.data_dir.display()
        ),
        Err(e) => Err(e).context("opening the database"),
    }
}
