//! Building the PostgreSQL pool: URL parsing, the optional per-store schema (set as
//! `search_path` on every pooled connection through the startup options, so no query
//! ever names a schema) and dropping such a schema again (test cleanup).
//!
//! Errors never include the URL: it may carry a password.

use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

const MAX_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A schema name safe to splice into SQL: `[a-z_][a-z0-9_]*`, at most 63 bytes (the
/// PostgreSQL identifier limit), so quoting it can never change its meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SchemaName(String);

impl SchemaName {
    pub(super) fn parse(s: &str) -> anyhow::Result<SchemaName> {
        let mut chars = s.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !(first_ok && rest_ok && s.len() <= 63) || s.starts_with("pg_") {
            bail!(
                "invalid PostgreSQL schema name {s:?}: use [a-z_][a-z0-9_]*, at most 63 bytes, not pg_*"
            );
        }
        Ok(SchemaName(s.to_owned()))
    }

    pub(super) fn as_str(&self) -> &str {
        &self.0
    }

    pub(super) fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }
}

fn parse_url(url: &str) -> anyhow::Result<PgConnectOptions> {
    url.parse::<PgConnectOptions>()
        .map_err(|_| anyhow::anyhow!("the PostgreSQL URL is malformed"))
}

pub(super) async fn pool(url: &str, schema: Option<&SchemaName>) -> anyhow::Result<PgPool> {
    let mut options = parse_url(url)?.application_name("coffer");
    if let Some(schema) = schema {
        // The application name carries the schema so `drop_schema` can find this
        // store's sessions.
        options = options
            .application_name(&application_name(schema))
            .options([("search_path", schema.as_str())]);
    }
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .context("connecting to PostgreSQL")
}

fn application_name(schema: &SchemaName) -> String {
    format!("coffer:{}", schema.as_str())
}

/// Drops `schema` and everything in it, if it exists. Sessions still open on it (a store
/// leaked by a test whose runtime is gone can hold a transaction open forever) are
/// terminated first, so the drop can never wait on their locks.
pub(super) async fn drop_schema(url: &str, schema: &SchemaName) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect_with(&parse_url(url)?)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
    )
    .bind(application_name(schema))
    .execute(&mut conn)
    .await
    .with_context(|| format!("ending sessions on schema {}", schema.as_str()))?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {} CASCADE",
        schema.quoted()
    )))
    .execute(&mut conn)
    .await
    .with_context(|| format!("dropping schema {}", schema.as_str()))?;
    conn.close().await.context("closing the connection")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::SchemaName;

    #[test]
    fn schema_names_are_plain_lowercase_identifiers() {
        for ok in ["coffer", "_t", "coffer_test_0a9f"] {
            assert!(SchemaName::parse(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(64);
        for bad in ["", "9a", "Coffer", "a-b", "a\"b", "pg_temp", long.as_str()] {
            assert!(SchemaName::parse(bad).is_err(), "{bad}");
        }
    }
}
