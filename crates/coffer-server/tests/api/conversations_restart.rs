//! Conversations survive a restart of coffer: a finished one reads the same; one that
//! was running when coffer stopped (cleanly, or not at all) comes back `paused`, and
//! `run` resumes it — a tool call cut short is reported to the agent as interrupted.
//! Also the measured overhead coffer adds per agent step (printed, not asserted).

use std::io::Write;
use std::time::{Duration, Instant};

use coffer_core::store::ConversationUpdate;
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, Options, TestApp, send};

async fn conversations_survive_a_restart(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(0, "terminal", r#"{"command": "sleep 30"}"#),
        n if seen
            .tool_results()
            .iter()
            .any(|r| r.contains("interrupted")) =>
        {
            openai_finish(n, "resumed after restart")
        }
        n => openai_finish(n, "done"),
    })
    .await;
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().to_str().unwrap();

    // A finished conversation.
    let finisher = FakeServer::start(|turn, _| openai_finish(turn, "done")).await;
    let (_, created) = create(
        &app,
        &start_body(&finisher.base, dir, json!({"A": "a-value"}), "go"),
    )
    .await;
    let finished = created["id"].as_str().unwrap().to_owned();
    wait_for(&app, &finished, &["finished"]).await;
    let (_, before) = get_conversation(&app, &finished).await;
    let events_before = events(&app, &finished).await;

    // One stopped by a clean shutdown in the middle of a tool call.
    let (_, created) = create(&app, &start_body(&llm.base, dir, json!({}), "go")).await;
    let cut = created["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !events(&app, &cut)
        .await
        .iter()
        .any(|e| e["kind"] == "ActionEvent")
    {
        assert!(Instant::now() < deadline, "the tool call never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // One left `running` by a process that died (no clean stop).
    let (_, created) = create(&app, &start_body(&finisher.base, dir, json!({}), "go")).await;
    let crashed = created["id"].as_str().unwrap().to_owned();
    wait_for(&app, &crashed, &["finished"]).await;
    let update = ConversationUpdate {
        status: Some("running".into()),
        updated_at_ms: 1,
        ..ConversationUpdate::default()
    };
    app.store
        .update_conversation(crashed.parse().unwrap(), update, Vec::new(), None)
        .await
        .unwrap()
        .unwrap();

    let started = Instant::now();
    let app = app.restart_with(Options::default()).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the sleeping tool did not hold the shutdown"
    );

    let (_, after) = get_conversation(&app, &finished).await;
    assert_eq!(after, before);
    assert_eq!(events(&app, &finished).await, events_before);
    assert_eq!(final_response(&app, &finished).await.1["response"], "done");
    assert_eq!(
        get_conversation(&app, &crashed).await.1["execution_status"],
        "paused"
    );
    assert_eq!(
        get_conversation(&app, &cut).await.1["execution_status"],
        "paused"
    );

    assert_eq!(
        send(app.request(Method::POST, &format!("/api/conversations/{cut}/run")))
            .await
            .0,
        200
    );
    wait_for(&app, &cut, &["finished"]).await;
    assert_eq!(
        final_response(&app, &cut).await.1["response"],
        "resumed after restart"
    );
    let errors: Vec<_> = events(&app, &cut)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "AgentErrorEvent")
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["error"].as_str().unwrap().contains("interrupted"));
}

/// Rotation re-seals conversations too: after a restart with the old key as a previous
/// key, the old key is no longer needed to read them or to run them.
async fn key_rotation_reseals_conversations(backend: Backend) {
    let old = Options {
        oh_secret_key: Some("old-key".into()),
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, old).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(0, "terminal", r#"{"command": "echo $ROTATED"}"#),
        n => openai_finish(
            n,
            seen.tool_results().last().map(String::as_str).unwrap_or(""),
        ),
    })
    .await;
    let ws = tempfile::tempdir().unwrap();
    let secrets =
        json!({"ROTATED": {"kind": "StaticSecret", "value": "rotated-value", "description": "r"}});
    let (_, created) = create(
        &app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), secrets, "go"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    wait_for(&app, &id, &["finished"]).await;
    let events_before = events(&app, &id).await;

    let rotating = Options {
        oh_secret_key: Some("new-key".into()),
        previous_secret_keys: vec!["old-key".into()],
        ..Options::default()
    };
    let app = app.restart_with(rotating).await;
    let new_only = Options {
        oh_secret_key: Some("new-key".into()),
        ..Options::default()
    };
    let app = app.restart_with(new_only).await;
    let (_, got) = get_conversation(&app, &id).await;
    assert_eq!(
        got["secret_registry"]["secret_sources"]["ROTATED"]["description"],
        "r"
    );
    assert_eq!(events(&app, &id).await, events_before);
    let message =
        json!({"role": "user", "content": [{"type": "text", "text": "again"}], "run": true});
    let path = format!("/api/conversations/{id}/events");
    assert_eq!(
        send(app.request(Method::POST, &path).json(&message))
            .await
            .0,
        200
    );
    wait_for(&app, &id, &["finished"]).await;
    assert_eq!(llm.seen().len(), 3);
    assert_eq!(
        llm.seen()[2].header("authorization").as_deref(),
        Some("Bearer sk-test-llm-key")
    );
}

/// Runs `steps` steps (each a model call answered at once, and a tool) and returns the
/// median time between two model requests: what coffer spends per step around the model
/// (parsing its answer, recording, running the tool, recording, the next request).
async fn time_steps(
    app: &TestApp,
    tool: &'static str,
    args: &'static str,
    steps: usize,
) -> Duration {
    let llm = FakeServer::start(move |turn, _| {
        if turn < steps {
            // Vary the arguments so the run is never "stuck".
            let args = args.replace("N", &turn.to_string());
            openai_call(turn, tool, &args)
        } else {
            openai_finish(turn, "done")
        }
    })
    .await;
    let ws = tempfile::tempdir().unwrap();
    let (_, created) = create(
        app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), json!({}), "go"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let done = wait_for(app, &id, &["finished", "error", "stuck"]).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    let seen = llm.seen();
    let mut gaps: Vec<Duration> = seen.windows(2).map(|w| w[1].at - w[0].at).collect();
    gaps.sort();
    gaps[gaps.len() / 2]
}

/// The model's own round trip on this machine (the fake answers at once).
async fn model_round_trip(samples: u32) -> Duration {
    let llm = FakeServer::start(|turn, _| openai_finish(turn, "x")).await;
    let http = reqwest::Client::new();
    let url = llm.url("/v1/chat/completions");
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    http.post(&url).json(&body).send().await.unwrap();
    let started = Instant::now();
    for _ in 0..samples {
        http.post(&url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    started.elapsed() / samples
}

async fn per_step_overhead_is_measured(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let steps = 40;
    let think = time_steps(&app, "think", r#"{"thought": "N"}"#, steps).await;
    let terminal = time_steps(&app, "terminal", r#"{"command": "echo N"}"#, steps).await;
    let rtt = model_round_trip(100).await;
    let line = format!(
        "\nper-step overhead ({backend:?}, debug build, median between model requests): think step {:.2} ms, terminal step {:.2} ms; the scripted model's bare HTTP round trip is {:.2} ms\n",
        think.as_secs_f64() * 1e3,
        terminal.as_secs_f64() * 1e3,
        rtt.as_secs_f64() * 1e3,
    );
    // Straight to stderr so the figure shows without --nocapture.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

both_backends!(
    conversations_survive_a_restart,
    key_rotation_reseals_conversations,
    per_step_overhead_is_measured,
);
