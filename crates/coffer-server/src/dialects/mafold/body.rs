//! Request bodies: read within the body limit (413 above it), an empty body read as `{}`
//! (methods without parameters are called with no body), otherwise a JSON object
//! whatever the content type. Fields are read one by one; a missing field or a wrong JSON
//! type is a 400 naming the field (never echoing its value). Unknown fields are ignored.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::MafoldError;

/// A method's parameters.
pub struct Params(Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = MafoldError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                MafoldError::PayloadTooLarge
            } else {
                MafoldError::BadRequest("the request body could not be read".to_owned())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params(Map::new()));
        }
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Ok(Params(map)),
            Ok(_) => Err(bad("the body must be a JSON object")),
            Err(_) => Err(bad("the body is not valid JSON")),
        }
    }
}

fn bad(detail: &str) -> MafoldError {
    MafoldError::BadRequest(detail.to_owned())
}

impl Params {
    fn present(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn string(&self, name: &str) -> Result<String, MafoldError> {
        self.opt_string(name)?
            .ok_or_else(|| bad(&format!("{name} is required")))
    }

    pub fn opt_string(&self, name: &str) -> Result<Option<String>, MafoldError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(&format!("{name} must be a string"))),
        }
    }

    pub fn uuid(&self, name: &str) -> Result<Uuid, MafoldError> {
        self.opt_uuid(name)?
            .ok_or_else(|| bad(&format!("{name} is required")))
    }

    pub fn opt_uuid(&self, name: &str) -> Result<Option<Uuid>, MafoldError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Uuid::parse_str(s)
                .map(Some)
                .map_err(|_| bad(&format!("{name} must be a UUID"))),
            Some(_) => Err(bad(&format!("{name} must be a UUID string"))),
        }
    }

    /// A required boolean.
    pub fn bool(&self, name: &str) -> Result<bool, MafoldError> {
        self.opt_bool(name)?
            .ok_or_else(|| bad(&format!("{name} is required")))
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, MafoldError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad(&format!("{name} must be a boolean"))),
        }
    }

    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, MafoldError> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad(&format!("{name} must be an integer"))),
        }
    }

    /// A required list of strings.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, MafoldError> {
        let wrong = || bad(&format!("{name} must be a list of strings"));
        match self.present(name) {
            None => Err(bad(&format!("{name} is required"))),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
                .collect(),
            Some(_) => Err(wrong()),
        }
    }

    /// Whether a field is present with a non-empty value (for refusing unsupported ones).
    pub fn has_content(&self, name: &str) -> bool {
        match self.present(name) {
            None => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(_) => true,
        }
    }
}
