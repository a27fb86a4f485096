//! Command-line flags. Every flag also reads an environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "coffer",
    version,
    about = "Keeps an agent platform's LLM settings, provider keys and secrets sealed, and serves them."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server.
    Serve(Box<ServeArgs>),
    /// Re-seal every stored value under the current key (old keys from OH_PREVIOUS_SECRET_KEYS).
    RotateKey(StorageArgs),
    /// Manage Molecule workspaces, directly in the database (no server needed; a SQLite
    /// data dir must not be open in a running `coffer serve`).
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Manage Molecule org tokens (named, revocable, reach every workspace), directly in
    /// the database.
    #[command(subcommand)]
    OrgToken(OrgTokenCommand),
    /// Manage Mafold accounts, directly in the database (no server needed; a SQLite data
    /// dir must not be open in a running `coffer serve`).
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Create a human account, with its agents `<name>:claude` and `<name>:deepseek`.
    Add(AccountAddArgs),
    /// Issue a bearer token for a human account; prints its id and the token (shown
    /// only this once; only its SHA-256 is stored).
    Token(AccountNameArgs),
    /// Revoke one of the account's tokens (`--id`), or all of them.
    RevokeToken(AccountRevokeArgs),
    /// List every account.
    List(StorageArgs),
}

#[derive(Args, Debug)]
pub struct AccountAddArgs {
    /// The username: 1-32 of a-z, 0-9, `_` and `-` (stored lowercase).
    pub name: String,
    /// Shown in chats (default: the username).
    #[arg(long)]
    pub display_name: Option<String>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Args, Debug)]
pub struct AccountNameArgs {
    pub name: String,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Args, Debug)]
pub struct AccountRevokeArgs {
    pub name: String,
    /// The token id printed by `coffer account token`; without it, every token goes.
    #[arg(long)]
    pub id: Option<String>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// Where Mafold agents' providers live (API keys: `COFFER_ANTHROPIC_API_KEY` and
/// `COFFER_DEEPSEEK_API_KEY` for the house agents, environment only).
#[derive(Args, Debug, Clone)]
pub struct ProviderArgs {
    /// The Anthropic Messages API (`{base}/v1/messages`).
    #[arg(
        long,
        env = "COFFER_ANTHROPIC_BASE_URL",
        default_value = "https://api.anthropic.com"
    )]
    pub anthropic_base_url: String,
    #[arg(
        long,
        env = "COFFER_ANTHROPIC_MODEL",
        default_value = "claude-sonnet-4-5"
    )]
    pub anthropic_model: String,
    #[arg(long, env = "COFFER_ANTHROPIC_MAX_TOKENS", default_value_t = 1024)]
    pub anthropic_max_tokens: u32,
    /// DeepSeek's OpenAI-compatible API (`{base}/chat/completions`).
    #[arg(
        long,
        env = "COFFER_DEEPSEEK_BASE_URL",
        default_value = "https://api.deepseek.com"
    )]
    pub deepseek_base_url: String,
    #[arg(long, env = "COFFER_DEEPSEEK_MODEL", default_value = "deepseek-chat")]
    pub deepseek_model: String,
    #[arg(long, env = "COFFER_DEEPSEEK_MAX_TOKENS", default_value_t = 1024)]
    pub deepseek_max_tokens: u32,
    /// Seconds to wait for a provider's response, and the longest silence mid-stream.
    #[arg(long, env = "COFFER_PROVIDER_TIMEOUT_SECS", default_value_t = 60)]
    pub provider_timeout_secs: u64,
}

#[derive(Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// Create a workspace; prints its id and its bearer token (shown only this once).
    Create(CreateWorkspaceArgs),
    /// List every workspace, removed ones included.
    List(StorageArgs),
    /// Rotate a workspace's token: every earlier token stops working; prints the new one.
    Token(WorkspaceTokenArgs),
    /// Delete a removed workspace's secrets, KV memory and checkpoints (refused unless
    /// the workspace is `removed`).
    Purge(WorkspaceTokenArgs),
}

#[derive(Args, Debug)]
pub struct CreateWorkspaceArgs {
    pub name: String,
    /// The parent workspace's id (the org tree).
    #[arg(long)]
    pub parent: Option<String>,
    /// The runtime (default `langgraph`; `external` is never restarted by coffer).
    #[arg(long)]
    pub runtime: Option<String>,
    /// A shell command coffer runs (and restarts) with the workspace's secrets as
    /// environment.
    #[arg(long)]
    pub command: Option<String>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Args, Debug)]
pub struct WorkspaceTokenArgs {
    /// The workspace's id.
    pub id: String,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Subcommand, Debug)]
pub enum OrgTokenCommand {
    /// Create an org token; prints its prefix and the token (shown only this once).
    Create(OrgTokenCreateArgs),
    /// Revoke the live org token with this 8-character prefix.
    Revoke(OrgTokenRevokeArgs),
}

#[derive(Args, Debug)]
pub struct OrgTokenCreateArgs {
    pub name: String,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Args, Debug)]
pub struct OrgTokenRevokeArgs {
    pub prefix: String,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Args, Debug, Clone)]
pub struct StorageArgs {
    /// Where the SQLite file and the generated master key live.
    #[arg(long, env = "COFFER_DATA_DIR", default_value = "./coffer-data")]
    pub data_dir: PathBuf,
    /// A postgres:// URL selects PostgreSQL; absent means embedded SQLite.
    #[arg(long, env = "COFFER_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[arg(long, env = "COFFER_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// 0 picks a free port.
    #[arg(long, env = "COFFER_PORT", default_value_t = 8000)]
    pub port: u16,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Allow binding a non-loopback address with no session key configured.
    #[arg(long, env = "COFFER_ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "COFFER_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Extra CORS origins (comma-separated), besides localhost and 127.0.0.1.
    #[arg(long, env = "COFFER_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Do not run Molecule workspaces' commands nor announce restarts on this instance
    /// (with several instances on one PostgreSQL database, exactly one should).
    #[arg(long, env = "COFFER_NO_SUPERVISE")]
    pub no_supervise: bool,
    #[command(flatten)]
    pub providers: ProviderArgs,
    #[command(flatten)]
    pub agent: crate::agent_args::AgentArgs,
    #[command(flatten)]
    pub embeddings: crate::embedding_args::EmbeddingArgs,
}
