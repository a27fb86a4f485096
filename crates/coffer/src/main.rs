//! `coffer`: a thin shell over `coffer-server` and `coffer-store`.
//! `coffer serve` runs the server; `coffer rotate-key` re-seals stored values under the
//! current key; `coffer workspace …` / `coffer org-token …` administer Molecule
//! workspaces and tokens on the database; `coffer account …` administers Mafold accounts
//! and their tokens. Configuration comes from flags, then environment (see [`cli`] and
//! [`env_config`]).
#![forbid(unsafe_code)]

mod account_admin;
mod agent_args;
mod chat_config;
mod cli;
mod embedding_args;
mod env_config;
mod rotate;
mod serve;
mod telemetry;
mod workspace_admin;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("coffer: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            cli::Command::Serve(args) => serve::run(*args).await,
            cli::Command::RotateKey(args) => rotate::run(args).await,
            cli::Command::Workspace(command) => workspace_admin::run_workspace(command).await,
            cli::Command::OrgToken(command) => workspace_admin::run_org_token(command).await,
            cli::Command::Account(command) => account_admin::run(command).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coffer: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
