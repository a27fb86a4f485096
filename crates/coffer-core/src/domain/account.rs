//! Accounts: everyone in a chat is one — people (`human`) and AI agents (`agent`).
//!
//! - A [`Username`] is the account's handle: ASCII, stored lowercase (matching is
//!   case-insensitive), `[a-z0-9_-]`, plus one `:` in a fork's handle.
//! - House agents (`claude`, `deepseek`) are top-level agents that run on the platform
//!   key. A fork `<owner>:<provider>` is an agent owned by a human (`parent_username`)
//!   that runs on the owner's sealed key; every human gets one per [`Provider`].
//! - [`Provider`] names "which brain runs it" (`claude` → Anthropic, `deepseek` →
//!   DeepSeek); provider keys are keyed by (owner, provider).

use std::fmt;

/// An account handle, lowercase. See the module docs for the alphabet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub const MAX_LEN: usize = 64;
    /// A human's handle is shorter, so its forks (`<owner>:deepseek`) always fit.
    pub const MAX_HUMAN_LEN: usize = 32;

    /// Any account handle (humans, house agents, forks); lowercased. `None` when it
    /// breaks the rule, which also means no such account can exist.
    pub fn parse(s: &str) -> Option<Username> {
        let lower = s.to_ascii_lowercase();
        let (head, tail) = match lower.split_once(':') {
            Some((owner, provider)) => (owner, Some(provider)),
            None => (lower.as_str(), None),
        };
        let ok = valid_part(head, Self::MAX_LEN)
            && tail.is_none_or(|t| valid_part(t, Self::MAX_LEN))
            && lower.len() <= Self::MAX_LEN;
        ok.then(|| Username(lower.clone()))
    }

    /// A human's handle: like [`Username::parse`] but no `:` and at most
    /// [`Username::MAX_HUMAN_LEN`] bytes, starting with a letter or digit.
    pub fn parse_human(s: &str) -> Option<Username> {
        let name = Username::parse(s)?;
        let first_ok = name.0.starts_with(|c: char| c.is_ascii_alphanumeric());
        (first_ok && !name.0.contains(':') && name.0.len() <= Self::MAX_HUMAN_LEN).then_some(name)
    }

    /// The handle of `owner`'s fork for `provider`: `<owner>:<provider>`.
    pub fn fork(owner: &Username, provider: Provider) -> Username {
        Username(format!("{}:{}", owner.0, provider.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_part(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    Human,
    Agent,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Human => "human",
            AccountKind::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        [AccountKind::Human, AccountKind::Agent]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The brain behind an agent. Keys are stored per (owner, provider).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// Anthropic's Messages API.
    Claude,
    /// DeepSeek's OpenAI-compatible chat completions API.
    Deepseek,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Claude, Provider::Deepseek];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Claude => "claude",
            Provider::Deepseek => "deepseek",
        }
    }

    /// Exact, lowercase names only: the credential is looked up by this string.
    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The display name given to the house agent and to forks.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Claude => "Claude",
            Provider::Deepseek => "DeepSeek",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account as stored and shown. Optional fields are `None` when unset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    /// Agents only: the owning human (absent for house agents).
    pub parent_username: Option<String>,
    /// Agents only.
    pub agent_provider: Option<Provider>,
}

impl Account {
    pub fn is_agent(&self) -> bool {
        self.kind == AccountKind::Agent
    }

    /// A house agent: an agent with no owner (runs on the platform key).
    pub fn is_house_agent(&self) -> bool {
        self.is_agent() && self.parent_username.is_none()
    }
}

/// One of a caller's agents and whether a key is stored for its provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedAgent {
    pub account: Account,
    pub key_configured: bool,
}

/// A display name: trimmed, 1 to 64 characters, no control characters.
pub fn parse_display_name(s: &str) -> Option<String> {
    let trimmed = s.trim();
    let count = trimmed.chars().count();
    ((1..=64).contains(&count) && !trimmed.chars().any(char::is_control))
        .then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_follow_the_handle_alphabet() {
        assert_eq!(Username::parse("Ops").unwrap().as_str(), "ops");
        assert_eq!(
            Username::parse("OPS:CLAUDE").unwrap().as_str(),
            "ops:claude"
        );
        for ok in ["a", "a-b_c9", "ops:claude", "x:y"] {
            assert!(Username::parse(ok).is_some(), "{ok}");
        }
        let long = "a".repeat(65);
        for bad in [
            "", ":", "a:", ":a", "a:b:c", "a b", "é", "a.b", "a@b", "a\0", &long,
        ] {
            assert!(Username::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn human_handles_have_no_colon_and_start_with_a_letter_or_digit() {
        assert!(Username::parse_human("ops").is_some());
        assert!(Username::parse_human("7up").is_some());
        for bad in ["ops:claude", "-x", "_x", &"a".repeat(33)] {
            assert!(Username::parse_human(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn forks_are_owner_colon_provider() {
        let owner = Username::parse_human("ops").unwrap();
        assert_eq!(
            Username::fork(&owner, Provider::Deepseek).as_str(),
            "ops:deepseek"
        );
        let longest = Username::parse_human(&"a".repeat(32)).unwrap();
        assert!(Username::parse(Username::fork(&longest, Provider::Deepseek).as_str()).is_some());
    }

    #[test]
    fn providers_and_kinds_parse_their_exact_names_only() {
        assert_eq!(Provider::parse("claude"), Some(Provider::Claude));
        assert_eq!(Provider::parse("deepseek"), Some(Provider::Deepseek));
        for bad in ["Claude", "anthropic", "openai", ""] {
            assert_eq!(Provider::parse(bad), None, "{bad}");
        }
        assert_eq!(AccountKind::parse("agent"), Some(AccountKind::Agent));
        assert_eq!(AccountKind::parse("bot"), None);
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(parse_display_name("  Ops Team "), Some("Ops Team".into()));
        assert_eq!(
            parse_display_name("🦀".repeat(64).as_str())
                .unwrap()
                .chars()
                .count(),
            64
        );
        for bad in ["", "   ", "a\nb", "a\0b", &"x".repeat(65)] {
            assert_eq!(parse_display_name(bad), None, "{bad:?}");
        }
    }
}
