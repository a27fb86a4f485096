//! Provider API keys as the owner sees them: never the key itself, only a masked tail.

/// `"•••"` followed by the key's last four characters (characters, not bytes); just
/// `"•••"` for keys of four characters or fewer, so a short key is never shown whole.
pub fn key_tail(api_key: &str) -> String {
    const BULLETS: &str = "\u{2022}\u{2022}\u{2022}";
    let count = api_key.chars().count();
    if count <= 4 {
        return BULLETS.to_owned();
    }
    let tail: String = api_key.chars().skip(count - 4).collect();
    format!("{BULLETS}{tail}")
}

/// The longest accepted API key, in bytes (real keys are ~100–200 bytes).
pub const MAX_API_KEY_BYTES: usize = 4096;

#[cfg(test)]
mod tests {
    use super::key_tail;

    #[test]
    fn the_tail_is_three_bullets_and_the_last_four_characters() {
        assert_eq!(key_tail("sk-ant-api03-abcx7kQ"), "•••x7kQ");
        assert_eq!(key_tail("12345"), "•••2345");
        assert_eq!(key_tail("ключ-доступа"), "•••тупа");
    }

    #[test]
    fn short_keys_show_no_character_at_all() {
        for short in ["", "a", "abcd", "🔑🔑🔑🔑"] {
            assert_eq!(key_tail(short), "•••", "{short}");
        }
    }
}
