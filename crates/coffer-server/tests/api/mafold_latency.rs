//! Dispatch latency: from a message being stored to the provider receiving the agent's
//! request, measured against the scripted provider. Each message waits for its reply, so
//! calls do not overlap. Run with `--nocapture` to see the figures (they are printed on
//! stderr); the assertion is only a sanity bound.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use crate::both_backends;
use crate::helpers::Backend;
use crate::mafold_helpers::{WAIT, agent_replies, chat, human, ok, send, spawn};

const ROUNDS: usize = 30;

/// The stored message's `created_at`, in milliseconds (read back from the store).
async fn created_ms(app: &crate::helpers::TestApp, message: &serde_json::Value) -> f64 {
    let id = |field: &str| uuid::Uuid::parse_str(message[field].as_str().unwrap()).unwrap();
    let stored = app
        .store
        .find_message(id("conversation_id"), id("id"))
        .await
        .unwrap()
        .unwrap();
    stored.created_at_ms as f64
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn dispatch_latency_from_stored_message_to_provider_request(backend: Backend) {
    let Some((app, providers)) = spawn(backend).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "claude", "api_key": "sk-latency"}),
    )
    .await;
    let dm = chat(&app, &ops, &["ops:claude"]).await;
    let mut stored_to_request = Vec::with_capacity(ROUNDS);
    let mut answered_to_request = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        let message = send(&app, &ops, &dm, &format!("ping {i}")).await;
        let answered = tokio::time::Instant::now();
        let seen = providers.claude.wait_for(i + 1, WAIT).await;
        let request = &seen[i];
        let arrived_ms = request
            .at_wall
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0;
        stored_to_request.push(arrived_ms - created_ms(&app, &message).await);
        // Negative when the request arrived before the HTTP answer reached the client.
        let delta = if request.at >= answered {
            (request.at - answered).as_secs_f64() * 1000.0
        } else {
            -((answered - request.at).as_secs_f64() * 1000.0)
        };
        answered_to_request.push(delta);
        agent_replies(&app, &ops, &dm, i + 1).await;
    }
    for list in [&mut stored_to_request, &mut answered_to_request] {
        list.sort_by(f64::total_cmp);
    }
    let (p50, p95, max) = (
        percentile(&stored_to_request, 0.5),
        percentile(&stored_to_request, 0.95),
        stored_to_request[ROUNDS - 1],
    );
    eprintln!(
        "dispatch latency ({backend:?}, {ROUNDS} messages): message stored -> provider request received: \
         p50 {p50:.1} ms, p95 {p95:.1} ms, max {max:.1} ms; sendMessage answered -> request received: p50 {:.1} ms",
        percentile(&answered_to_request, 0.5)
    );
    assert!(
        p95 < Duration::from_secs(2).as_secs_f64() * 1000.0,
        "p95 {p95} ms"
    );
    app.stop().await;
}

both_backends!(dispatch_latency_from_stored_message_to_provider_request);
