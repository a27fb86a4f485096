//! Secret resolution during a run (spec §10): a LookupSecret to an outside URL is one
//! GET with exactly its headers; failing lookups (404, timeout) leave the command
//! running without the variable and log an error without the value; a secret is only
//! in the environment of commands that name it; values are masked in output even when a
//! command did not name them; secrets added while a conversation exists are used.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, Options, TestApp, send};

const EXT_VALUE: &str = "looked-up-value-42";

/// A model that runs `command` once, then finishes with the observation it got.
fn run_once(command: &'static str) -> impl Fn(usize, &Seen) -> Reply {
    move |turn, seen| match turn {
        0 => openai_call(0, "terminal", &json!({ "command": command }).to_string()),
        n => openai_finish(
            n,
            seen.tool_results().last().map(String::as_str).unwrap_or(""),
        ),
    }
}

async fn start_and_finish(
    app: &TestApp,
    llm: &FakeServer,
    secrets: serde_json::Value,
) -> (String, String) {
    let ws = tempfile::tempdir().unwrap();
    let (status, created) = create(
        app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), secrets, "go"),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let done = wait_for(app, &id, &["finished", "error", "stuck"]).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    let (_, answer) = final_response(app, &id).await;
    (id, answer["response"].as_str().unwrap().to_owned())
}

async fn lookups_send_exactly_their_headers(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let target = FakeServer::start(|_, _| Reply::Raw(200, EXT_VALUE.into())).await;
    let llm = FakeServer::start(run_once("echo ext=$EXT_SECRET st=$STATIC_ONE")).await;
    let secrets = json!({
        "EXT_SECRET": {"kind": "LookupSecret", "url": target.url("/lookup/EXT_SECRET"),
                       "headers": {"X-Session-API-Key": "sess-key-123", "X-Plain": "p"}, "description": "external lookup"},
        "STATIC_ONE": {"kind": "StaticSecret", "value": "static-val-7"},
        "UNUSED": {"kind": "StaticSecret", "value": "unused-val"},
    });
    let (_, answer) = start_and_finish(&app, &llm, secrets).await;
    assert_eq!(
        answer,
        "ext=<secret-hidden> st=<secret-hidden>\n[The command completed with exit code 0.]"
    );
    let lookups = target.seen();
    assert_eq!(lookups.len(), 1, "resolved once, then cached");
    let seen = &lookups[0];
    assert_eq!(seen.path, "/lookup/EXT_SECRET");
    assert_eq!(
        seen.header("x-session-api-key").as_deref(),
        Some("sess-key-123")
    );
    assert_eq!(seen.header("x-plain").as_deref(), Some("p"));
    assert!(seen.header("authorization").is_none());
}

async fn only_named_secrets_reach_a_command_and_all_are_masked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // `env` names no secret: none is exported, so none shows up; `cat` of a file holding a
    // value it never named still comes back masked (the quotes split the word, so the
    // command does not name `UNUSED`).
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(
            0,
            "terminal",
            r#"{"command": "env | sort; printf 'unu''sed-val' > f.txt; cat f.txt"}"#,
        ),
        n => openai_finish(
            n,
            seen.tool_results().last().map(String::as_str).unwrap_or(""),
        ),
    })
    .await;
    let secrets = json!({"UNUSED": {"kind": "StaticSecret", "value": "unused-val"}, "LOWER_named": "lower-val"});
    let (_, answer) = start_and_finish(&app, &llm, secrets).await;
    assert!(
        !answer.contains("UNUSED=") && !answer.contains("unused-val"),
        "{answer}"
    );
    assert!(
        answer.contains("<secret-hidden>\n[The command completed"),
        "{answer}"
    );
    for coffer_var in [
        "OH_SECRET_KEY",
        "SESSION_API_KEY",
        "CARGO",
        "COFFER_TEST_POSTGRES_URL",
    ] {
        assert!(
            !answer.contains(&format!("{coffer_var}=")),
            "{coffer_var} leaked: {answer}"
        );
    }

    // Names match case-insensitively.
    let llm = FakeServer::start(run_once("echo $LOWER_named # lower_NAMED")).await;
    let (_, answer) = start_and_finish(&app, &llm, secrets_lower()).await;
    assert_eq!(
        answer,
        "<secret-hidden>\n[The command completed with exit code 0.]"
    );
}

fn secrets_lower() -> serde_json::Value {
    json!({"LOWER_named": "lower-val"})
}

async fn failing_lookups_leave_the_command_running_without_the_variable(backend: Backend) {
    let mut options = Options::default();
    options.agent.lookup_timeout = Duration::from_millis(300);
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let logs = LogCapture::start();
    let target = FakeServer::start(|_, seen| {
        if seen.path.ends_with("SLOW") {
            Reply::Delayed(
                Duration::from_secs(5),
                Box::new(Reply::Raw(200, "too-late-value".into())),
            )
        } else {
            Reply::Raw(404, "nope".into())
        }
    })
    .await;
    let llm = FakeServer::start(run_once("echo \"[$MISSING][$SLOW]\"; echo ran")).await;
    let secrets = json!({
        "MISSING": {"kind": "LookupSecret", "url": target.url("/lookup/MISSING"), "headers": {"Authorization": "Bearer lookup-cred"}},
        "SLOW": {"kind": "LookupSecret", "url": target.url("/lookup/SLOW")},
    });
    let started = std::time::Instant::now();
    let (_, answer) = start_and_finish(&app, &llm, secrets).await;
    assert_eq!(
        answer,
        "[][]\nran\n[The command completed with exit code 0.]"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the timeout was applied"
    );
    let text = logs.text();
    assert!(text.contains("secret lookup failed"), "{text}");
    assert!(
        text.contains("MISSING") && text.contains("HTTP 404"),
        "{text}"
    );
    assert!(
        text.contains("SLOW") && text.contains("timed out"),
        "{text}"
    );
    for value in ["too-late-value", "lookup-cred"] {
        assert!(!text.contains(value), "{value} in logs");
    }
}

async fn secrets_added_later_are_used_by_the_next_run(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_finish(0, "first"),
        1 => openai_call(1, "terminal", r#"{"command": "echo $LATE_TOKEN"}"#),
        n => openai_finish(
            n,
            seen.tool_results().last().map(String::as_str).unwrap_or(""),
        ),
    })
    .await;
    let (id, answer) = start_and_finish(&app, &llm, json!({})).await;
    assert_eq!(answer, "first");
    let update = json!({"secrets": {"LATE_TOKEN": "late-value"}});
    let path = format!("/api/conversations/{id}/secrets");
    assert_eq!(
        send(app.request(Method::POST, &path).json(&update)).await.0,
        200
    );
    let message =
        json!({"role": "user", "content": [{"type": "text", "text": "now echo it"}], "run": true});
    let path = format!("/api/conversations/{id}/events");
    assert_eq!(
        send(app.request(Method::POST, &path).json(&message))
            .await
            .0,
        200
    );
    wait_for(&app, &id, &["finished"]).await;
    let (_, answer) = final_response(&app, &id).await;
    assert_eq!(
        answer["response"],
        "<secret-hidden>\n[The command completed with exit code 0.]"
    );
}

both_backends!(
    lookups_send_exactly_their_headers,
    only_named_secrets_reach_a_command_and_all_are_masked,
    failing_lookups_leave_the_command_running_without_the_variable,
    secrets_added_later_are_used_by_the_next_run,
);
