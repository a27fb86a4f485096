//! Applies [`crate::migrations::SQLITE`] on the writer connection. The whole run is one
//! `BEGIN IMMEDIATE` transaction: it takes SQLite's write lock up front (waiting up to the
//! busy timeout), so it is all-or-nothing and never interleaves with another connection's
//! write. (A second store cannot run it meanwhile: the store's lock file refuses it.)

use anyhow::Context;
use coffer_core::event::now_ms;
use sqlx::SqlitePool;

use crate::{migrations, sql};

pub(super) async fn run(writer: &SqlitePool) -> anyhow::Result<()> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .context("locking the database for migrations")?;
    sqlx::query(sql::CREATE_SCHEMA_MIGRATIONS)
        .execute(&mut *tx)
        .await
        .context("creating schema_migrations")?;
    let applied: Vec<i64> = sqlx::query_scalar(sql::APPLIED_MIGRATIONS)
        .fetch_all(&mut *tx)
        .await
        .context("reading schema_migrations")?;
    for m in migrations::pending(migrations::SQLITE, &applied)? {
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
            "sqlite: applied migration"
        );
    }
    tx.commit().await.context("committing migrations")?;
    Ok(())
}
