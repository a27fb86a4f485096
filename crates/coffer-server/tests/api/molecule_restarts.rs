//! Restarts that happen (spec §5): supervised commands that write their environment to a
//! file. A global change reaches every inheriting workspace within 5 s, but not one
//! that shadows the key, nor a paused one, nor one under a paused parent; deleting the
//! shadowing secret brings the global value back; a burst of changes coalesces; a
//! command that exits at once is `failed` with its reason; workspaces start again with
//! coffer; and the event stream delivers `WORKSPACE_RESTART` and status events.

use std::path::Path;
use std::time::{Duration, Instant};

use coffer_core::event::EventKind;
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, send};
use crate::molecule_helpers::{
    Ws, env_dumper, molecule_options, spawn_molecule, starts, wait_for_file,
};

async fn supervised(app: &TestApp, name: &str, out: &Path, parent: Option<&Ws>) -> Ws {
    let mut body = json!({"name": name, "command": env_dumper(out)});
    if let Some(parent) = parent {
        body["parent_id"] = json!(parent.id);
    }
    let ws = app.create_ws(body).await;
    app.wait_for_status(&ws.id, "online").await;
    ws
}

/// Workspaces that had a `workspace.restart` event recorded after event `after`.
async fn restarted(app: &TestApp, after: i64) -> Vec<String> {
    let events = app.store.list_events(after, 10_000).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.kind == EventKind::WorkspaceRestart)
        .map(|e| e.scope.trim_start_matches("workspace:").to_owned())
        .collect()
}

async fn a_global_change_restarts_inheriting_workspaces_only(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    app.put_global("SHARED_KEY", "v1").await;
    // This one ignores SIGTERM, so each of its restarts takes the 2 s grace period: an
    // HTTP answer that waited for it would show.
    let slow = format!(
        "trap '' TERM; {}",
        env_dumper(&file("w.env")).replace("exec sleep 600", "while :; do sleep 0.1; done")
    );
    let inherits = app
        .create_ws(json!({"name": "inherits", "command": slow}))
        .await;
    app.wait_for_status(&inherits.id, "online").await;
    let shadows = supervised(&app, "shadows", &file("s.env"), None).await;
    let paused = supervised(&app, "paused", &file("p.env"), None).await;
    let under_paused = supervised(&app, "child", &file("c.env"), Some(&paused)).await;
    app.put_ws_secret(&shadows, "SHARED_KEY", "own").await;
    wait_for_file(&file("s.env"), |t| t.contains("SHARED_KEY=own\n")).await;
    let (status, _) =
        send(app.admin(Method::POST, &format!("/workspaces/{}/pause", paused.id))).await;
    assert_eq!(status, 200);
    for f in ["w.env", "p.env", "c.env"] {
        assert!(
            std::fs::read_to_string(file(f))
                .unwrap()
                .contains("SHARED_KEY=v1\n")
        );
    }
    app.wait_for_status(&shadows.id, "online").await;
    let before: Vec<usize> = ["s.env", "p.env", "c.env"]
        .iter()
        .map(|f| starts(&file(f)))
        .collect();

    let mark = app.store.last_event_id().await.unwrap();
    let changed = Instant::now();
    app.put_global("SHARED_KEY", "v2").await;
    let answered = changed.elapsed();
    let text = wait_for_file(&file("w.env"), |t| t.contains("SHARED_KEY=v2\n")).await;
    assert!(changed.elapsed() < Duration::from_secs(5));
    assert!(
        answered < Duration::from_millis(1500),
        "the PUT did not wait: {answered:?}"
    );
    assert!(text.contains(&format!("WORKSPACE_ID={}\n", inherits.id)));
    assert!(!text.contains("ADMIN_TOKEN") && !text.contains("OH_SECRET_KEY"));
    app.wait_for_status(&inherits.id, "online").await;

    // Every restart of that change was announced before any ran: none for the others.
    let announced = restarted(&app, mark).await;
    assert!(announced.contains(&inherits.id));
    for skipped in [&shadows, &paused, &under_paused] {
        assert!(
            !announced.iter().any(|id| id == &skipped.id),
            "{} restarted",
            skipped.id
        );
    }
    let after: Vec<usize> = ["s.env", "p.env", "c.env"]
        .iter()
        .map(|f| starts(&file(f)))
        .collect();
    assert_eq!(
        before, after,
        "shadowing, paused and under-paused workspaces did not start"
    );
    assert!(
        std::fs::read_to_string(file("s.env"))
            .unwrap()
            .contains("SHARED_KEY=own\n")
    );

    // Deleting the shadowing secret brings the global value back.
    let path = format!("/workspaces/{}/secrets/SHARED_KEY", shadows.id);
    assert_eq!(
        send(app.bearer(Method::DELETE, &path, Some(&shadows.token)))
            .await
            .0,
        200
    );
    wait_for_file(&file("s.env"), |t| t.contains("SHARED_KEY=v2\n")).await;

    // Resuming restarts with the current secrets.
    send(app.admin(Method::POST, &format!("/workspaces/{}/resume", paused.id))).await;
    wait_for_file(&file("p.env"), |t| t.contains("SHARED_KEY=v2\n")).await;
    app.wait_for_status(&paused.id, "online").await;
}

