//! The `:id` of an AdminAuth route under `/workspaces/:id` (WorkspaceAuth routes get it
//! from [`super::auth::WorkspaceAuth::id`]): a lowercase UUID, else 400
//! `invalid workspace ID`. Declared after the auth extractor, so it is checked after
//! the credential, as in the original.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use coffer_core::domain::WorkspaceId;

use super::error::MoleculeError;

pub struct PathId(pub WorkspaceId);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = MoleculeError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| MoleculeError::InvalidWorkspaceId)?;
        params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, value)| WorkspaceId::parse(value))
            .map(PathId)
            .ok_or(MoleculeError::InvalidWorkspaceId)
    }
}

/// The `:key` of a secret route, as sent (`None` when it is not valid UTF-8).
pub fn key(params: &RawPathParams) -> Option<String> {
    params
        .iter()
        .find(|(name, _)| *name == "key")
        .map(|(_, value)| value.to_owned())
}
