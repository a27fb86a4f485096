//! A conversation's secrets (spec §9–10): [`SecretSource`] (a static value, or a URL to
//! look the value up), and the pure rules around them:
//! - which header names are secret ([`is_secret_header`]);
//! - which secrets a command mentions ([`mentioned`]: the name, case-insensitively);
//! - hiding resolved values in text ([`mask`]);
//! - recognising coffer's own `/api/settings/secrets/<name>` URLs ([`own_secret_name`]),
//!   which are read in-process instead of calling coffer over HTTP.
//!
//! Values live in memory only while a conversation is handled; at rest the whole map is
//! sealed (see `ops::conversations_seal`).

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use super::SecretName;

/// What replaces a resolved secret value in tool output, events and responses.
pub const SECRET_HIDDEN: &str = "<secret-hidden>";

/// Substrings (upper case) that make a header name secret, as in the original.
const SECRET_HEADER_MARKERS: [&str; 8] = [
    "AUTHORIZATION",
    "COOKIE",
    "CREDENTIAL",
    "KEY",
    "PASSWORD",
    "SECRET",
    "SESSION",
    "TOKEN",
];

/// Where a conversation secret's value comes from.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum SecretSource {
    #[serde(rename = "StaticSecret")]
    Static {
        value: String,
        description: Option<String>,
    },
    /// An HTTP GET of `url` with exactly `headers`; the raw body is the value.
    #[serde(rename = "LookupSecret")]
    Lookup {
        url: String,
        headers: Vec<(String, String)>,
        description: Option<String>,
    },
}

impl SecretSource {
    pub fn description(&self) -> Option<&str> {
        match self {
            SecretSource::Static { description, .. } | SecretSource::Lookup { description, .. } => {
                description.as_deref()
            }
        }
    }

    /// Calls `f` on every string that is secret: a static value and the values of
    /// secret-named headers (used to open Fernet tokens under `secrets_encrypted`).
    pub fn for_each_secret_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            SecretSource::Static { value, .. } => f(value),
            SecretSource::Lookup { headers, .. } => headers
                .iter_mut()
                .filter(|(name, _)| is_secret_header(name))
                .for_each(|(_, value)| f(value)),
        }
    }
}

/// Values are never printed.
impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Static { .. } => f.write_str("StaticSecret(<redacted>)"),
            SecretSource::Lookup { url, .. } => write!(f, "LookupSecret({url}, <headers>)"),
        }
    }
}

/// Whether a header's value is a secret: its name contains (case-insensitively) one of
/// `AUTHORIZATION`, `COOKIE`, `CREDENTIAL`, `KEY`, `PASSWORD`, `SECRET`, `SESSION`,
/// `TOKEN`.
pub fn is_secret_header(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_HEADER_MARKERS
        .iter()
        .any(|marker| upper.contains(marker))
}

/// The names (from `names`) that `command` mentions, case-insensitively as substrings.
pub fn mentioned<'a>(command: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let command = command.to_lowercase();
    names
        .into_iter()
        .filter(|name| !name.is_empty() && command.contains(&name.to_lowercase()))
        .collect()
}

/// `text` with every non-empty value of `values` replaced by [`SECRET_HIDDEN`]. Longer
/// values go first, so a value that contains another is hidden whole.
pub fn mask<'a>(text: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let mut values: Vec<&str> = values.into_iter().filter(|v| !v.is_empty()).collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    let mut out = text.to_owned();
    for value in values {
        if out.contains(value) {
            out = out.replace(value, SECRET_HIDDEN);
        }
    }
    out
}

/// A lookup URL made absolute: one with no scheme and no host is joined to coffer's own
/// base URL (`OH_INTERNAL_SERVER_URL` in the original). `None` when it cannot be parsed.
pub fn absolute_lookup_url(url: &str, internal: Option<&Url>) -> Option<Url> {
    match Url::parse(url) {
        Ok(url) => Some(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => internal?.join(url).ok(),
        Err(_) => None,
    }
}

/// The secret named by `url` when it is coffer's own `/api/settings/secrets/<name>`:
/// same scheme and effective port as `internal`, the same host or both loopback, and
/// exactly one path segment after the prefix.
pub fn own_secret_name(url: &Url, internal: &Url) -> Option<SecretName> {
    if url.scheme() != internal.scheme()
        || url.port_or_known_default() != internal.port_or_known_default()
    {
        return None;
    }
    let (host, own) = (url.host_str()?, internal.host_str()?);
    if host != own && !(is_loopback(host) && is_loopback(own)) {
        return None;
    }
    let name = url.path().strip_prefix("/api/settings/secrets/")?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    let decoded = percent_decode(name)?;
    SecretName::parse(&decoded)
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers_are_recognised_by_substring() {
        for h in ["X-Session-API-Key", "authorization", "Cookie", "X-Token-2"] {
            assert!(is_secret_header(h), "{h}");
        }
        for h in ["X-Plain", "Accept", "X-Request-Id"] {
            assert!(!is_secret_header(h), "{h}");
        }
    }

    #[test]
    fn mentions_are_case_insensitive_substrings() {
        let names = ["MY_TOKEN", "OTHER", ""];
        assert_eq!(mentioned("echo $my_token", names), ["MY_TOKEN"]);
        assert_eq!(
            mentioned("echo ${MY_TOKEN}x$OTHER", names),
            ["MY_TOKEN", "OTHER"]
        );
        assert!(mentioned("ls", names).is_empty());
    }

    #[test]
    fn masking_hides_longest_values_first_and_skips_empty_ones() {
        let text = "a=abc123 b=abc c=";
        assert_eq!(
            mask(text, ["abc", "abc123", ""]),
            "a=<secret-hidden> b=<secret-hidden> c="
        );
        assert_eq!(mask("nothing", ["zzz"]), "nothing");
    }

    #[test]
    fn own_urls_match_scheme_port_loopback_host_and_path() {
        let own = Url::parse("http://127.0.0.1:8000").unwrap();
        let name = |u: &str| own_secret_name(&Url::parse(u).unwrap(), &own).map(|n| n.to_string());
        assert_eq!(
            name("http://localhost:8000/api/settings/secrets/MY_TOKEN").as_deref(),
            Some("MY_TOKEN")
        );
        assert_eq!(
            name("http://[::1]:8000/api/settings/secrets/A%5FB").as_deref(),
            Some("A_B")
        );
        for other in [
            "https://127.0.0.1:8000/api/settings/secrets/X",
            "http://127.0.0.1:8001/api/settings/secrets/X",
            "http://example.com:8000/api/settings/secrets/X",
            "http://127.0.0.1:8000/api/settings/secrets/X/y",
            "http://127.0.0.1:8000/api/settings/secrets/",
            "http://127.0.0.1:8000/lookup/X",
        ] {
            assert_eq!(name(other), None, "{other}");
        }
    }

    #[test]
    fn relative_urls_are_joined_to_the_internal_url() {
        let own = Url::parse("http://127.0.0.1:8000").unwrap();
        let joined = absolute_lookup_url("/api/settings/secrets/X", Some(&own)).unwrap();
        assert_eq!(
            joined.as_str(),
            "http://127.0.0.1:8000/api/settings/secrets/X"
        );
        assert!(absolute_lookup_url("/x", None).is_none());
        assert!(absolute_lookup_url("http://[bad", Some(&own)).is_none());
    }

    #[test]
    fn debug_never_shows_values() {
        let s = SecretSource::Static {
            value: "hunter2".into(),
            description: None,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
