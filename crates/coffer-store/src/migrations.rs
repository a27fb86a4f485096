//! The embedded migration lists, one per backend, and the rule for what is pending.
//!
//! Each backend runs its list in one transaction under a lock (SQLite: `BEGIN IMMEDIATE`;
//! PostgreSQL: a transaction-scoped advisory lock), recording applied versions in
//! `schema_migrations`, so starting twice — or two instances at once — is safe.
//!
//! To change the schema, append a migration with the next version to *both* lists (same
//! version, same name, same resulting table and column names). Never edit an applied one.

use anyhow::bail;

pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "workspaces",
        sql: include_str!("../migrations/sqlite/0002_workspaces.sql"),
    },
    Migration {
        version: 3,
        name: "chats",
        sql: include_str!("../migrations/sqlite/0003_chats.sql"),
    },
    Migration {
        version: 4,
        name: "conversations",
        sql: include_str!("../migrations/sqlite/0004_conversations.sql"),
    },
    Migration {
        version: 5,
        name: "memory_checkpoints",
        sql: include_str!("../migrations/sqlite/0005_memory_checkpoints.sql"),
    },
    Migration {
        version: 6,
        name: "agent_memories",
        sql: include_str!("../migrations/sqlite/0006_agent_memories.sql"),
    },
];

pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "workspaces",
        sql: include_str!("../migrations/postgres/0002_workspaces.sql"),
    },
    Migration {
        version: 3,
        name: "chats",
        sql: include_str!("../migrations/postgres/0003_chats.sql"),
    },
    Migration {
        version: 4,
        name: "conversations",
        sql: include_str!("../migrations/postgres/0004_conversations.sql"),
    },
    Migration {
        version: 5,
        name: "memory_checkpoints",
        sql: include_str!("../migrations/postgres/0005_memory_checkpoints.sql"),
    },
    Migration {
        version: 6,
        name: "agent_memories",
        sql: include_str!("../migrations/postgres/0006_agent_memories.sql"),
    },
];

/// The migrations of `all` not yet in `applied`, in order. A database that has a version
/// this build does not know was migrated by a newer coffer; running on it could misread
/// data, so that is an error.
pub(crate) fn pending<'a>(
    all: &'a [Migration],
    applied: &[i64],
) -> anyhow::Result<Vec<&'a Migration>> {
    if let Some(unknown) = applied
        .iter()
        .find(|v| !all.iter().any(|m| m.version == **v))
    {
        bail!(
            "the database has schema version {unknown}, which this coffer build does not know (was it migrated by a newer coffer?)"
        );
    }
    Ok(all
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_ascending_versions_and_names() {
        let ids = |list: &[Migration]| list.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(ids(SQLITE), ids(POSTGRES));
        assert!(SQLITE.windows(2).all(|w| w[0].version < w[1].version));
    }

    #[test]
    fn pending_skips_applied_and_refuses_unknown_versions() {
        assert_eq!(pending(SQLITE, &[]).unwrap().len(), SQLITE.len());
        assert!(
            pending(SQLITE, &[1])
                .unwrap()
                .iter()
                .all(|m| m.version != 1)
        );
        assert!(pending(SQLITE, &[1, 9999]).is_err());
    }
}
