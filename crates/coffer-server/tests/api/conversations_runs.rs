//! Runs as processes of their own: many conversations at once, each with its own secrets
//! and none affected by another's failure; pause and delete while running; `run` while
//! running (409); the file editor end to end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, TestApp, send};

/// The conversation's own secret name, from its first user message (`use NAME OTHER`).
fn names_in(seen: &Seen) -> (String, String) {
    let text = seen.body["messages"][1]["content"]
        .as_str()
        .unwrap_or_default();
    let mut words = text.split_whitespace().skip(1);
    (
        words.next().unwrap_or_default().to_owned(),
        words.next().unwrap_or_default().to_owned(),
    )
}

async fn many_conversations_run_at_once_in_isolation(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| {
        let (name, other) = names_in(seen);
        if name == "FAIL" {
            return Reply::Json(401, json!({"error": {"message": "bad key"}}));
        }
        match seen.tool_results().last() {
            None => openai_call(
                turn,
                "terminal",
                &json!({ "command": format!("echo \"[${name}][${other}]\"") }).to_string(),
            ),
            Some(result) => {
                let ok =
                    result.starts_with("[<secret-hidden>][]\n") && !result.contains("value-of-");
                openai_finish(turn, if ok { "YES" } else { result })
            }
        }
    })
    .await;
    let n = 12;
    let ws = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let (name, other) = if i == 5 {
            ("FAIL".to_owned(), String::new())
        } else {
            (format!("TOKEN_{i}"), format!("TOKEN_{}", (i + 1) % n))
        };
        let secrets = json!({ name.clone(): format!("value-of-{name}") });
        let dir = ws.path().join(format!("c{i}"));
        let body = start_body(
            &llm.base,
            dir.to_str().unwrap(),
            secrets,
            &format!("use {name} {other}"),
        );
        let (status, created) = create(&app, &body).await;
        assert_eq!(status, 201);
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    for (i, id) in ids.iter().enumerate() {
        let done = wait_for(&app, id, &["finished", "error", "stuck"]).await;
        if i == 5 {
            assert_eq!(done["execution_status"], "error");
        } else {
            assert_eq!(done["execution_status"], "finished", "{i}: {done}");
            assert_eq!(
                final_response(&app, id).await.1["response"],
                "YES",
                "conversation {i}"
            );
        }
    }
    assert_eq!(llm.seen().len(), 2 * (n - 1) + 1);
}

async fn pause_run_and_delete_while_running(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let release = Arc::new(AtomicBool::new(false));
    let released = release.clone();
    // Slow thoughts until released, then finish.
    let llm = FakeServer::start(move |turn, _| {
        if released.load(Ordering::SeqCst) {
            openai_finish(turn, "resumed")
        } else {
            let thought = json!({ "thought": format!("{turn}") }).to_string();
            Reply::Delayed(
                Duration::from_millis(100),
                Box::new(openai_call(turn, "think", &thought)),
            )
        }
    })
    .await;
    let ws = tempfile::tempdir().unwrap();
    let (_, created) = create(
        &app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), json!({}), "go"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let at = |s: &str| format!("/api/conversations/{id}/{s}");
    wait_until("a first model request", || !llm.seen().is_empty()).await;
    assert_eq!(
        get_conversation(&app, &id).await.1["execution_status"],
        "running"
    );
    assert_eq!(
        send(app.request(Method::POST, &at("run"))).await,
        (
            409,
            json!({"detail": "Conversation already running. Wait for completion or pause first."})
        )
    );
    assert_eq!(send(app.request(Method::POST, &at("pause"))).await.0, 200);
    wait_for(&app, &id, &["paused"]).await;
    // The run stops after its current step: `run` is refused until it has.
    let deadline = Instant::now() + Duration::from_secs(10);
    release.store(true, Ordering::SeqCst);
    loop {
        let (status, body) = send(app.request(Method::POST, &at("run"))).await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 409, "{body}");
        assert!(Instant::now() < deadline, "the paused run never stopped");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_for(&app, &id, &["finished"]).await;
    assert_eq!(final_response(&app, &id).await.1["response"], "resumed");
    assert!(
        events(&app, &id)
            .await
            .iter()
            .any(|e| e["kind"] == "PauseEvent")
    );

    // Delete while the model takes its time: the run is abandoned at once.
    let slow = FakeServer::start(|turn, _| {
        Reply::Delayed(
            Duration::from_secs(30),
            Box::new(openai_finish(turn, "late")),
        )
    })
    .await;
    let (_, created) = create(
        &app,
        &start_body(&slow.base, ws.path().to_str().unwrap(), json!({}), "go"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    wait_until("the slow request", || !slow.seen().is_empty()).await;
    let started = Instant::now();
    let path = format!("/api/conversations/{id}");
    assert_eq!(
        send(app.request(Method::DELETE, &path)).await,
        (200, json!({"success": true}))
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(get_conversation(&app, &id).await.0, 404);
}

async fn the_file_editor_works_inside_the_working_dir(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(0, "file_editor", r#"{"command": "create", "path": "notes/a.txt", "file_text": "alpha\nbeta\n"}"#),
        1 => openai_call(1, "file_editor", r#"{"command": "str_replace", "path": "notes/a.txt", "old_str": "beta", "new_str": "$MY_SECRET"}"#),
        2 => openai_call(2, "file_editor", r#"{"command": "view", "path": "/etc/passwd"}"#),
        3 => openai_call(3, "terminal", r#"{"command": "sed -i \"s/\\$MY_SECRET/$MY_SECRET/\" notes/a.txt && cat notes/a.txt"}"#),
        4 => openai_call(4, "file_editor", r#"{"command": "view", "path": "notes/a.txt"}"#),
        n => openai_finish(n, &seen.tool_results().join("\n---\n")),
    })
    .await;
    let ws = tempfile::tempdir().unwrap();
    let secrets = json!({"MY_SECRET": "s3cr3t-value"});
    let (_, created) = create(
        &app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), secrets, "edit"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let done = wait_for(&app, &id, &["finished", "error"]).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("notes/a.txt")).unwrap(),
        "alpha\ns3cr3t-value\n"
    );
    let (_, answer) = final_response(&app, &id).await;
    let results: Vec<&str> = answer["response"]
        .as_str()
        .unwrap()
        .split("\n---\n")
        .collect();
    assert!(results[0].starts_with("File created successfully at: "));
    assert!(results[1].ends_with("has been edited."));
    assert!(
        results[2].contains("outside the working directory"),
        "{}",
        results[2]
    );
    assert_eq!(
        results[3],
        "alpha\n<secret-hidden>\n[The command completed with exit code 0.]"
    );
    assert!(
        results[4].ends_with("     1\talpha\n     2\t<secret-hidden>"),
        "{}",
        results[4]
    );
    let shown = observations(&app, &id).await;
    assert!(shown.iter().all(|o| !o.contains("s3cr3t-value")));
    let outside: Vec<Value> = events(&app, &id)
        .await
        .into_iter()
        .filter(|e| e["observation"]["is_error"] == true)
        .collect();
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0]["observation"]["kind"], "FileEditorObservation");
}

both_backends!(
    many_conversations_run_at_once_in_isolation,
    pause_run_and_delete_while_running,
    the_file_editor_works_inside_the_working_dir,
);
