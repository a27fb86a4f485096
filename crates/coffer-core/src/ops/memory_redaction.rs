//! What happens to memory content before it is stored (Molecule §7, SAFE-T1201, and
//! more): every secret value the author workspace can see — its own secrets and the
//! global ones it inherits — is replaced by `[REDACTED:<NAME>]` wherever it occurs; then
//! the original's seven patterns replace what looks like a credential by
//! `[REDACTED:<LABEL>]`. Only the text between secret matches is run through the
//! patterns, so a `[REDACTED:<NAME>]` marker is never itself rewritten.
//!
//! Values shorter than [`MIN_SCRUBBED_SECRET_BYTES`] are not searched for: they would
//! erase ordinary words and a value that short protects nothing.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use std::sync::LazyLock;

/// Secret values shorter than this are not scrubbed from memory content.
pub const MIN_SCRUBBED_SECRET_BYTES: usize = 6;

/// The original's patterns, in its order, with their labels.
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"(?i)\b[A-Z0-9_]*API_KEY\s*[=:]\s*\S+", "API_KEY"),
        (r"(?i)\b[A-Z0-9_]*_TOKEN\s*[=:]\s*\S+", "TOKEN"),
        (r"(?i)\b[A-Z0-9_]*_SECRET\s*[=:]\s*\S+", "SECRET"),
        (r"(?i)\bBearer\s+[A-Za-z0-9\-._~+/]+=*", "BEARER_TOKEN"),
        (r"\bsk-[A-Za-z0-9\-_]{16,}", "SK_TOKEN"),
        (r"\bctx7_[A-Za-z0-9\-_]+", "CTX7_TOKEN"),
        (r"[A-Za-z0-9+/]{33,}={0,2}", "BASE64_BLOB"),
    ]
    .into_iter()
    .map(|(pattern, label)| (Regex::new(pattern).expect("valid pattern"), label))
    .collect()
});

/// A secret to scrub: its name (shown in the marker) and its value.
pub struct KnownSecret<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// `content` with every known secret value and every credential-looking string
/// replaced. Longer values win where two overlap.
pub fn redact(content: &str, secrets: &[KnownSecret<'_>]) -> String {
    let scrubbed: Vec<&KnownSecret<'_>> = secrets
        .iter()
        .filter(|s| s.value.len() >= MIN_SCRUBBED_SECRET_BYTES)
        .collect();
    if scrubbed.is_empty() {
        return redact_patterns(content);
    }
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(scrubbed.iter().map(|s| s.value))
        .expect("literal patterns build");
    let mut out = String::with_capacity(content.len());
    let mut at = 0;
    for found in matcher.find_iter(content) {
        out.push_str(&redact_patterns(&content[at..found.start()]));
        out.push_str("[REDACTED:");
        out.push_str(scrubbed[found.pattern().as_usize()].name);
        out.push(']');
        at = found.end();
    }
    out.push_str(&redact_patterns(&content[at..]));
    out
}

/// The original's seven patterns, applied in order.
pub fn redact_patterns(text: &str) -> String {
    let mut text = text.to_owned();
    for (pattern, label) in PATTERNS.iter() {
        if pattern.is_match(&text) {
            text = pattern
                .replace_all(&text, format!("[REDACTED:{label}]").as_str())
                .into_owned();
        }
    }
    text
}

/// GLOBAL content is read back inside a `[MEMORY …]:` marker; a `[MEMORY ` written into
/// the content itself becomes `[_MEMORY ` so it cannot pose as another marker.
pub fn escape_memory_marker(content: &str) -> String {
    content.replace("[MEMORY ", "[_MEMORY ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret<'a>(name: &'a str, value: &'a str) -> KnownSecret<'a> {
        KnownSecret { name, value }
    }

    #[test]
    fn clean_text_passes_through() {
        let text = "The deploy runs every Friday at 5pm; ask Dana.";
        assert_eq!(redact(text, &[]), text);
    }

    #[test]
    fn each_pattern_redacts() {
        let cases = [
            (
                "use OPENAI_API_KEY=abc123 now",
                "use [REDACTED:API_KEY] now",
            ),
            ("GITHUB_TOKEN=ghp_x1 set", "[REDACTED:TOKEN] set"),
            ("DB_SECRET=hunter2", "[REDACTED:SECRET]"),
            (
                "Authorization: Bearer eyJhbGciOi.x-y",
                "Authorization: [REDACTED:BEARER_TOKEN]",
            ),
            (
                "key sk-proj-ABCDEFGHIJKLMNOP1234 ok",
                "key [REDACTED:SK_TOKEN] ok",
            ),
            ("ctx7_abcdef123", "[REDACTED:CTX7_TOKEN]"),
            (
                "blob QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn== end",
                "blob [REDACTED:BASE64_BLOB] end",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input, &[]), want, "{input}");
        }
    }

    #[test]
    fn secret_values_are_replaced_by_name_even_when_no_pattern_matches() {
        let secrets = [secret("DB_PASSWORD", "correct horse battery")];
        assert_eq!(
            redact("login with correct horse battery please", &secrets),
            "login with [REDACTED:DB_PASSWORD] please"
        );
    }

    #[test]
    fn longest_value_wins_and_markers_are_not_rewritten() {
        let secrets = [
            secret("SHORT", "abcdef"),
            secret("LONG", "abcdefghij"),
            secret("AVERYLONGSECRETNAMEWITHOUTANYUNDERSCORES", "zzzzzzzz"),
        ];
        assert_eq!(
            redact("x abcdefghij y abcdef z zzzzzzzz", &secrets),
            "x [REDACTED:LONG] y [REDACTED:SHORT] z [REDACTED:AVERYLONGSECRETNAMEWITHOUTANYUNDERSCORES]"
        );
    }

    #[test]
    fn short_values_are_not_scrubbed() {
        let secrets = [secret("PIN", "1234")];
        assert_eq!(redact("pin 1234", &secrets), "pin 1234");
    }

    #[test]
    fn marker_escape() {
        assert_eq!(
            escape_memory_marker("[MEMORY id=x scope=GLOBAL from=y]: hi"),
            "[_MEMORY id=x scope=GLOBAL from=y]: hi"
        );
        assert_eq!(escape_memory_marker("[MEMORYX"), "[MEMORYX");
    }
}
