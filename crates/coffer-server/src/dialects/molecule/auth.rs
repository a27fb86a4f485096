//! The two Molecule credentials checks as extractors, so a handler cannot run without
//! one: [`WorkspaceAuth`] (every `/workspaces/:id/...` route but the lifecycle changes)
//! and [`AdminAuth`] (global secrets, listing and creating workspaces, lifecycle
//! changes). Both run before any body or id validation (a bad body without a token is
//! 401, not 400). The rules themselves are the core's (`Core::workspace_access`,
//! `Core::admin_access`); this module only reads the request.
//!
//! The bearer: only the exact prefix `Bearer ` (case-sensitive, one space) counts, the
//! rest is trimmed, and an empty rest — or any other header form — is no token.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use coffer_core::domain::WorkspaceId;
use coffer_core::principal::Principal;

use super::error::MoleculeError;
use crate::app::AppState;

/// Passed WorkspaceAuth for the path's `:id` (kept as sent; see [`WorkspaceAuth::id`]).
#[derive(Debug)]
pub struct WorkspaceAuth {
    pub principal: Principal,
    raw_id: String,
}

impl WorkspaceAuth {
    /// The path's workspace id: a lowercase UUID, else 400 `invalid workspace ID`.
    pub fn id(&self) -> Result<WorkspaceId, MoleculeError> {
        WorkspaceId::parse(&self.raw_id).ok_or(MoleculeError::InvalidWorkspaceId)
    }
}

impl FromRequestParts<AppState> for WorkspaceAuth {
    type Rejection = MoleculeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let raw_id = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params
                .iter()
                .find(|(name, _)| *name == "id")
                .map(|(_, value)| value.to_owned())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        let principal = state
            .core
            .workspace_access(&state.access, bearer(parts).as_deref(), &raw_id)
            .await?;
        Ok(WorkspaceAuth { principal, raw_id })
    }
}

/// Passed AdminAuth.
#[derive(Debug)]
pub struct AdminAuth {
    pub principal: Principal,
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = MoleculeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = state
            .core
            .admin_access(&state.access, bearer(parts).as_deref())
            .await?;
        Ok(AdminAuth { principal })
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let header = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = header.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(header: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder();
        if let Some(h) = header {
            builder = builder.header(AUTHORIZATION, h);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn only_the_exact_bearer_prefix_counts() {
        assert_eq!(bearer(&parts(Some("Bearer abc"))).as_deref(), Some("abc"));
        assert_eq!(
            bearer(&parts(Some("Bearer   abc  "))).as_deref(),
            Some("abc")
        );
        for other in [
            "bearer abc",
            "Bearerabc",
            "Basic abc",
            "Bearer ",
            "Bearer    ",
            "abc",
        ] {
            assert_eq!(bearer(&parts(Some(other))), None, "{other:?}");
        }
        assert_eq!(bearer(&parts(None)), None);
    }
}
