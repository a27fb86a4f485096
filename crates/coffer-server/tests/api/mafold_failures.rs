//! When an agent cannot answer, its message is still finalized, saying what failed and
//! never the key: no key configured (no provider call at all), a house agent without a
//! platform key, and the provider's 401, 429, 5xx, error event, silence and cut stream;
//! and a reply interrupted by a stop, finalized by the sweep.

use coffer_core::domain::Provider;
use coffer_llm::scripted::Reply;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp};
use crate::mafold_helpers::{Providers, WAIT, agent_replies, chat, human, messages, ok, send};

const KEY: &str = "sk-ops-claude-SECRET-1111";

async fn without_a_key_no_provider_is_called_and_the_reply_says_so(backend: Backend) {
    let providers = Providers::start().await;
    let Some(app) = TestApp::spawn_with(backend, providers.options()).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let group = chat(&app, &ops, &["ops:claude", "ops:deepseek", "claude"]).await;
    send(&app, &ops, &group, "anyone home?").await;
    let replies = agent_replies(&app, &ops, &group, 3).await;
    let mut texts: Vec<(String, String)> = replies
        .iter()
        .map(|r| {
            (
                r["sender"]["username"].as_str().unwrap().to_owned(),
                r["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            (
                "claude".to_owned(),
                "⚠ No platform key is configured for claude on this server.".to_owned()
            ),
            (
                "ops:claude".to_owned(),
                "⚠ No API key is configured for claude: @ops can add one with setAgentKey."
                    .to_owned()
            ),
            (
                "ops:deepseek".to_owned(),
                "⚠ No API key is configured for deepseek: @ops can add one with setAgentKey."
                    .to_owned()
            ),
        ]
    );
    assert_eq!(providers.requests(), 0, "no provider call without a key");
    assert!(replies.iter().all(|r| r["finalized_at"].is_string()));
    app.stop().await;
}

async fn house_agents_run_on_the_platform_key(backend: Backend) {
    let providers = Providers::start().await;
    let mut options = providers.options();
    options.mafold.platform_keys = vec![(Provider::Deepseek, "sk-platform-deepseek".into())];
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "deepseek", "api_key": "sk-ops-own-key"}),
    )
    .await;
    let dm = chat(&app, &ops, &["deepseek"]).await;
    send(&app, &ops, &dm, "hello house agent").await;
    let replies = agent_replies(&app, &ops, &dm, 1).await;
    assert_eq!(replies[0]["content"], "Hello there");
    let seen = providers.deepseek.wait_for(1, WAIT).await;
    assert_eq!(
        seen[0].api_key(),
        Some("sk-platform-deepseek"),
        "not the person's own key"
    );
    app.stop().await;
}

async fn provider_failures_end_in_a_final_message_that_says_what_failed(backend: Backend) {
    let providers = Providers::start().await;
    let Some(app) = TestApp::spawn_with(backend, providers.options()).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    ok(
        &app,
        &ops,
        "setAgentKey",
        json!({"provider": "claude", "api_key": KEY}),
    )
    .await;
    let group = chat(&app, &ops, &["ops:claude"]).await;
    let status = |status: u16, kind: &str| Reply::Status {
        status,
        kind: kind.into(),
    };
    let cases = [
        (
            status(401, "authentication_error"),
            "⚠ Claude could not answer: claude refused the API key (HTTP 401); its owner can replace it with setAgentKey.",
        ),
        (
            status(429, "rate_limit_error"),
            "⚠ Claude could not answer: claude is rate limiting this key (HTTP 429); try again later.",
        ),
        (
            status(500, "api_error"),
            "⚠ Claude could not answer: claude had a server error (HTTP 500); try again later.",
        ),
        (
            status(400, "invalid_request_error"),
            "⚠ Claude could not answer: claude rejected the request (HTTP 400, invalid_request_error).",
        ),
        (
            Reply::StreamError {
                kind: "overloaded_error".into(),
            },
            "⚠ Claude could not answer: claude had a server error (HTTP 529); try again later.",
        ),
        (
            Reply::Hang,
            "⚠ Claude could not answer: claude did not answer in time.",
        ),
        (
            Reply::Cut {
                deltas: vec!["Half an ".into(), "answer".into()],
            },
            "Half an answer\n\n⚠ The reply is incomplete: the connection to claude ended before the reply was complete.",
        ),
    ];
    for (i, (reply, expected)) in cases.into_iter().enumerate() {
        providers.claude.push(reply);
        send(&app, &ops, &group, &format!("question {i}")).await;
        let replies = agent_replies(&app, &ops, &group, i + 1).await;
        assert_eq!(replies[i]["content"], expected, "case {i}");
        assert!(replies[i]["finalized_at"].is_string());
    }
    assert_eq!(providers.claude.requests().len(), 7);
    // Nothing stuck, and the key is nowhere in the conversation.
    let all = messages(&app, &ops, &group).await;
    assert!(all.iter().all(|m| m["finalized_at"].is_string()));
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(KEY) && !text.contains("SECRET"), "{text}");
    app.stop().await;
}

