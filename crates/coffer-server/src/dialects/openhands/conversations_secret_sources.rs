//! Decoding secret sources from request bodies: `StaticSecret`, `LookupSecret`, a bare
//! string, or (on the update route) an object with just a `value`. A refused secret is
//! echoed in the 422 with every value masked.

use std::collections::BTreeMap;

use coffer_core::domain::conversation::SecretSource;
use serde_json::{Map, Value, json};

/// A map of secret sources; `loose` (the update route) also takes `{value}` objects.
pub fn secret_map(
    map: &Map<String, Value>,
    loc: &[&str],
    loose: bool,
) -> Result<BTreeMap<String, SecretSource>, Vec<Value>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, value) in map {
        let mut at: Vec<Value> = loc.iter().map(|s| json!(s)).collect();
        at.push(json!(name));
        match secret_source(value, loose) {
            Ok(source) => {
                out.insert(name.clone(), source);
            }
            Err(msg) => errors.push(json!({"type": "value_error", "loc": at, "msg": format!("Value error, {msg}"), "input": mask_values(value), "ctx": {"error": msg}})),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A refused secret, echoed with every value masked (only `kind`, `url` and
/// `description` are shown).
fn mask_values(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = match k.as_str() {
                        "kind" | "url" | "description" => v.clone(),
                        _ => mask_values(v),
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_values).collect()),
        Value::Null => Value::Null,
        _ => Value::String(coffer_core::settings::MASK.to_owned()),
    }
}

fn secret_source(value: &Value, loose: bool) -> Result<SecretSource, String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let obj = match value {
        Value::String(s) => {
            return Ok(SecretSource::Static {
                value: s.clone(),
                description: None,
            });
        }
        Value::Object(obj) => obj,
        _ => return Err("a secret must be a string or a secret source object".into()),
    };
    let description = text(obj.get("description"));
    match obj.get("kind").and_then(Value::as_str) {
        Some("StaticSecret") => Ok(SecretSource::Static {
            value: text(obj.get("value")).ok_or("a StaticSecret needs a string `value`")?,
            description,
        }),
        Some("LookupSecret") => {
            let url = text(obj.get("url")).ok_or("a LookupSecret needs a string `url`")?;
            let headers = match obj.get("headers") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(h)) => h
                    .iter()
                    .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("LookupSecret `headers` must map names to strings")?,
                Some(_) => return Err("LookupSecret `headers` must be an object".into()),
            };
            Ok(SecretSource::Lookup {
                url,
                headers,
                description,
            })
        }
        Some(other) => Err(format!("unknown secret kind {other:?}")),
        None => match text(obj.get("value")) {
            Some(value) => Ok(SecretSource::Static {
                value,
                description: if loose { None } else { description },
            }),
            None => Err("a secret object needs `kind` or `value`".into()),
        },
    }
}
