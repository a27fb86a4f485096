//! A conversation's event log over HTTP: the events a run records, in the original's
//! shapes; paging both ways; filters; and everything 404 once the conversation is
//! deleted.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, TestApp, send};

fn not_found() -> (u16, Value) {
    (404, json!({"detail": "Not Found"}))
}

async fn delete_then_404_and_events_page(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // Three thinks, then finish: 1 message + 3 × (action, observation) + 1 finish action.
    let llm = FakeServer::start(|turn, _| match turn {
        0..=2 => openai_call(turn, "think", r#"{"thought": "hmm"}"#),
        n => openai_finish(n, "done"),
    })
    .await;
    let ws = tempfile::tempdir().unwrap();
    let (_, created) = create(
        &app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), json!({}), "go"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let done = wait_for(&app, &id, &["finished", "error"]).await;
    assert_eq!(done["execution_status"], "finished");
    let all = events(&app, &id).await;
    let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "MessageEvent",
            "ActionEvent",
            "ObservationEvent",
            "ActionEvent",
            "ObservationEvent",
            "ActionEvent",
            "ObservationEvent",
            "ActionEvent"
        ]
    );
    assert_eq!(done["leaf_event_id"], all[7]["id"]);
    assert_eq!(done["last_user_message_id"], all[0]["id"]);
    assert_eq!(
        all[1]["action"],
        json!({"thought": "hmm", "kind": "ThinkAction"})
    );
    assert_eq!(all[2]["observation"]["kind"], "ThinkObservation");
    assert_eq!(all[2]["action_id"], all[1]["id"]);
    assert_eq!(
        all[7]["action"],
        json!({"message": "done", "kind": "FinishAction"})
    );
    assert_eq!(
        final_response(&app, &id).await.1,
        json!({"response": "done"})
    );
    let metrics = &done["stats"]["usage_to_metrics"]["agent"];
    assert_eq!(metrics["costs"].as_array().unwrap().len(), 4);
    assert_eq!(metrics["accumulated_token_usage"]["prompt_tokens"], 4000);

    // Pages of 3, oldest first, then newest first; filters.
    let search = |q: String| {
        app.request(
            Method::GET,
            &format!("/api/conversations/{id}/events/search?{q}"),
        )
    };
    let mut seen = Vec::new();
    let mut page_id: Option<String> = None;
    loop {
        let q = match &page_id {
            Some(p) => format!("limit=3&page_id={p}"),
            None => "limit=3".into(),
        };
        let (status, page) = send(search(q)).await;
        assert_eq!(status, 200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match page["next_page_id"].as_str() {
            Some(next) => page_id = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        all.iter().map(|e| e["id"].clone()).collect::<Vec<_>>()
    );
    let (_, desc) = send(search("sort_order=TIMESTAMP_DESC&limit=2".into())).await;
    assert_eq!(desc["items"][0]["id"], all[7]["id"]);
    let (_, actions) = send(search("kind=ActionEvent".into())).await;
    assert_eq!(actions["items"].as_array().unwrap().len(), 4);
    let (_, users) = send(search("source=user".into())).await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
    let (_, nothing) = send(search("kind=NoSuchEvent".into())).await;
    assert_eq!(nothing, json!({"items": [], "next_page_id": null}));
    assert_eq!(send(search("limit=0".into())).await.0, 422);
    assert_eq!(send(search("limit=101".into())).await.0, 422);
    let (status, plain) = send(app.request(
        Method::GET,
        &format!("/api/conversations/{id}/events?limit=2"),
    ))
    .await;
    assert_eq!((status, plain["items"].as_array().unwrap().len()), (200, 2));

    let path = format!("/api/conversations/{id}");
    assert_eq!(
        send(app.request(Method::DELETE, &path)).await,
        (200, json!({"success": true}))
    );
    assert_eq!(get_conversation(&app, &id).await, not_found());
    assert_eq!(final_response(&app, &id).await, not_found());
    assert_eq!(send(search(String::new())).await, not_found());
    assert_eq!(send(app.request(Method::DELETE, &path)).await, not_found());
}

both_backends!(delete_then_404_and_events_page);
