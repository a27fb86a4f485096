//! The SQLite backend's one error classification (see [`crate::error`] for the rule).

use coffer_core::store::StoreError;

use crate::error::{classify_with, in_op};

/// SQLite primary result codes that mean "try again later": busy or locked past the busy
/// timeout, an I/O error, a full disk, or a file that cannot be opened.
fn unavailable_code(code: &str) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    // sqlx reports the extended code; its low byte is the primary code.
    code.parse::<i32>()
        .is_ok_and(|extended| matches!(extended & 0xff, BUSY | LOCKED | IOERR | FULL | CANTOPEN))
}

pub(crate) fn classify(e: sqlx::Error) -> StoreError {
    classify_with(e, unavailable_code)
}

/// `map_err` adapter: classify, then name the operation that failed.
pub(crate) fn at(op: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| in_op(classify(e), op)
}

#[cfg(test)]
mod tests {
    use super::unavailable_code;

    #[test]
    fn busy_and_io_codes_are_unavailable_but_constraints_are_not() {
        // 5 SQLITE_BUSY, 517 SQLITE_BUSY_SNAPSHOT, 266 SQLITE_IOERR_READ.
        for code in ["5", "517", "266", "13"] {
            assert!(unavailable_code(code), "{code}");
        }
        // 2067 SQLITE_CONSTRAINT_UNIQUE, 1 SQLITE_ERROR.
        for code in ["2067", "1", "x"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
