//! The provider-neutral request: a system prompt, the conversation as alternating turns,
//! and optional tools.

/// Who said a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

/// A tool the model may call: a name, what it does, and a JSON Schema of its input.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
}

impl ChatRequest {
    /// The turns as both APIs want them: consecutive turns of one role merged (joined by
    /// a blank line), and the conversation starting with a user turn.
    pub(crate) fn turns(&self) -> Vec<(Role, String)> {
        let mut turns: Vec<(Role, String)> = Vec::new();
        for m in &self.messages {
            if turns.is_empty() && m.role == Role::Assistant {
                continue;
            }
            match turns.last_mut() {
                Some((role, text)) if *role == m.role => {
                    text.push_str("\n\n");
                    text.push_str(&m.content);
                }
                _ => turns.push((m.role, m.content.clone())),
            }
        }
        turns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: Role, content: &str) -> ChatMessage {
        ChatMessage {
            role,
            content: content.to_owned(),
        }
    }

    #[test]
    fn turns_alternate_and_start_with_the_user() {
        let request = ChatRequest {
            messages: vec![
                msg(Role::Assistant, "earlier reply"),
                msg(Role::User, "a"),
                msg(Role::User, "b"),
                msg(Role::Assistant, "c"),
                msg(Role::User, "d"),
            ],
            ..ChatRequest::default()
        };
        assert_eq!(
            request.turns(),
            [
                (Role::User, "a\n\nb".to_owned()),
                (Role::Assistant, "c".to_owned()),
                (Role::User, "d".to_owned()),
            ]
        );
    }
}
