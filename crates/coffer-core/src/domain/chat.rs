//! Conversations and messages. A conversation is `direct` (exactly two participants,
//! one per unordered pair — starting it again reuses it) or a `group` (three or more).
//! A message is `finalized` once its content is final: at once for people, when the
//! stream ends for agent replies (a placeholder has no `finalized_at_ms` meanwhile).

use uuid::Uuid;

use super::account::Account;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatKind {
    Direct,
    Group,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Direct => "direct",
            ChatKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<ChatKind> {
        [ChatKind::Direct, ChatKind::Group]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A conversation with its participants (in the order they joined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chat {
    pub id: Uuid,
    pub kind: ChatKind,
    /// Groups only.
    pub title: Option<String>,
    pub participants: Vec<Account>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Chat {
    pub fn has_participant(&self, username: &str) -> bool {
        self.participants.iter().any(|p| p.username == username)
    }

    /// The participants' usernames: who may see this conversation's events.
    pub fn audience(&self) -> Vec<String> {
        self.participants
            .iter()
            .map(|p| p.username.clone())
            .collect()
    }
}

/// A stored message, with its sender resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: Uuid,
    pub chat_id: Uuid,
    pub sender: Account,
    pub content: String,
    pub reply_to_id: Option<Uuid>,
    pub client_msg_id: Option<String>,
    pub created_at_ms: i64,
    /// `None` while an agent reply is still streaming.
    pub finalized_at_ms: Option<i64>,
}

/// An agent in a group and its dispatch mode (see `dispatch_rule`). `always_on` is the
/// effective mode: an agent with no setting answers every human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupAgent {
    pub agent: Account,
    pub always_on: bool,
}

/// The most participants one conversation may have.
pub const MAX_PARTICIPANTS: usize = 100;
/// The longest message text, in characters.
pub const MAX_TEXT_CHARS: usize = 16_000;
/// The longest group title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest `client_msg_id`, in bytes.
pub const MAX_CLIENT_MSG_ID: usize = 128;

/// Why a piece of text is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong,
    /// A NUL character: PostgreSQL text cannot hold it, so no backend stores it.
    Nul,
}

/// A message text: not blank, at most [`MAX_TEXT_CHARS`] characters, no NUL.
pub fn check_text(text: &str) -> Result<(), TextProblem> {
    check_bounded(text, MAX_TEXT_CHARS)
}

/// A group title: trimmed; blank means no title.
pub fn parse_title(title: &str) -> Result<Option<String>, TextProblem> {
    let trimmed = title.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    check_bounded(trimmed, MAX_TITLE_CHARS).map(|()| Some(trimmed.to_owned()))
}

/// A client's own message id: 1 to [`MAX_CLIENT_MSG_ID`] bytes, no control characters.
pub fn check_client_msg_id(id: &str) -> Result<(), TextProblem> {
    if id.is_empty() {
        return Err(TextProblem::Empty);
    }
    if id.len() > MAX_CLIENT_MSG_ID {
        return Err(TextProblem::TooLong);
    }
    if id.chars().any(char::is_control) {
        return Err(TextProblem::Nul);
    }
    Ok(())
}

fn check_bounded(text: &str, max_chars: usize) -> Result<(), TextProblem> {
    if text.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    if text.contains('\0') {
        return Err(TextProblem::Nul);
    }
    // Counting stops early: a huge text costs at most max_chars steps here.
    if text.chars().nth(max_chars).is_some() {
        return Err(TextProblem::TooLong);
    }
    Ok(())
}

/// The key that makes a direct conversation unique per unordered pair.
pub fn direct_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a} {b}")
    } else {
        format!("{b} {a}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_must_be_non_blank_bounded_and_nul_free() {
        assert_eq!(check_text("hi"), Ok(()));
        assert_eq!(check_text(&"字".repeat(MAX_TEXT_CHARS)), Ok(()));
        assert_eq!(check_text(" \n\t"), Err(TextProblem::Empty));
        assert_eq!(
            check_text(&"x".repeat(MAX_TEXT_CHARS + 1)),
            Err(TextProblem::TooLong)
        );
        assert_eq!(check_text("a\0b"), Err(TextProblem::Nul));
    }

    #[test]
    fn titles_are_trimmed_and_blank_means_none() {
        assert_eq!(parse_title("  Launch  "), Ok(Some("Launch".into())));
        assert_eq!(parse_title("   "), Ok(None));
        assert_eq!(parse_title(&"t".repeat(201)), Err(TextProblem::TooLong));
    }

    #[test]
    fn client_message_ids_are_short_and_printable() {
        assert_eq!(check_client_msg_id("c-1"), Ok(()));
        assert!(check_client_msg_id("").is_err());
        assert!(check_client_msg_id(&"x".repeat(129)).is_err());
        assert!(check_client_msg_id("a\nb").is_err());
    }

    #[test]
    fn direct_keys_ignore_order() {
        assert_eq!(direct_key("bob", "ann"), direct_key("ann", "bob"));
        assert_ne!(direct_key("a", "b"), direct_key("a", "c"));
    }
}
