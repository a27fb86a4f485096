//! Agent-memory rows, as both backends decode them, and the literal-substring escape
//! both use for `LIKE … ESCAPE '\'`.

use anyhow::anyhow;
use coffer_core::domain::{AgentMemory, MemoryScope, WorkspaceId};
use coffer_core::store::StoreError;

/// `id, workspace_id, scope, namespace, content, created_at`.
pub(crate) type MemoryTuple = (String, String, String, String, String, i64);

pub(crate) fn agent_memory(row: MemoryTuple) -> Result<AgentMemory, StoreError> {
    let (id, workspace_id, scope, namespace, content, created_at_ms) = row;
    let bad = |column: &str| StoreError::Other(anyhow!("agent memory {id}: bad {column}"));
    Ok(AgentMemory {
        workspace_id: WorkspaceId::parse(&workspace_id).ok_or_else(|| bad("workspace_id"))?,
        scope: MemoryScope::parse(&scope).ok_or_else(|| bad("scope"))?,
        id,
        namespace,
        content,
        created_at_ms,
    })
}

/// `value` for `LIKE`/`ILIKE … ESCAPE '\'`: `\`, `%` and `_` escaped, so it matches
/// itself literally.
pub(crate) fn like_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_literal_escapes_wildcards() {
        assert_eq!(like_literal(r"100%_a\b"), r"100\%\_a\\b");
    }

    #[test]
    fn a_bad_row_is_an_error_naming_the_column() {
        let row = (
            "m1".into(),
            "nope".into(),
            "LOCAL".into(),
            "g".into(),
            "c".into(),
            1,
        );
        let e = agent_memory(row).unwrap_err().to_string();
        assert!(e.contains("workspace_id"), "{e}");
    }
}
