//! The system prompt of a run.

use std::path::Path;

use coffer_core::domain::conversation::{FILE_EDITOR_TOOL, TERMINAL_TOOL};

pub fn system_prompt(working_dir: &Path, tools: &[String]) -> String {
    let mut prompt = format!(
        "You are a helpful agent. You work in the directory {} through tools.\n",
        working_dir.display()
    );
    if tools.iter().any(|t| t == TERMINAL_TOOL) {
        prompt.push_str(
            "- `terminal` runs a bash command there (a fresh shell per call). Secrets of this \
             conversation are available as environment variables to the commands that \
             mention their names; their values are shown to you as <secret-hidden>.\n",
        );
    }
    if tools.iter().any(|t| t == FILE_EDITOR_TOOL) {
        prompt.push_str("- `file_editor` views, creates and edits files inside that directory.\n");
    }
    prompt.push_str(
        "- `think` lets you reason without doing anything.\n\
         When the task is done, call `finish` with your final answer as `message`.",
    );
    prompt
}
