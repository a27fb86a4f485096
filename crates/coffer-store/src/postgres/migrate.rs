//! Applies [`crate::migrations::POSTGRES`] in one transaction that first takes a
//! transaction-scoped advisory lock, so when several coffer instances start at once one
//! migrates and the others wait, then find every migration applied. The lock is released
//! by commit or rollback, even if the process dies mid-way. DDL is transactional in
//! PostgreSQL, so a failed migration leaves nothing behind.

use anyhow::Context;
use coffer_core::event::now_ms;
use sqlx::{AssertSqlSafe, PgPool};

use super::connect::SchemaName;
use crate::{migrations, sql};

/// Advisory lock key for migrations (ASCII "coffmigr"); advisory locks are per database.
pub(super) const MIGRATION_LOCK: i64 = 0x636f_6666_6d69_6772;

pub(super) async fn run(pool: &PgPool, schema: Option<&SchemaName>) -> anyhow::Result<()> {
    let mut tx = pool
        .begin()
        .await
        .context("starting the migration transaction")?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .context("taking the migration lock")?;
    if let Some(schema) = schema {
        // Under the lock: concurrent `CREATE SCHEMA IF NOT EXISTS` can still collide.
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            schema.quoted()
        )))
        .execute(&mut *tx)
        .await
        .context("creating the schema")?;
    }
    sqlx::query(sql::CREATE_SCHEMA_MIGRATIONS)
        .execute(&mut *tx)
        .await
        .context("creating schema_migrations")?;
    let applied: Vec<i64> = sqlx::query_scalar(sql::APPLIED_MIGRATIONS)
        .fetch_all(&mut *tx)
        .await
        .context("reading schema_migrations")?;
    for m in migrations::pending(migrations::POSTGRES, &applied)? {
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("applying migration {} ({})", m.version, m.name))?;
        sqlx::query(sql::RECORD_MIGRATION)
            .bind(m.version)
            .bind(m.name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .context("recording a migration")?;
        tracing::info!(
            migration.version = m.version,
            migration.name = m.name,
            "postgres: applied migration"
        );
    }
    tx.commit().await.context("committing migrations")?;
    Ok(())
}
