//! The PostgreSQL backend's one error classification (see [`crate::error`] for the rule).

use coffer_core::store::StoreError;

use crate::error::{classify_with, in_op};

/// SQLSTATEs that mean the server is unreachable, overloaded or shutting down: class 08
/// (connection exception), class 53 (insufficient resources, e.g. too many connections)
/// and 57P0x (admin/crash shutdown, cannot connect now).
fn unavailable_code(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
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
    fn connection_and_resource_states_are_unavailable_but_constraints_are_not() {
        for code in ["08006", "53300", "57P01", "57P03"] {
            assert!(unavailable_code(code), "{code}");
        }
        for code in ["23505", "42P01", "40001"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
