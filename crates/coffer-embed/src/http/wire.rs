//! The `/v1/embeddings` wire format: request body, response parsing, status errors.
//! Error texts never quote the request or response content.

use coffer_core::embedder::{EmbedError, normalize};
use serde_json::{Value, json};

/// `{"model": .., "input": [..]}`, plus `"dimensions"` when set.
pub(super) fn request_body(model: &str, texts: &[String], dimensions: Option<usize>) -> Value {
    let mut body = json!({ "model": model, "input": texts });
    if let Some(d) = dimensions {
        body["dimensions"] = json!(d);
    }
    body
}

/// The error for a non-success HTTP status.
pub(super) fn status_error(status: reqwest::StatusCode) -> EmbedError {
    let hint = match status.as_u16() {
        401 | 403 => " (check the API key)",
        404 => " (check the URL and model)",
        429 => " (rate limited)",
        _ => "",
    };
    EmbedError::Unavailable(format!("embedding endpoint answered HTTP {status}{hint}"))
}

fn protocol(what: impl Into<String>) -> EmbedError {
    EmbedError::Protocol(what.into())
}

/// `data[].embedding` ordered by `index`, normalised. There must be exactly `count`
/// entries with indices `0..count`, each with `dims` numbers (when `None`, as many as
/// the first, and at least one).
pub(super) fn parse_response(
    bytes: &[u8],
    count: usize,
    dims: Option<usize>,
) -> Result<Vec<Vec<f32>>, EmbedError> {
    let body: Value =
        serde_json::from_slice(bytes).map_err(|_| protocol("response is not JSON"))?;
    let data = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| protocol("response has no `data` array"))?;
    if data.len() != count {
        return Err(protocol(format!(
            "expected {count} embeddings, got {}",
            data.len()
        )));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; count];
    for (position, item) in data.iter().enumerate() {
        let index = match item.get("index") {
            None => position,
            Some(v) => v
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| protocol("`index` is not a non-negative integer"))?,
        };
        let slot = slots
            .get_mut(index)
            .ok_or_else(|| protocol(format!("`index` {index} out of range")))?;
        if slot.is_some() {
            return Err(protocol(format!("`index` {index} repeated")));
        }
        *slot = Some(parse_vector(item)?);
    }
    let vectors: Vec<Vec<f32>> = slots.into_iter().flatten().collect();
    let want = dims.unwrap_or_else(|| vectors.first().map_or(0, Vec::len));
    if want == 0 {
        return Err(protocol("empty embedding"));
    }
    if let Some(bad) = vectors.iter().find(|v| v.len() != want) {
        return Err(protocol(format!(
            "expected {want} dimensions, got {}",
            bad.len()
        )));
    }
    Ok(vectors.into_iter().map(normalize).collect())
}

fn parse_vector(item: &Value) -> Result<Vec<f32>, EmbedError> {
    let numbers = item
        .get("embedding")
        .and_then(Value::as_array)
        .ok_or_else(|| protocol("`embedding` is not an array of numbers"))?;
    numbers
        .iter()
        .map(|n| {
            n.as_f64()
                .filter(|f| f.is_finite())
                // Embedding values are f32 on the wire; narrowing is intended.
                .map(|f| f as f32)
                .ok_or_else(|| protocol("`embedding` holds a non-number"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_carries_dimensions_only_when_set() {
        let texts = vec!["a".to_string()];
        assert_eq!(
            request_body("m", &texts, None),
            json!({"model": "m", "input": ["a"]})
        );
        assert_eq!(request_body("m", &texts, Some(8))["dimensions"], 8);
    }

    #[test]
    fn reorders_by_index_and_normalises() {
        let body = br#"{"object":"list","data":[
            {"object":"embedding","index":1,"embedding":[0.0,2.0]},
            {"object":"embedding","index":0,"embedding":[3.0,4.0]}],"model":"m"}"#;
        let v = parse_response(body, 2, Some(2)).unwrap();
        assert_eq!(v, vec![vec![0.6, 0.8], vec![0.0, 1.0]]);
        assert_eq!(parse_response(body, 2, None).unwrap().len(), 2);
    }

    #[test]
    fn rejects_bad_shapes() {
        let bad = |body: &str, count, dims| {
            assert!(
                matches!(
                    parse_response(body.as_bytes(), count, dims),
                    Err(EmbedError::Protocol(_))
                ),
                "{body}"
            );
        };
        bad("nope", 1, None);
        bad(r#"{"data":{}}"#, 1, None);
        bad(r#"{"data":[]}"#, 1, None);
        bad(r#"{"data":[{"index":0,"embedding":[1.0]}]}"#, 1, Some(2));
        bad(r#"{"data":[{"index":0,"embedding":[]}]}"#, 1, None);
        bad(r#"{"data":[{"index":0,"embedding":"AAAA"}]}"#, 1, None);
        bad(r#"{"data":[{"index":0,"embedding":[1,"x"]}]}"#, 1, None);
        bad(r#"{"data":[{"index":3,"embedding":[1]}]}"#, 1, None);
        bad(
            r#"{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}"#,
            2,
            None,
        );
        bad(
            r#"{"data":[{"index":0,"embedding":[1,2]},{"index":1,"embedding":[1]}]}"#,
            2,
            None,
        );
    }
}
