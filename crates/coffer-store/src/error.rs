//! Turning `sqlx::Error` into [`StoreError`]: the part both backends share. Each backend
//! has exactly one `classify` (in its `error` module) that adds its own "the database is
//! unreachable" codes and delegates the rest here.
//!
//! Rule: pool timeouts, a closed pool and I/O failures are [`StoreError::Unavailable`]
//! (the caller may retry later); everything else is [`StoreError::Other`] with the failed
//! operation as context. Optimistic-concurrency conflicts are detected by the statements
//! themselves (no row affected), never inferred from an error.

use coffer_core::store::StoreError;

/// Classifies `e`; `unavailable_code` says whether a database error code means the
/// database is unreachable or overloaded on this backend.
pub(crate) fn classify_with(e: sqlx::Error, unavailable_code: fn(&str) -> bool) -> StoreError {
    let unavailable = match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    };
    if unavailable {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Other(anyhow::Error::new(e))
    }
}

/// Adds the failed operation's name to an unclassified error.
pub(crate) fn in_op(e: StoreError, op: &'static str) -> StoreError {
    match e {
        StoreError::Other(e) => StoreError::Other(e.context(op)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> bool {
        false
    }

    #[test]
    fn pool_and_io_failures_are_unavailable_and_the_rest_is_other() {
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::other("reset")),
        ] {
            assert!(matches!(
                classify_with(e, never),
                StoreError::Unavailable(_)
            ));
        }
        let other = in_op(
            classify_with(sqlx::Error::RowNotFound, never),
            "find_secret",
        );
        match other {
            StoreError::Other(e) => assert!(format!("{e:#}").starts_with("find_secret: ")),
            e => panic!("expected Other, got {e:?}"),
        }
    }
}
