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
    Serve(ServeArgs),
    /// Re-seal every stored value under the current key (old keys from OH_PREVIOUS_SECRET_KEYS).
    RotateKey(StorageArgs),
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
}