async fn a_burst_of_changes_coalesces_and_ends_with_the_last_value(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.env");
    let ws = supervised(&app, "w", &out, None).await;
    let path = format!("/workspaces/{}/secrets", ws.id);
    let puts = (0..10).map(|i| {
        let body = json!({"key": "COUNTER", "value": format!("v{i}")});
        send(app.bearer(Method::PUT, &path, Some(&ws.token)).json(&body))
    });
    for (status, _) in futures::future::join_all(puts).await {
        assert_eq!(status, 200);
    }
    // The last write wins in the store; the process ends up with exactly that value.
    let values = format!("/workspaces/{}/secrets/values", ws.id);
    let (_, bundle) = send(app.bearer(Method::GET, &values, Some(&ws.token))).await;
    let last = bundle["COUNTER"].as_str().unwrap().to_owned();
    wait_for_file(&out, |t| t.contains(&format!("COUNTER={last}\n"))).await;
    app.wait_for_status(&ws.id, "online").await;
    let count = starts(&out);
    assert!(
        (2..=4).contains(&count),
        "10 changes, coalesced: {count} starts"
    );
}

async fn a_command_that_exits_at_once_is_failed_with_its_reason(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let ws = app
        .create_ws(json!({"name": "broken", "command": "exit 3"}))
        .await;
    let body = app.wait_for_status(&ws.id, "failed").await;
    assert_eq!(body["status_reason"], "exited at once with exit status: 3");
}

async fn supervised_workspaces_start_again_with_coffer(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.env");
    let ws = supervised(&app, "w", &out, None).await;
    assert_eq!(starts(&out), 1);
    let app = app.restart_with(molecule_options()).await;
    wait_for_file(&out, |_| starts(&out) == 2).await;
    app.wait_for_status(&ws.id, "online").await;
}

/// Reads the stream until its text contains every one of `wanted` (at most 5 s).
async fn read_until(response: &mut reqwest::Response, seen: &mut String, wanted: &[&str]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !wanted.iter().all(|w| seen.contains(w)) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("never saw {wanted:?} in {seen:?}"))
            .expect("stream");
        let Some(chunk) = chunk else {
            panic!("stream ended before {wanted:?}: {seen:?}")
        };
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn the_event_stream_delivers_restarts_and_status_changes(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let external = app.create_ws(json!({"name": "orchestrated"})).await;
    let path = format!("/workspaces/{}/events", external.id);
    let mut stream = app
        .bearer(Method::GET, &path, Some(&external.token))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, &[": connected"]).await;

    app.put_global("API_KEY", "k").await;
    read_until(
        &mut stream,
        &mut seen,
        &[
            "event: WORKSPACE_RESTART\n",
            "\"cause\":\"secret.put:API_KEY\"",
        ],
    )
    .await;
    // A global change through the OpenHands dialect restarts too.
    let oh = json!({"name": "FROM_OPENHANDS", "value": "x"});
    assert_eq!(
        send(app.request(Method::PUT, "/api/settings/secrets").json(&oh))
            .await
            .0,
        200
    );
    read_until(
        &mut stream,
        &mut seen,
        &["\"cause\":\"secret.put:FROM_OPENHANDS\""],
    )
    .await;
    app.put_ws_secret(&external, "OWN", "o").await;
    read_until(&mut stream, &mut seen, &["\"cause\":\"secret.put:OWN\""]).await;
    send(app.admin(Method::POST, &format!("/workspaces/{}/pause", external.id))).await;
    read_until(&mut stream, &mut seen, &["event: WORKSPACE_PAUSED\n"]).await;
    send(app.admin(Method::DELETE, &format!("/workspaces/{}", external.id))).await;
    read_until(&mut stream, &mut seen, &["event: WORKSPACE_REMOVED\n"]).await;
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await;
    assert!(
        matches!(rest, Ok(Ok(None))),
        "the stream ends after removal: {rest:?}"
    );

    // A supervised workspace: provisioning → online, and a failure with its reason.
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("fail");
    let command = format!("test -e {} && exit 7; exec sleep 600", flag.display());
    let ws = app
        .create_ws(json!({"name": "s", "command": command}))
        .await;
    app.wait_for_status(&ws.id, "online").await;
    let path = format!("/workspaces/{}/events", ws.id);
    let mut stream = app
        .bearer(Method::GET, &path, Some(&ws.token))
        .send()
        .await
        .unwrap();
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, &[": connected"]).await;
    app.put_ws_secret(&ws, "K", "v").await;
    read_until(
        &mut stream,
        &mut seen,
        &[
            "WORKSPACE_RESTART",
            "event: WORKSPACE_PROVISIONING\n",
            "event: WORKSPACE_ONLINE\n",
        ],
    )
    .await;
    std::fs::write(&flag, "").unwrap();
    app.put_ws_secret(&ws, "K", "w").await;
    let reason = "\"reason\":\"exited at once with exit status: 7\"";
    read_until(
        &mut stream,
        &mut seen,
        &["event: WORKSPACE_FAILED\n", reason],
    )
    .await;
    assert!(
        !seen.contains("\"v\"") && !seen.contains("=v"),
        "no value on the stream"
    );

    // Reconnecting with Last-Event-ID replays what came after it.
    let first_id: i64 = seen
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .and_then(|id| id.trim().parse().ok())
        .expect("an id");
    let mut replay = app
        .bearer(Method::GET, &path, Some(&ws.token))
        .header("Last-Event-ID", first_id.to_string())
        .send()
        .await
        .unwrap();
    let mut again = String::new();
    read_until(&mut replay, &mut again, &["event: WORKSPACE_FAILED\n"]).await;
}

both_backends!(
    a_global_change_restarts_inheriting_workspaces_only,
    a_burst_of_changes_coalesces_and_ends_with_the_last_value,
    a_command_that_exits_at_once_is_failed_with_its_reason,
    supervised_workspaces_start_again_with_coffer,
    the_event_stream_delivers_restarts_and_status_changes,
);
