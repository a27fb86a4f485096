//! Request bodies: read within the body limit (413 above it), parsed as JSON whatever the
//! content type (the original crashes with a 500 on a non-JSON body; coffer answers 422),
//! then read field by field with FastAPI-style 422 items (`type`, `loc`, `msg`, `input`).
//! Echoed inputs have secret-looking keys masked.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::OhError;
use coffer_core::settings::MASK;

/// A request body parsed as JSON.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = OhError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                OhError::PayloadTooLarge
            } else {
                OhError::Validation(vec![json!({"type": "body_unreadable", "loc": ["body"], "msg": "Could not read the request body", "input": {}})])
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| OhError::Validation(vec![json_invalid(&bytes, &e)]))
    }
}

fn json_invalid(bytes: &[u8], e: &serde_json::Error) -> Value {
    let text = String::from_utf8_lossy(bytes);
    let line_start: usize = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let byte_pos = (line_start + e.column().saturating_sub(1)).min(text.len());
    let pos = text
        .char_indices()
        .take_while(|(i, _)| *i < byte_pos)
        .count();
    let reason = e.to_string();
    let reason = reason.split(" at line ").next().unwrap_or("invalid JSON");
    json!({"type": "json_invalid", "loc": ["body", pos], "msg": "JSON decode error", "input": {}, "ctx": {"error": reason}})
}

/// Reads fields of a JSON object body, collecting every error before failing.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<Value>,
}

impl<'a> Fields<'a> {
    pub fn of(body: &'a Value) -> Result<Fields<'a>, OhError> {
        match body {
            Value::Object(map) => Ok(Fields {
                body: map,
                errors: Vec::new(),
            }),
            other => Err(OhError::Validation(vec![json!({
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": sanitize(other),
            })])),
        }
    }

    /// The raw value of a field (absent and `null` are distinguished by the caller).
    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.body.get(name)
    }

    pub fn required_string(&mut self, name: &str) -> Option<String> {
        match self.body.get(name) {
            None => {
                let input = sanitize(&Value::Object(self.body.clone()));
                self.push(json!({"type": "missing", "loc": ["body", name], "msg": "Field required", "input": input}));
                None
            }
            Some(v) => self.string(name, v),
        }
    }

    /// Absent or `null` → `None`.
    pub fn optional_string(&mut self, name: &str) -> Option<String> {
        match self.body.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => self.string(name, v),
        }
    }

    /// Absent or `null` → `None`; anything but an object is a `dict_type` error.
    pub fn optional_object(&mut self, name: &str) -> Option<Map<String, Value>> {
        match self.body.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map.clone()),
            Some(other) => {
                self.push(json!({"type": "dict_type", "loc": ["body", name], "msg": "Input should be a valid dictionary", "input": sanitize(other)}));
                None
            }
        }
    }

    fn string(&mut self, name: &str, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                self.push(json!({"type": "string_type", "loc": ["body", name], "msg": "Input should be a valid string", "input": sanitize(other)}));
                None
            }
        }
    }

    pub fn push(&mut self, item: Value) {
        self.errors.push(item);
    }

    pub fn finish(self) -> Result<(), OhError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(OhError::Validation(self.errors))
        }
    }
}

/// Masks the values of secret-looking keys (and `value`) in an echoed input.
pub fn sanitize(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if is_secret_key(k) && !v.is_null() {
                        Value::String(MASK.into())
                    } else {
                        sanitize(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(sanitize).collect()),
        other => other.clone(),
    }
}

fn is_secret_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    upper == "VALUE"
        || [
            "AUTHORIZATION",
            "COOKIE",
            "CREDENTIAL",
            "KEY",
            "PASSWORD",
            "SECRET",
            "SESSION",
            "TOKEN",
        ]
        .iter()
        .any(|marker| upper.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_point_at_the_offending_character() {
        let bytes = b"{not json";
        let e = serde_json::from_slice::<Value>(bytes).unwrap_err();
        let item = json_invalid(bytes, &e);
        assert_eq!(item["loc"], json!(["body", 1]));
        assert_eq!(item["type"], "json_invalid");
    }

    #[test]
    fn echoed_inputs_never_show_secret_values() {
        let shown = sanitize(
            &json!({"name": "N", "value": "s3cret", "nested": {"api_key": "k", "model": "m"}}),
        );
        assert_eq!(
            shown,
            json!({"name": "N", "value": MASK, "nested": {"api_key": MASK, "model": "m"}})
        );
    }
}
