//! The three ways a settings diff is combined with a document.
//!
//! - [`merge_patch`]: RFC 7386 — objects merge recursively and a `null` at any level
//!   removes the key (used for agent settings; removed keys come back as defaults through
//!   [`conform`]).
//! - [`deep_merge`]: like merge patch below the top level, but a top-level `null` is a
//!   value (so validation can refuse it), and a nested object that does not exist yet is
//!   taken whole, nulls included (used for conversation and misc settings).
//! - [`conform`]: rebuilds a document in its default's shape: a "closed" object (whose
//!   default is a non-empty object) keeps only the default's keys, in the default's
//!   order, filling the missing ones from the default. Open values (default `null`, `{}`,
//!   a list or a scalar) are kept as given.

use serde_json::{Map, Value};

pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

pub fn deep_merge(target: &mut Map<String, Value>, overlay: &Map<String, Value>) {
    for (key, value) in overlay {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(nested)) => {
                merge_nested(existing, nested)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

fn merge_nested(target: &mut Map<String, Value>, overlay: &Map<String, Value>) {
    for (key, value) in overlay {
        match (target.get_mut(key), value) {
            (_, Value::Null) => {
                target.remove(key);
            }
            (Some(Value::Object(existing)), Value::Object(nested)) => {
                merge_nested(existing, nested)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

pub fn conform(value: Value, default: &Value) -> Value {
    match (value, default) {
        (Value::Object(mut given), Value::Object(shape)) if !shape.is_empty() => {
            let mut out = Map::with_capacity(shape.len());
            for (key, default_value) in shape {
                let v = given.remove(key).unwrap_or_else(|| default_value.clone());
                out.insert(key.clone(), conform(v, default_value));
            }
            Value::Object(out)
        }
        (value, _) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_merges_objects_and_null_removes_at_any_level() {
        let mut doc = json!({"llm": {"model": "a", "api_key": "k"}, "mcp": {"s": {"env": {"K": "v", "L": "w"}}}});
        merge_patch(
            &mut doc,
            &json!({"llm": {"api_key": null, "temperature": 0.1}, "mcp": {"s": {"env": {"K": null}}}}),
        );
        assert_eq!(
            doc,
            json!({"llm": {"model": "a", "temperature": 0.1}, "mcp": {"s": {"env": {"L": "w"}}}})
        );
    }

    #[test]
    fn deep_merge_sets_top_level_nulls_deletes_nested_ones_and_replaces_lists() {
        let mut doc = json!({"a": 1, "n": {"x": 1, "y": 2}, "l": [1, 2]})
            .as_object()
            .unwrap()
            .clone();
        let overlay = json!({"a": null, "n": {"x": null, "z": 3, "missing": null}, "l": [3], "new": {"k": null}});
        deep_merge(&mut doc, overlay.as_object().unwrap());
        assert_eq!(
            Value::Object(doc),
            json!({"a": null, "n": {"y": 2, "z": 3}, "l": [3], "new": {"k": null}})
        );
    }

    #[test]
    fn conform_restores_default_order_fills_missing_keys_and_drops_unknown_ones() {
        let default = json!({"a": 1, "b": {"c": null, "d": 2}, "open": {}});
        let given = json!({"open": {"free": true}, "b": {"d": 5, "bogus": 1}, "zzz": 0});
        assert_eq!(
            serde_json::to_string(&conform(given, &default)).unwrap(),
            r#"{"a":1,"b":{"c":null,"d":5},"open":{"free":true}}"#
        );
    }
}
