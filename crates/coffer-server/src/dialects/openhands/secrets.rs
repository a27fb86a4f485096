//! `GET/PUT /api/settings/secrets`, `GET/DELETE /api/settings/secrets/{name}` over the
//! `global` scope. `X-Expose-Secrets` is ignored here, as in the original.

use axum::Extension;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use coffer_core::CoreError;
use coffer_core::domain::{Scope, SecretMeta, SecretName};
use coffer_core::principal::Principal;
use coffer_crypto::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::OhError;
use super::body::{Fields, JsonBody};
use crate::app::AppState;

/// The query is read as pairs (decoding is lossy, so this never fails): unknown
/// parameters are ignored and, for a repeated `agent_profile_id`, the last one counts, as
/// in FastAPI. A struct extractor would answer a repeat with a plain-text 400.
pub async fn list_secrets(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<axum::Json<Value>, OhError> {
    let agent_profile_id = query
        .into_iter()
        .rev()
        .find(|(k, _)| k == "agent_profile_id")
        .map(|(_, v)| v);
    let secrets = match agent_profile_id {
        Some(id) => {
            let id = parse_uuid_query(&id)?;
            state
                .core
                .list_secrets_for_agent_profile(&Scope::Global, id)
                .await?
        }
        None => state.core.list_secrets(&Scope::Global).await?,
    };
    let items: Vec<Value> = secrets.iter().map(describe).collect();
    Ok(axum::Json(json!({ "secrets": items })))
}

pub async fn put_secret(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    JsonBody(body): JsonBody,
) -> Result<axum::Json<Value>, OhError> {
    let mut fields = Fields::of(&body)?;
    let name = fields.required_string("name");
    let value = fields.required_string("value").map(SecretString::from);
    let description = fields.optional_string("description");
    fields.finish()?;
    let (Some(name), Some(value)) = (name, value) else {
        unreachable!("finish() fails when a required field is missing")
    };
    let name = parse_name(&name)?;
    let meta = state
        .core
        .put_secret(&who, &Scope::Global, &name, value, description)
        .await?;
    Ok(axum::Json(describe(&meta)))
}

pub async fn get_secret(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, OhError> {
    let name = path_name(name)?;
    let value = state.core.read_secret(&Scope::Global, &name).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    Ok((headers, value.expose_secret().to_owned()).into_response())
}

pub async fn delete_secret(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    name: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<Value>, OhError> {
    let name = path_name(name)?;
    state
        .core
        .delete_secret(&who, &Scope::Global, &name)
        .await?;
    Ok(axum::Json(json!({ "deleted": true })))
}

fn describe(meta: &SecretMeta) -> Value {
    json!({ "name": meta.name, "description": meta.description })
}

fn parse_name(name: &str) -> Result<SecretName, OhError> {
    SecretName::parse(name).ok_or(OhError::Core(CoreError::InvalidSecretName))
}

/// The `{name}` path segment. One that is not UTF-8 once percent-decoded (`%FF`) is
/// not a valid name either: the same 422 as any other bad name, instead of axum's
/// plain-text 400.
fn path_name(segment: Result<Path<String>, PathRejection>) -> Result<SecretName, OhError> {
    match segment {
        Ok(Path(name)) => parse_name(&name),
        Err(_) => Err(OhError::Core(CoreError::InvalidSecretName)),
    }
}

fn parse_uuid_query(id: &str) -> Result<uuid::Uuid, OhError> {
    uuid::Uuid::parse_str(id).map_err(|e| {
        OhError::Validation(vec![json!({
            "type": "uuid_parsing",
            "loc": ["query", "agent_profile_id"],
            "msg": format!("Input should be a valid UUID, {e}"),
            "input": id,
        })])
    })
}
