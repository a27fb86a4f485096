//! What a streamed reply produces.

/// One piece of a streamed reply, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// The next piece of the reply's text.
    TextDelta(String),
    /// The model starts calling tool `name`; `index` identifies the call in this reply.
    ToolCallStart {
        index: usize,
        id: String,
        name: String,
    },
    /// The next piece of a tool call's JSON arguments.
    ToolCallArgumentsDelta { index: usize, json: String },
}

/// Why the model stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    ToolUse,
    StopSequence,
    Other(String),
}

impl StopReason {
    /// Both APIs' names (`end_turn`/`stop`, `max_tokens`/`length`, `tool_use`/`tool_calls`).
    pub(crate) fn parse(s: &str) -> StopReason {
        match s {
            "end_turn" | "stop" => StopReason::EndTurn,
            "max_tokens" | "length" => StopReason::MaxTokens,
            "tool_use" | "tool_calls" => StopReason::ToolUse,
            "stop_sequence" => StopReason::StopSequence,
            other => StopReason::Other(other.to_owned()),
        }
    }
}

/// How a complete reply ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Finish {
    pub stop_reason: Option<StopReason>,
}
