//! One run of a conversation: until the model calls `finish` or answers without a tool,
//! ask the LLM (with the tool specs), record its tool calls, carry them out one by one,
//! record what they returned and hand that back. Everything recorded goes through the
//! session, which masks secrets first; what the model sees next is what was recorded.
//!
//! How a run ends: `finish` or a tool-less answer → finished; an LLM error that retries
//! did not cure → error (with the provider's code); a stop the session asks for (pause,
//! delete, shutdown, stuck, `max_iterations`) → the status the session decides.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use coffer_core::domain::conversation::{
    EventBody, EventSource, LlmCall, NewConversationEvent, Role,
};
use coffer_core::ops::conversations::{RunOutcome, RunSession, Stop};

use crate::AgentRuntime;
use crate::history;
use crate::llm::{ChatMessage, ChatResponse, LlmClient, ToolCall, pricing};
use crate::prompt::system_prompt;
use crate::tools::{self, Outcome};

pub async fn run(runtime: &AgentRuntime, session: RunSession) {
    let outcome = drive(runtime, &session).await;
    session.end(outcome).await;
}

fn failed(code: &str, detail: impl Into<String>) -> RunOutcome {
    RunOutcome::Failed {
        code: code.to_owned(),
        detail: detail.into(),
    }
}

async fn drive(runtime: &AgentRuntime, session: &RunSession) -> RunOutcome {
    let spec = match session.spec().await {
        Ok(spec) => spec,
        Err(e) => return failed("AgentConfigurationError", e.to_string()),
    };
    if let Err(e) = tokio::fs::create_dir_all(&spec.working_dir).await {
        return failed(
            "WorkspaceError",
            format!("The working directory cannot be created: {e}"),
        );
    }
    let history = match session.history().await {
        Ok(history) => history,
        Err(e) => {
            return failed(
                "InternalError",
                format!("Reading the conversation failed: {e}"),
            );
        }
    };
    let llm = match LlmClient::new(&runtime.http, &spec.llm, runtime.config.llm_timeout_cap) {
        Ok(llm) => llm,
        Err(e) => return failed(e.code(), e.detail()),
    };
    let tool_specs = tools::specs(&spec.tools);
    let mut messages = history::messages(system_prompt(&spec.working_dir, &spec.tools), &history);
    let mut steps = 0;
    loop {
        if let Err(stop) = session.checkpoint(steps, spec.max_iterations) {
            return RunOutcome::Stopped(stop);
        }
        for message in session.take_new_messages() {
            if let EventBody::Message { text, .. } = message.body {
                messages.push(ChatMessage::User(text));
            }
        }
        let started = Instant::now();
        let response = tokio::select! {
            response = llm.complete(&messages, &tool_specs) => response,
            () = session.cancelled() => return RunOutcome::Stopped(Stop::Cancelled),
        };
        let response = match response {
            Ok(response) => response,
            Err(e) => return failed(e.code(), e.detail()),
        };
        let call = llm_call(&spec.llm, &response, started);
        if response.tool_calls.is_empty() {
            let answer = NewConversationEvent {
                source: EventSource::Agent,
                body: EventBody::Message {
                    role: Role::Assistant,
                    text: response.text,
                },
            };
            return match session.record(vec![answer], Some(call)).await {
                Ok(_) => RunOutcome::Finished,
                Err(stop) => RunOutcome::Stopped(stop),
            };
        }
        match step(runtime, session, &spec, &mut messages, response, call).await {
            Ok(true) => return RunOutcome::Finished,
            Ok(false) => {}
            Err(stop) => return RunOutcome::Stopped(stop),
        }
        steps += 1;
    }
}

/// Records the answer's tool calls and carries them out; `Ok(true)` when `finish` was
/// called.
async fn step(
    runtime: &AgentRuntime,
    session: &RunSession,
    spec: &coffer_core::ops::conversations::RunSpec,
    messages: &mut Vec<ChatMessage>,
    response: ChatResponse,
    call: LlmCall,
) -> Result<bool, Stop> {
    let actions = response
        .tool_calls
        .iter()
        .enumerate()
        .map(|(i, c)| NewConversationEvent {
            source: EventSource::Agent,
            body: EventBody::Action {
                thought: if i == 0 {
                    response.text.clone()
                } else {
                    String::new()
                },
                tool_name: c.name.clone(),
                tool_call_id: c.id.clone(),
                arguments: c.arguments.clone(),
                llm_response_id: response.id.clone(),
            },
        })
        .collect();
    let recorded = session.record(actions, Some(call)).await?;
    let calls: Vec<ToolCall> = recorded
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Action {
                tool_name,
                tool_call_id,
                arguments,
                ..
            } => Some(ToolCall {
                id: tool_call_id.clone(),
                name: tool_name.clone(),
                arguments: arguments.clone(),
            }),
            _ => None,
        })
        .collect();
    let thought = match recorded.first().map(|e| &e.body) {
        Some(EventBody::Action { thought, .. }) => thought.clone(),
        _ => String::new(),
    };
    messages.push(ChatMessage::Assistant {
        text: thought,
        tool_calls: calls.clone(),
    });
    // The tools run what the model asked for; the record and the history show it masked.
    for ((call, asked), action) in calls.iter().zip(&response.tool_calls).zip(&recorded) {
        let outcome = tokio::select! {
            outcome = tools::execute(&asked.name, &asked.arguments, &spec.tools, &spec.working_dir, session, &runtime.config) => outcome,
            () = session.cancelled() => return Err(Stop::Cancelled),
        };
        let event = match outcome {
            Outcome::Finish => return Ok(true),
            Outcome::Observation {
                text,
                is_error,
                detail,
            } => EventBody::Observation {
                tool_name: call.name.clone(),
                tool_call_id: call.id.clone(),
                action_id: action.id,
                text,
                is_error,
                detail,
            },
            Outcome::Invalid(error) => EventBody::AgentError {
                tool_name: call.name.clone(),
                tool_call_id: call.id.clone(),
                error,
            },
        };
        let source = match event {
            EventBody::Observation { .. } => EventSource::Environment,
            _ => EventSource::Agent,
        };
        let recorded = session
            .record(
                vec![NewConversationEvent {
                    source,
                    body: event,
                }],
                None,
            )
            .await?;
        let content = match recorded.first().map(|e| &e.body) {
            Some(EventBody::Observation { text, .. }) => text.clone(),
            Some(EventBody::AgentError { error, .. }) => error.clone(),
            _ => String::new(),
        };
        messages.push(ChatMessage::Tool {
            call_id: call.id.clone(),
            name: call.name.clone(),
            content,
        });
    }
    Ok(false)
}

fn llm_call(
    config: &coffer_core::domain::conversation::LlmConfig,
    response: &ChatResponse,
    started: Instant,
) -> LlmCall {
    let usage = response.usage;
    LlmCall {
        usage_id: config.usage_id.clone(),
        model: config.model.clone(),
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        cache_read_tokens: usage.cache_read_tokens,
        cache_write_tokens: usage.cache_write_tokens,
        reasoning_tokens: usage.reasoning_tokens,
        context_window: pricing::context_window(&config.model),
        cost: pricing::cost(config, &usage),
        latency_secs: started.elapsed().as_secs_f64(),
        response_id: response.id.clone(),
        at_secs: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
    }
}
