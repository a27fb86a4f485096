//! How a run ends when the model misbehaves (each outcome is documented in
//! docs/dialects/openhands.md): a refused key → `error` (`LLMAuthenticationError`); 429
//! then success → retried, `finished`; repeated 5xx → `error` after the retries; a
//! malformed tool call → an `AgentErrorEvent` the model sees, then it can finish; a cut
//! connection → retried, else `error`; a tool-less answer → `finished`; too many steps →
//! `error` (`MaxIterationsReached`); the same step over and over → `stuck`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, TestApp};

/// Starts a conversation against `llm` with `retries` and no backoff wait; returns its id
/// once it stopped running, with its final state.
async fn run_to_end(
    app: &TestApp,
    llm: &FakeServer,
    retries: u32,
    max_iterations: u32,
) -> (String, Value) {
    let ws = tempfile::tempdir().unwrap();
    let mut body = start_body(&llm.base, ws.path().to_str().unwrap(), json!({}), "go");
    let llm_obj = &mut body["agent"]["llm"];
    llm_obj["num_retries"] = json!(retries);
    llm_obj["retry_min_wait"] = json!(0);
    llm_obj["retry_max_wait"] = json!(0);
    body["max_iterations"] = json!(max_iterations);
    let (status, created) = create(app, &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let done = wait_for(app, &id, &["finished", "error", "stuck"]).await;
    (id, done)
}

/// The last `ConversationErrorEvent`'s (code, detail).
async fn last_error(app: &TestApp, id: &str) -> (String, String) {
    let all = events(app, id).await;
    let e = all
        .iter()
        .rev()
        .find(|e| e["kind"] == "ConversationErrorEvent")
        .expect("a conversation error");
    (
        e["code"].as_str().unwrap().to_owned(),
        e["detail"].as_str().unwrap().to_owned(),
    )
}

async fn a_refused_key_ends_in_error_without_echoing_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|_, _| {
        Reply::Json(401, json!({"error": {"message": "Incorrect API key provided: sk-test-llm-key", "type": "invalid_request_error"}}))
    })
    .await;
    let (id, done) = run_to_end(&app, &llm, 3, 10).await;
    assert_eq!(done["execution_status"], "error");
    assert_eq!(llm.seen().len(), 1, "401 is not retried");
    let (code, detail) = last_error(&app, &id).await;
    assert_eq!(code, "LLMAuthenticationError");
    assert_eq!(
        detail,
        "HTTP 401 from the LLM provider: Incorrect API key provided: <secret-hidden>"
    );
    assert_eq!(final_response(&app, &id).await.1, json!({"response": ""}));
}

async fn rate_limits_and_server_errors_are_retried(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, _| match turn {
        0 => Reply::Json(429, json!({"error": {"message": "Rate limit reached"}})),
        1 => Reply::Raw(503, "upstream down".into()),
        n => openai_finish(n, "after retries"),
    })
    .await;
    let (id, done) = run_to_end(&app, &llm, 2, 10).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    assert_eq!(llm.seen().len(), 3);
    assert_eq!(
        final_response(&app, &id).await.1["response"],
        "after retries"
    );

    let llm = FakeServer::start(|_, _| Reply::Raw(500, "boom".into())).await;
    let (id, done) = run_to_end(&app, &llm, 2, 10).await;
    assert_eq!(done["execution_status"], "error");
    assert_eq!(llm.seen().len(), 3, "one try and two retries");
    assert_eq!(
        last_error(&app, &id).await,
        (
            "LLMServiceUnavailableError".into(),
            "HTTP 500 from the LLM provider: boom".into()
        )
    );
}

async fn a_cut_connection_is_retried_then_an_error(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, _| match turn {
        0 => Reply::Cut,
        n => openai_finish(n, "recovered"),
    })
    .await;
    let (_, done) = run_to_end(&app, &llm, 1, 10).await;
    assert_eq!(done["execution_status"], "finished", "{done}");

    let llm = FakeServer::start(|_, _| Reply::Cut).await;
    let (id, done) = run_to_end(&app, &llm, 0, 10).await;
    assert_eq!(done["execution_status"], "error");
    assert_eq!(last_error(&app, &id).await.0, "LLMConnectionError");

    let llm = FakeServer::start(|_, _| Reply::Raw(200, "this is not json".into())).await;
    let (id, done) = run_to_end(&app, &llm, 2, 10).await;
    assert_eq!(
        (done["execution_status"].as_str(), llm.seen().len()),
        (Some("error"), 1)
    );
    assert_eq!(last_error(&app, &id).await.0, "LLMResponseError");
}

async fn a_malformed_tool_call_is_reported_to_the_model(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(0, "terminal", "{not json"),
        1 => openai_call(1, "browser", "{}"),
        n => openai_finish(n, &seen.tool_results().join(" | ")),
    })
    .await;
    let (id, done) = run_to_end(&app, &llm, 0, 10).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    let all = events(&app, &id).await;
    let errors: Vec<&Value> = all
        .iter()
        .filter(|e| e["kind"] == "AgentErrorEvent")
        .collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["tool_name"], "terminal");
    assert!(
        errors[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("Error validating args {not json for tool 'terminal'")
    );
    assert_eq!(
        errors[1]["error"],
        "Tool 'browser' not found. Available: terminal, file_editor, finish, think"
    );
    // The malformed call is shown without an `action` (it does not parse).
    let bad_action = all.iter().find(|e| e["kind"] == "ActionEvent").unwrap();
    assert!(bad_action.get("action").is_none());
    let (_, answer) = final_response(&app, &id).await;
    assert!(
        answer["response"]
            .as_str()
            .unwrap()
            .contains("Tool 'browser' not found")
    );
}

async fn answers_limits_and_loops_end_the_run(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, _| openai_text(turn, "YES, without tools")).await;
    let (id, done) = run_to_end(&app, &llm, 0, 10).await;
    assert_eq!(done["execution_status"], "finished");
    assert_eq!(
        final_response(&app, &id).await.1["response"],
        "YES, without tools"
    );
    let last = events(&app, &id).await.pop().unwrap();
    assert_eq!(
        (last["kind"].as_str(), last["source"].as_str()),
        (Some("MessageEvent"), Some("agent"))
    );

    // Different thoughts each step: never stuck, stopped by max_iterations.
    let llm = FakeServer::start(|turn, _| {
        openai_call(
            turn,
            "think",
            &json!({ "thought": format!("step {turn}") }).to_string(),
        )
    })
    .await;
    let (id, done) = run_to_end(&app, &llm, 0, 3).await;
    assert_eq!(done["execution_status"], "error");
    assert_eq!(llm.seen().len(), 3);
    assert_eq!(
        last_error(&app, &id).await,
        (
            "MaxIterationsReached".into(),
            "Agent reached maximum iterations limit (3).".into()
        )
    );

    // The same call with the same result four times: stuck.
    let llm =
        FakeServer::start(|turn, _| openai_call(turn, "terminal", r#"{"command": "echo same"}"#))
            .await;
    let (id, done) = run_to_end(&app, &llm, 0, 50).await;
    assert_eq!(done["execution_status"], "stuck");
    assert_eq!(llm.seen().len(), 4);
    assert_eq!(last_error(&app, &id).await.0, "StuckDetected");
}

both_backends!(
    a_refused_key_ends_in_error_without_echoing_it,
    rate_limits_and_server_errors_are_retried,
    a_cut_connection_is_retried_then_an_error,
    a_malformed_tool_call_is_reported_to_the_model,
    answers_limits_and_loops_end_the_run,
);
