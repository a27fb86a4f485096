//! Request bodies, read the way gin's `ShouldBindJSON` + `binding:"required"` reads them:
//! a body that is not JSON, a missing required field or a field of the wrong type is
//! 400 `invalid request body`; unknown fields are ignored. Bodies above the limit are
//! 413 `request body too large`. Secret values are never echoed.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::MoleculeError;

/// A JSON body decoded into `T`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = MoleculeError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                MoleculeError::PayloadTooLarge
            } else {
                MoleculeError::InvalidBody
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|_| MoleculeError::InvalidBody)
    }
}
