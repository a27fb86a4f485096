//! A conversation's event log as messages for the model: user and agent messages, the
//! agent's tool calls grouped per LLM answer, and one tool answer per call (observation
//! or error). Every call gets an answer before the next turn — a `finish` call or one
//! cut short gets a short placeholder — since providers refuse unanswered calls.

use coffer_core::domain::conversation::{ConversationEvent, EventBody, FINISH_TOOL, Role};

use crate::llm::{ChatMessage, ToolCall};

pub fn messages(system: String, events: &[ConversationEvent]) -> Vec<ChatMessage> {
    let mut out = vec![ChatMessage::System(system)];
    let mut pending: Vec<ToolCall> = Vec::new();
    let mut last_response: Option<&str> = None;
    for event in events {
        match &event.body {
            EventBody::Action {
                thought,
                tool_name,
                tool_call_id,
                arguments,
                llm_response_id,
            } => {
                let call = ToolCall {
                    id: tool_call_id.clone(),
                    name: tool_name.clone(),
                    arguments: arguments.clone(),
                };
                let same_answer = last_response == Some(llm_response_id.as_str());
                match out.last_mut() {
                    Some(ChatMessage::Assistant { tool_calls, .. }) if same_answer => {
                        tool_calls.push(call.clone())
                    }
                    _ => {
                        settle(&mut out, &mut pending);
                        out.push(ChatMessage::Assistant {
                            text: thought.clone(),
                            tool_calls: vec![call.clone()],
                        });
                    }
                }
                last_response = Some(llm_response_id.as_str());
                pending.push(call);
            }
            EventBody::Observation {
                tool_call_id, text, ..
            } => answer(&mut out, &mut pending, tool_call_id, text),
            EventBody::AgentError {
                tool_call_id,
                error,
                ..
            } => answer(&mut out, &mut pending, tool_call_id, error),
            EventBody::Message { role, text } => {
                settle(&mut out, &mut pending);
                last_response = None;
                out.push(match role {
                    Role::User => ChatMessage::User(text.clone()),
                    Role::Assistant => ChatMessage::Assistant {
                        text: text.clone(),
                        tool_calls: Vec::new(),
                    },
                });
            }
            EventBody::ConversationError { .. } | EventBody::Pause => {}
        }
    }
    settle(&mut out, &mut pending);
    out
}

/// Adds the answer to a pending call (an answer to no pending call is dropped).
fn answer(out: &mut Vec<ChatMessage>, pending: &mut Vec<ToolCall>, call_id: &str, text: &str) {
    if let Some(i) = pending.iter().position(|c| c.id == call_id) {
        let call = pending.remove(i);
        out.push(ChatMessage::Tool {
            call_id: call.id,
            name: call.name,
            content: text.to_owned(),
        });
    }
}

/// Answers every call still pending.
fn settle(out: &mut Vec<ChatMessage>, pending: &mut Vec<ToolCall>) {
    for call in pending.drain(..) {
        let content = if call.name == FINISH_TOOL {
            "Finished."
        } else {
            "(no result)"
        };
        out.push(ChatMessage::Tool {
            call_id: call.id,
            name: call.name,
            content: content.to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::domain::conversation::EventSource;
    use uuid::Uuid;

    fn ev(body: EventBody) -> ConversationEvent {
        ConversationEvent {
            id: Uuid::new_v4(),
            seq: 0,
            at_ms: 0,
            source: EventSource::Agent,
            body,
        }
    }

    fn action(id: &str, tool: &str, response: &str) -> ConversationEvent {
        ev(EventBody::Action {
            thought: String::new(),
            tool_name: tool.into(),
            tool_call_id: id.into(),
            arguments: "{}".into(),
            llm_response_id: response.into(),
        })
    }

    #[test]
    fn calls_of_one_answer_are_grouped_and_every_call_is_answered() {
        let events = [
            ev(EventBody::Message {
                role: Role::User,
                text: "hi".into(),
            }),
            action("a", "terminal", "r1"),
            action("b", "terminal", "r1"),
            ev(EventBody::Observation {
                tool_name: "terminal".into(),
                tool_call_id: "a".into(),
                action_id: Uuid::nil(),
                text: "out".into(),
                is_error: false,
                detail: serde_json::Value::Null,
            }),
            action("c", FINISH_TOOL, "r2"),
            ev(EventBody::Message {
                role: Role::User,
                text: "again".into(),
            }),
        ];
        let m = messages("sys".into(), &events);
        let tool = |id: &str, content: &str, name: &str| ChatMessage::Tool {
            call_id: id.into(),
            name: name.into(),
            content: content.into(),
        };
        assert_eq!(m.len(), 8);
        assert!(
            matches!(&m[2], ChatMessage::Assistant { tool_calls, .. } if tool_calls.len() == 2)
        );
        assert_eq!(m[3], tool("a", "out", "terminal"));
        assert_eq!(m[4], tool("b", "(no result)", "terminal"));
        assert_eq!(m[6], tool("c", "Finished.", FINISH_TOOL));
        assert_eq!(m[7], ChatMessage::User("again".into()));
    }
}
