//! `GET/PATCH /api/settings` and `GET /api/profiles/{name}` over the `global` scope.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use coffer_core::domain::Scope;
use coffer_core::principal::Principal;
use coffer_core::settings::document::Change;
use coffer_core::settings::{Exposure, SettingsPatch, SettingsView};
use serde_json::{Map, Value, json};

use super::OhError;
use super::body::{Fields, JsonBody, sanitize};
use crate::app::AppState;

const EXPOSE_HEADER: &str = "x-expose-secrets";
const PROFILE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

pub async fn get_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, OhError> {
    let exposure = exposure(&headers)?;
    let view = state.core.read_settings(&Scope::Global, exposure).await?;
    Ok(axum::Json(settings_response(view)))
}

/// The answer is always masked, whatever `X-Expose-Secrets` says.
pub async fn patch_settings(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    JsonBody(body): JsonBody,
) -> Result<axum::Json<Value>, OhError> {
    let patch = decode_patch(&body)?;
    let view = state
        .core
        .update_settings(&who, &Scope::Global, patch)
        .await?;
    Ok(axum::Json(settings_response(view)))
}

pub async fn get_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<axum::Json<Value>, OhError> {
    exposure(&headers)?;
    let view = state.core.read_llm_profile(&Scope::Global, &name).await?;
    Ok(axum::Json(
        json!({"name": name, "config": view.agent_settings["llm"], "api_key_set": view.llm_api_key_is_set}),
    ))
}

/// `X-Expose-Secrets`, trimmed and lowercased: absent/empty → masked, `plaintext`,
/// `encrypted` (and the legacy `true`, which never means plaintext); anything else 400.
fn exposure(headers: &HeaderMap) -> Result<Exposure, OhError> {
    let Some(raw) = headers.get(EXPOSE_HEADER) else {
        return Ok(Exposure::Masked);
    };
    let value = String::from_utf8_lossy(raw.as_bytes())
        .trim()
        .to_lowercase();
    match value.as_str() {
        "" => Ok(Exposure::Masked),
        "plaintext" => Ok(Exposure::Plaintext),
        "encrypted" | "true" => Ok(Exposure::Encrypted),
        _ => Err(OhError::BadExposeHeader(value)),
    }
}

fn settings_response(view: SettingsView) -> Value {
    let mut map = Map::new();
    map.insert("agent_settings".into(), view.agent_settings);
    map.insert("conversation_settings".into(), view.conversation_settings);
    map.insert(
        "llm_api_key_is_set".into(),
        Value::Bool(view.llm_api_key_is_set),
    );
    map.insert("active_profile".into(), json!(view.active_profile));
    map.insert(
        "active_agent_profile_id".into(),
        json!(view.active_agent_profile_id),
    );
    map.insert(
        "active_meta_profile".into(),
        json!(view.active_meta_profile),
    );
    map.insert("misc_settings".into(), view.misc_settings);
    Value::Object(map)
}

fn decode_patch(body: &Value) -> Result<SettingsPatch, OhError> {
    let mut fields = Fields::of(body)?;
    let agent_settings_diff = fields.optional_object("agent_settings_diff");
    let conversation_settings_diff = fields.optional_object("conversation_settings_diff");
    let misc_settings_diff = fields.optional_object("misc_settings_diff");
    let active_profile = profile_name(&mut fields, "active_profile");
    let active_meta_profile = profile_name(&mut fields, "active_meta_profile");
    let active_agent_profile_id = agent_profile_id(&mut fields);
    fields.finish()?;
    Ok(SettingsPatch {
        agent_settings_diff,
        conversation_settings_diff,
        misc_settings_diff,
        active_profile,
        active_agent_profile_id,
        active_meta_profile,
    })
}

fn profile_name(fields: &mut Fields<'_>, name: &str) -> Change<String> {
    match fields.raw(name) {
        None => Change::Keep,
        Some(Value::Null) => Change::Clear,
        Some(Value::String(s)) if is_profile_name(s) => Change::Set(s.clone()),
        Some(Value::String(s)) => {
            fields.push(json!({
                "type": "string_pattern_mismatch",
                "loc": ["body", name],
                "msg": format!("String should match pattern '{PROFILE_PATTERN}'"),
                "input": s,
                "ctx": {"pattern": PROFILE_PATTERN},
            }));
            Change::Keep
        }
        Some(other) => {
            fields.push(json!({"type": "string_type", "loc": ["body", name], "msg": "Input should be a valid string", "input": sanitize(other)}));
            Change::Keep
        }
    }
}

/// `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`
fn is_profile_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

fn agent_profile_id(fields: &mut Fields<'_>) -> Change<uuid::Uuid> {
    const NAME: &str = "active_agent_profile_id";
    match fields.raw(NAME) {
        None => Change::Keep,
        Some(Value::Null) => Change::Clear,
        Some(Value::String(s)) => match uuid::Uuid::parse_str(s) {
            Ok(id) => Change::Set(id),
            Err(e) => {
                fields.push(json!({"type": "uuid_parsing", "loc": ["body", NAME], "msg": format!("Input should be a valid UUID, {e}"), "input": s}));
                Change::Keep
            }
        },
        Some(other) => {
            fields.push(json!({"type": "uuid_type", "loc": ["body", NAME], "msg": "UUID input should be a string, bytes or UUID object", "input": sanitize(other)}));
            Change::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_follow_the_pattern() {
        assert!(is_profile_name("default"));
        assert!(is_profile_name("a.b_c-1"));
        assert!(!is_profile_name("not a valid profile"));
        assert!(!is_profile_name("-x"));
        assert!(!is_profile_name(&"a".repeat(65)));
    }

    #[test]
    fn the_expose_header_is_trimmed_and_case_insensitive() {
        let mut h = HeaderMap::new();
        assert_eq!(exposure(&h).unwrap(), Exposure::Masked);
        h.insert(EXPOSE_HEADER, " PlainText ".parse().unwrap());
        assert_eq!(exposure(&h).unwrap(), Exposure::Plaintext);
        h.insert(EXPOSE_HEADER, "TRUE".parse().unwrap());
        assert_eq!(exposure(&h).unwrap(), Exposure::Encrypted);
        h.insert(EXPOSE_HEADER, "Bogus".parse().unwrap());
        assert!(matches!(exposure(&h), Err(OhError::BadExposeHeader(v)) if v == "bogus"));
    }
}
