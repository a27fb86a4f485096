//! The tools offered to the model and how a call is carried out: `terminal` and
//! `file_editor` when the agent enables them, plus the built-in `finish` (ends the run
//! with a message) and `think` (a no-op that lets the model reason).

pub mod file_editor;
pub mod terminal;

use std::path::Path;
use std::time::Duration;

use coffer_core::domain::conversation::{FILE_EDITOR_TOOL, FINISH_TOOL, TERMINAL_TOOL};
use coffer_core::ops::conversations::RunSession;
use serde_json::{Value, json};

use crate::AgentConfig;
use crate::llm::ToolSpec;

pub const THINK_TOOL: &str = "think";

/// The specs of `enabled` tools plus `finish` and `think`.
pub fn specs(enabled: &[String]) -> Vec<ToolSpec> {
    let mut specs = Vec::new();
    if enabled.iter().any(|t| t == TERMINAL_TOOL) {
        specs.push(ToolSpec {
            name: TERMINAL_TOOL,
            description: "Run a bash command in the working directory. Each call starts a fresh shell; stdout and stderr are returned together. Environment variables that name the conversation's secrets are available to commands that mention them; secret values are shown as <secret-hidden> in the output.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": "The bash command to run."},
                    "timeout": {"type": "number", "description": "Optional. Seconds after which the command is stopped."}
                },
                "required": ["command"]
            }),
        });
    }
    if enabled.iter().any(|t| t == FILE_EDITOR_TOOL) {
        specs.push(ToolSpec {
            name: FILE_EDITOR_TOOL,
            description: "View, create and edit files inside the working directory. `view` shows a file with line numbers (or lists a directory), `create` writes a new file, `str_replace` replaces one exact occurrence of `old_str` with `new_str`, `insert` inserts `new_str` after line `insert_line` (0 = at the top).",
            parameters: json!({
                "type": "object",
                "properties": {
                    "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert"]},
                    "path": {"type": "string", "description": "Absolute path, or relative to the working directory."},
                    "file_text": {"type": "string"},
                    "old_str": {"type": "string"},
                    "new_str": {"type": "string"},
                    "insert_line": {"type": "integer"},
                    "view_range": {"type": "array", "items": {"type": "integer"}}
                },
                "required": ["command", "path"]
            }),
        });
    }
    specs.push(ToolSpec {
        name: FINISH_TOOL,
        description: "Finish the task and give your final answer to the user.",
        parameters: json!({
            "type": "object",
            "properties": {"message": {"type": "string", "description": "The final answer."}},
            "required": ["message"]
        }),
    });
    specs.push(ToolSpec {
        name: THINK_TOOL,
        description: "Think something through. Nothing is executed; the thought is logged.",
        parameters: json!({
            "type": "object",
            "properties": {"thought": {"type": "string"}},
            "required": ["thought"]
        }),
    });
    specs
}

/// What a call produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The tool ran; `text` goes back to the model (masked by the session first).
    Observation {
        text: String,
        is_error: bool,
        detail: Value,
    },
    /// `finish` was called with this message.
    Finish,
    /// The call could not run (unknown tool, bad arguments); reported as an error.
    Invalid(String),
}

/// Carries out one call.
pub async fn execute(
    name: &str,
    arguments: &str,
    enabled: &[String],
    working_dir: &Path,
    session: &RunSession,
    config: &AgentConfig,
) -> Outcome {
    let args: Value = match serde_json::from_str(arguments) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) | Err(_) => {
            return Outcome::Invalid(format!(
                "Error validating args {arguments} for tool '{name}': the arguments are not a JSON object"
            ));
        }
    };
    let available = |tool: &str| enabled.iter().any(|t| t == tool);
    match name {
        FINISH_TOOL => Outcome::Finish,
        THINK_TOOL => Outcome::Observation {
            text: "Your thought has been logged.".into(),
            is_error: false,
            detail: json!({"kind": "ThinkObservation"}),
        },
        TERMINAL_TOOL if available(TERMINAL_TOOL) => {
            terminal_call(&args, working_dir, session, config).await
        }
        FILE_EDITOR_TOOL if available(FILE_EDITOR_TOOL) => {
            let command = args.get("command").cloned().unwrap_or(Value::Null);
            let path = args.get("path").cloned().unwrap_or(Value::Null);
            let detail = json!({"kind": "FileEditorObservation", "command": command, "path": path});
            match file_editor::run(&args, working_dir, config.output_limit_bytes).await {
                Ok(text) => Outcome::Observation {
                    text,
                    is_error: false,
                    detail,
                },
                Err(text) => Outcome::Observation {
                    text,
                    is_error: true,
                    detail,
                },
            }
        }
        other => {
            let mut names: Vec<&str> = enabled.iter().map(String::as_str).collect();
            names.extend([FINISH_TOOL, THINK_TOOL]);
            Outcome::Invalid(format!(
                "Tool '{other}' not found. Available: {}",
                names.join(", ")
            ))
        }
    }
}

async fn terminal_call(
    args: &Value,
    working_dir: &Path,
    session: &RunSession,
    config: &AgentConfig,
) -> Outcome {
    let Some(command) = args.get("command").and_then(Value::as_str) else {
        return Outcome::Invalid(
            "Error validating args for tool 'terminal': `command` is required and must be a string"
                .into(),
        );
    };
    let timeout = args
        .get("timeout")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(config.terminal_timeout)
        .min(config.terminal_max_timeout);
    let env = session.command_env(command).await;
    let detail = |exit_code: Option<i32>, timed_out: bool| json!({"kind": "TerminalObservation", "command": command, "exit_code": exit_code, "timeout": timed_out});
    match terminal::run(
        command,
        working_dir,
        &env,
        timeout,
        config.output_limit_bytes,
    )
    .await
    {
        Ok(result) => {
            let note = if result.timed_out {
                format!(
                    "[The command timed out after {} seconds and was stopped.]",
                    timeout.as_secs_f64()
                )
            } else {
                match result.exit_code {
                    Some(code) => format!("[The command completed with exit code {code}.]"),
                    None => "[The command was killed by a signal.]".to_owned(),
                }
            };
            let separator = if result.output.is_empty() || result.output.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            Outcome::Observation {
                text: format!("{}{separator}{note}", result.output),
                is_error: result.timed_out || result.exit_code != Some(0),
                detail: detail(result.exit_code, result.timed_out),
            }
        }
        Err(e) => Outcome::Observation {
            text: format!("The command could not be started: {e}"),
            is_error: true,
            detail: detail(None, false),
        },
    }
}
