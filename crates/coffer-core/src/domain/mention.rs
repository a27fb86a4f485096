//! Mention parsing, as the Mafold server's `extract_mentions` does it (mirrored by the
//! public CLI's `mentions_me`):
//!
//! - a mention is an `@` at the start of the text, or one whose preceding byte is not a
//!   handle byte, followed by one or more handle bytes `[A-Za-z0-9_\-:]`;
//! - the run of handle bytes is compared case-insensitively with the whole username, so
//!   `@ops:claude` names `ops:claude` but `@claude` does not, and `@opsclaudex` names
//!   nobody we know;
//! - multi-byte characters (CJK, emoji) and punctuation are boundaries, so
//!   `帮我看看@ops:claude` and `(@ops:claude)` mention, while `a@ops:claude.com` does not.
//!
//! One deliberate addition: trailing `:` are not part of the handle, so the chat habit
//! `@claude: hi` mentions `claude` (documented in `docs/dialects/mafold.md`).

fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':')
}

/// Every mentioned handle, lowercased, each once, in order of first appearance.
pub fn mentions(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'@' || (i > 0 && is_handle_byte(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| is_handle_byte(**b))
                .count();
        // Handle bytes are ASCII, so these are char boundaries.
        let handle = text[start..end].trim_end_matches(':').to_ascii_lowercase();
        if !handle.is_empty() && !found.contains(&handle) {
            found.push(handle);
        }
        i = end.max(start);
    }
    found
}

/// Whether `text` mentions `username` (compared case-insensitively).
pub fn is_mentioned(text: &str, username: &str) -> bool {
    mentions(text)
        .iter()
        .any(|m| m.eq_ignore_ascii_case(username))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public CLI's `mention_matching` cases, for the fork `ops:claude`.
    #[test]
    fn the_specs_firing_cases_mention_the_fork() {
        for text in [
            "hey @ops:claude can you help",
            "@ops:claude",
            "yo @OPS:CLAUDE",
            "a @x then @ops:claude",
            "帮我看看@ops:claude",
            "看看这个bug，@ops:claude",
            "(@ops:claude)",
            "cc @ops:claude, 看下",
        ] {
            assert!(is_mentioned(text, "ops:claude"), "{text}");
        }
    }

    #[test]
    fn the_specs_non_firing_cases_do_not() {
        for text in [
            "mail me at a@ops:claude.com",
            "ping @claude",
            "no mention here",
            "@opsclaudex",
            "",
            "@",
            "@@",
        ] {
            assert!(!is_mentioned(text, "ops:claude"), "{text}");
        }
        assert!(is_mentioned("ping @claude", "claude"));
    }

    #[test]
    fn handles_are_collected_once_lowercased_in_order() {
        assert_eq!(
            mentions("@B hi @a and @b again, @a:claude"),
            ["b", "a", "a:claude"]
        );
        assert_eq!(mentions("x@y @ @-z"), ["-z"]);
        assert_eq!(mentions("🦀@Crab"), ["crab"]);
    }

    #[test]
    fn a_trailing_colon_is_punctuation_not_part_of_the_handle() {
        assert!(is_mentioned("@claude: what do you think?", "claude"));
        assert!(is_mentioned("@ops:claude: please", "ops:claude"));
        assert!(!is_mentioned("@ops: claude", "ops:claude"));
    }
}