async fn a_reply_interrupted_by_a_stop_is_finalized_by_the_sweep(backend: Backend) {
    use coffer_core::event::{EventKind, NewEvent, now_ms};
    use coffer_core::store::{MessageInsert, NewMessage};
    let providers = Providers::start().await;
    let Some(app) = TestApp::spawn_with(backend, providers.options()).await else {
        return;
    };
    let ops = human(&app, "ops").await;
    let dm = chat(&app, &ops, &["ops:claude"]).await;
    let chat_id = uuid::Uuid::parse_str(&dm).unwrap();
    // Two placeholders as a crashed process leaves them: one older than any reply may
    // take (the tests' reply timeout is 20 s, plus a minute), one just started.
    let mut ids = Vec::new();
    for age_ms in [200_000, 1_000] {
        let placeholder = NewMessage {
            id: uuid::Uuid::new_v4(),
            chat_id,
            sender: "ops:claude".into(),
            content: String::new(),
            reply_to_id: None,
            client_msg_id: None,
            finalized: false,
            at_ms: now_ms() - age_ms,
        };
        ids.push(placeholder.id.to_string());
        let event = NewEvent {
            kind: EventKind::MessageCreated,
            scope: format!("chat:{dm}"),
            name: "m".into(),
            actor: "test".into(),
            at_ms: now_ms(),
        };
        assert!(matches!(
            app.store.insert_message(placeholder, event).await.unwrap(),
            MessageInsert::Created(..)
        ));
    }
    let mut ws = crate::mafold_helpers::socket(&app, &ops).await;
    ws.until("events.hello").await;
    assert_eq!(app.core.finalize_interrupted_replies().await.unwrap(), 1);
    let complete = ws.until("events.messageComplete").await;
    assert_eq!(complete["params"]["id"], ids[0].as_str());
    let all = messages(&app, &ops, &dm).await;
    let old = all.iter().find(|m| m["id"] == ids[0].as_str()).unwrap();
    assert_eq!(
        old["content"],
        "⚠ Claude could not answer: the reply was interrupted (coffer stopped while it was streaming)."
    );
    assert!(old["finalized_at"].is_string());
    let fresh = all.iter().find(|m| m["id"] == ids[1].as_str()).unwrap();
    assert!(
        fresh.get("finalized_at").is_none(),
        "a reply that may still be streaming is left alone"
    );
    assert_eq!(app.core.finalize_interrupted_replies().await.unwrap(), 0);
    app.stop().await;
}

both_backends!(
    a_reply_interrupted_by_a_stop_is_finalized_by_the_sweep,
    without_a_key_no_provider_is_called_and_the_reply_says_so,
    house_agents_run_on_the_platform_key,
    provider_failures_end_in_a_final_message_that_says_what_failed,
);
