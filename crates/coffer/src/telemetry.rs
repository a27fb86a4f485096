//! Logging: `RUST_LOG` filters (default `info`); `LOG_JSON=true` writes one JSON object
//! per line. Logs go to stderr; stdout carries only the ready line. No secret value is
//! ever logged (see docs/ARCHITECTURE.md).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_JSON").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
