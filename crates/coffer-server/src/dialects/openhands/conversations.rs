//! `/api/conversations…` (spec §9): create, read, final response, delete, secrets,
//! events (paged), send a message, run, pause. Each handler decodes, calls one core
//! operation, and encodes; the conversation id must be a UUID (422 `uuid_parsing`
//! otherwise) and an unknown one is 404 `{"detail":"Not Found"}`.

use axum::Extension;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::domain::conversation::{EventQuery, EventSource};
use coffer_core::principal::Principal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OhError;
use super::body::JsonBody;
use super::conversations_request as request;
use super::conversations_view as view;
use crate::app::AppState;

fn success() -> axum::Json<Value> {
    axum::Json(json!({"success": true}))
}

/// The `{conversation_id}` path segment as a UUID.
fn conversation_id(segment: Result<Path<String>, PathRejection>) -> Result<Uuid, OhError> {
    let raw = match segment {
        Ok(Path(raw)) => raw,
        Err(_) => String::new(),
    };
    Uuid::parse_str(&raw).map_err(|e| {
        OhError::Validation(vec![json!({
            "type": "uuid_parsing",
            "loc": ["path", "conversation_id"],
            "msg": format!("Input should be a valid UUID, {e}"),
            "input": raw,
            "ctx": {"error": e.to_string()},
        })])
    })
}

pub async fn create(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    JsonBody(body): JsonBody,
) -> Result<Response, OhError> {
    let new = request::start_request(&body)?;
    let (conversation, created) = state.core.create_conversation(&who, new).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(view::conversation_info(&conversation))).into_response())
}

/// `GET /api/conversations?ids=…&ids=…` (at most 99): the conversations in the order
/// asked, `null` for an unknown id.
pub async fn batch_get(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::Json<Value>, OhError> {
    let raw: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.as_str())
        .collect();
    if raw.is_empty() {
        return Err(OhError::Validation(vec![
            json!({"type": "missing", "loc": ["query", "ids"], "msg": "Field required", "input": null}),
        ]));
    }
    if raw.len() > 99 {
        return Err(OhError::Validation(vec![json!({
            "type": "too_long", "loc": ["query", "ids"],
            "msg": format!("List should have at most 99 items after validation, not {}", raw.len()),
            "input": raw, "ctx": {"field_type": "List", "max_length": 99, "actual_length": raw.len()},
        })]));
    }
    let mut ids = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (i, text) in raw.iter().enumerate() {
        match Uuid::parse_str(text) {
            Ok(id) => ids.push(id),
            Err(e) => errors.push(json!({
                "type": "uuid_parsing", "loc": ["query", "ids", i],
                "msg": format!("Input should be a valid UUID, {e}"),
                "input": text, "ctx": {"error": e.to_string()},
            })),
        }
    }
    if !errors.is_empty() {
        return Err(OhError::Validation(errors));
    }
    let found = state.core.get_conversations(&ids).await?;
    let items: Vec<Value> = found
        .iter()
        .map(|c| c.as_ref().map_or(Value::Null, view::conversation_info))
        .collect();
    Ok(axum::Json(Value::Array(items)))
}

pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    let conversation = state.core.get_conversation(id).await?;
    Ok(axum::Json(view::conversation_info(&conversation)))
}

pub async fn final_response(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    let response = state.core.conversation_final_response(id).await?;
    Ok(axum::Json(json!({ "response": response })))
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    state.core.delete_conversation(&who, id).await?;
    Ok(success())
}

pub async fn update_secrets(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    let secrets = request::secrets_update(&body)?;
    state
        .core
        .update_conversation_secrets(&who, id, secrets)
        .await?;
    Ok(success())
}

pub async fn run(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    state.core.run_conversation(id).await?;
    Ok(success())
}

pub async fn pause(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    state.core.pause_conversation(id).await?;
    Ok(success())
}

pub async fn send_message(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    let (text, run) = request::send_message(&body)?;
    state.core.send_conversation_message(id, text, run).await?;
    Ok(success())
}

/// `GET …/events/search` (and `GET …/events`): `{"items": [...], "next_page_id": …}`.
/// Query: `page_id` (from a previous page), `limit` (1–100, default 100), `kind`
/// (`ActionEvent`, …), `source` (`agent`, `user`, `environment`), `sort_order`
/// (`TIMESTAMP` or `TIMESTAMP_DESC`). Unknown parameters are ignored.
pub async fn search_events(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::Json<Value>, OhError> {
    let id = conversation_id(id)?;
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid = |name: &str, kind: &str, msg: String, input: &str| {
        OhError::Validation(vec![
            json!({"type": kind, "loc": ["query", name], "msg": msg, "input": input}),
        ])
    };
    let limit = match param("limit") {
        None => 100,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => n as u32,
            Ok(n) if n < 1 => {
                return Err(invalid(
                    "limit",
                    "greater_than",
                    "Input should be greater than 0".into(),
                    text,
                ));
            }
            Ok(_) => {
                return Err(invalid(
                    "limit",
                    "less_than_equal",
                    "Input should be less than or equal to 100".into(),
                    text,
                ));
            }
            Err(_) => {
                return Err(invalid(
                    "limit",
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer".into(),
                    text,
                ));
            }
        },
    };
    let newest_first = match param("sort_order") {
        None | Some("TIMESTAMP") => false,
        Some("TIMESTAMP_DESC") => true,
        Some(other) => {
            return Err(invalid(
                "sort_order",
                "enum",
                "Input should be 'TIMESTAMP' or 'TIMESTAMP_DESC'".into(),
                other,
            ));
        }
    };
    let after = match param("page_id").filter(|p| !p.is_empty()) {
        None => None,
        Some(page) => Some(page.parse::<i64>().map_err(|_| {
            invalid(
                "page_id",
                "value_error",
                "Value error, not a page id from this server".into(),
                page,
            )
        })?),
    };
    // A kind or source no event has matches nothing (the original filters the same way).
    let kind = param("kind").map(view::parse_kind);
    let source = param("source").map(EventSource::parse);
    if matches!(kind, Some(None)) || matches!(source, Some(None)) {
        state.core.get_conversation(id).await?;
        return Ok(axum::Json(json!({"items": [], "next_page_id": null})));
    }
    let query = EventQuery {
        after,
        limit,
        newest_first,
        kind: kind.flatten(),
        source: source.flatten(),
    };
    let page = state.core.list_conversation_events(id, &query).await?;
    let items: Vec<Value> = page.items.iter().map(view::event).collect();
    let next = page.next.map(|seq| Value::String(seq.to_string()));
    Ok(axum::Json(json!({"items": items, "next_page_id": next})))
}
