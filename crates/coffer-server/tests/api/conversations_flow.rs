//! The seed example's flow (`12_settings_and_secrets_api.py`) over HTTP against a
//! scripted model: store the LLM settings and a secret, start a conversation whose
//! secret is a LookupSecret to coffer's own URL, let the agent echo `$MY_PROJECT_TOKEN`,
//! poll to `finished`, read the final response and the cost, delete the conversation and
//! the secret. The model only answers `YES` if the observation it got hid the value.
//! Also: the Anthropic protocol, and `secrets_encrypted` with the key from the
//! `encrypted` settings mode.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations_support::*;
use crate::helpers::{Backend, SESSION_KEY, TestApp, get_settings, patch_settings, send};

const TOKEN: &str = "super-secret-token-12345";
const LLM_KEY: &str = "sk-test-llm-key";

async fn put_token(app: &TestApp) {
    let body =
        json!({"name": "MY_PROJECT_TOKEN", "value": TOKEN, "description": "Example project token"});
    let (status, _) = send(
        app.request(Method::PUT, "/api/settings/secrets")
            .json(&body),
    )
    .await;
    assert_eq!(status, 200);
}

fn lookup_own(app: &TestApp) -> Value {
    json!({"MY_PROJECT_TOKEN": {
        "kind": "LookupSecret",
        "url": app.url("/api/settings/secrets/MY_PROJECT_TOKEN"),
        "description": "Token resolved from secrets API"
    }})
}

const PROMPT: &str = "Echo the value of the $MY_PROJECT_TOKEN environment variable to see if you have access. If so just respond `YES`, otherwise `NO`.";

/// The rest of the seed flow once the conversation was created.
async fn finish_seed_flow(app: &TestApp, id: &str, llm: &FakeServer) {
    let done = wait_for(app, id, &["finished", "error", "stuck"]).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    assert_eq!(
        final_response(app, id).await,
        (200, json!({"response": "YES"}))
    );
    let cost: f64 = done["stats"]["usage_to_metrics"]
        .as_object()
        .unwrap()
        .values()
        .map(|m| m["accumulated_cost"].as_f64().unwrap())
        .sum();
    assert!(cost > 0.0, "{}", done["stats"]);

    // The model saw the masked observation, never the value; coffer never called itself.
    let seen = llm.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].tool_results()[0].contains("<secret-hidden>"));
    assert!(seen.iter().all(|s| !s.body.to_string().contains(TOKEN)));
    let shown = observations(app, id).await;
    assert_eq!(
        shown,
        ["<secret-hidden>\n[The command completed with exit code 0.]"]
    );
    let all_events = Value::Array(events(app, id).await).to_string();
    assert!(!all_events.contains(TOKEN) && !all_events.contains(LLM_KEY));
    assert!(!done.to_string().contains(TOKEN) && !done.to_string().contains(LLM_KEY));

    // Nothing readable at rest: the conversation row and its events are sealed.
    let record = app
        .store
        .find_conversation(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let row = format!("{:?}{}{}", record.sealed, record.doc, record.state);
    assert!(!row.contains(TOKEN) && !row.contains(LLM_KEY) && !row.contains("secret-hidden"));
    let filter = coffer_core::store::EventFilter {
        after_seq: None,
        limit: 100,
        newest_first: false,
        kind: None,
        source: None,
    };
    for event in app
        .store
        .list_conversation_events(record.id, &filter)
        .await
        .unwrap()
    {
        assert!(!String::from_utf8_lossy(&event.sealed).contains("echo"));
    }

    let path = format!("/api/conversations/{id}");
    assert_eq!(
        send(app.request(Method::DELETE, &path)).await,
        (200, json!({"success": true}))
    );
    assert_eq!(
        send(app.request(Method::GET, &path)).await,
        (404, json!({"detail": "Not Found"}))
    );
    assert_eq!(
        send(app.request(Method::DELETE, &path)).await,
        (404, json!({"detail": "Not Found"}))
    );

    let secret = "/api/settings/secrets/MY_PROJECT_TOKEN";
    assert_eq!(
        send(app.request(Method::DELETE, secret)).await,
        (200, json!({"deleted": true}))
    );
    assert_eq!(send(app.request(Method::GET, secret)).await.0, 404);
}

async fn seed_flow_over_openai(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(echo_secret_openai("MY_PROJECT_TOKEN", TOKEN)).await;
    let llm_config =
        json!({"model": "openai/gpt-4o-mini", "api_key": LLM_KEY, "base_url": llm.url("/v1")});
    let (status, settings) =
        patch_settings(&app, json!({"agent_settings_diff": {"llm": llm_config}})).await;
    assert_eq!(
        (status, settings["llm_api_key_is_set"].clone()),
        (200, json!(true))
    );
    put_token(&app).await;
    let (_, listed) = send(app.request(Method::GET, "/api/settings/secrets")).await;
    assert_eq!(listed["secrets"][0]["name"], "MY_PROJECT_TOKEN");

    let ws = tempfile::tempdir().unwrap();
    let body = json!({
        "agent": {"kind": "Agent", "llm": llm_config, "tools": [{"name": "terminal"}, {"name": "file_editor"}]},
        "workspace": {"working_dir": ws.path()},
        "secrets": lookup_own(&app),
        "initial_message": {"role": "user", "content": [{"type": "text", "text": PROMPT}], "run": true},
    });
    let (status, created) = create(&app, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["execution_status"], "idle");
    assert_eq!(created["agent"]["llm"]["api_key"], Value::Null);
    assert_eq!(created["agent"]["llm"]["model"], "openai/gpt-4o-mini");
    assert_eq!(
        created["workspace"],
        json!({"working_dir": ws.path(), "kind": "LocalWorkspace"})
    );
    assert_eq!(
        created["secret_registry"]["secret_sources"]["MY_PROJECT_TOKEN"],
        json!({"description": "Token resolved from secrets API", "url": app.url("/api/settings/secrets/MY_PROJECT_TOKEN"), "headers": {}, "kind": "LookupSecret"})
    );
    assert_eq!(
        created["stats"]["usage_to_metrics"]["default"]["accumulated_cost"],
        0.0
    );
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        &keys[..6],
        [
            "id",
            "workspace",
            "persistence_dir",
            "max_iterations",
            "stuck_detection",
            "execution_status"
        ]
    );
    assert_eq!(*keys.last().unwrap(), "runtime_info");
    let id = created["id"].as_str().unwrap().to_owned();

    finish_seed_flow(&app, &id, &llm).await;
    let first = &llm.seen()[0];
    assert_eq!(first.path, "/v1/chat/completions");
    assert_eq!(
        first.header("authorization").as_deref(),
        Some("Bearer sk-test-llm-key")
    );
    assert_eq!(first.body["model"], "gpt-4o-mini");
    assert_eq!(
        first.tool_names(),
        ["terminal", "file_editor", "finish", "think"]
    );
    assert_eq!(
        first.body["messages"][1],
        json!({"role": "user", "content": PROMPT})
    );
}

async fn seed_flow_over_anthropic(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(echo_secret_anthropic("MY_PROJECT_TOKEN", TOKEN)).await;
    put_token(&app).await;
    let ws = tempfile::tempdir().unwrap();
    let body = json!({
        "agent": {"llm": {"model": "anthropic/claude-sonnet-4-5-20250929", "api_key": LLM_KEY,
                          "base_url": llm.base, "usage_id": "agent", "num_retries": 0},
                  "tools": [{"name": "terminal"}]},
        "workspace": {"working_dir": ws.path()},
        "secrets": lookup_own(&app),
        "initial_message": {"role": "user", "content": [{"type": "text", "text": PROMPT}]},
    });
    let (status, created) = create(&app, &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    finish_seed_flow(&app, &id, &llm).await;
    let first = &llm.seen()[0];
    assert_eq!(first.path, "/v1/messages");
    assert_eq!(first.header("x-api-key").as_deref(), Some(LLM_KEY));
    assert_eq!(
        first.header("anthropic-version").as_deref(),
        Some("2023-06-01")
    );
    assert_eq!(first.body["model"], "claude-sonnet-4-5-20250929");
    assert!(first.body["system"].as_str().unwrap().contains("finish"));
    assert_eq!(first.tool_names(), ["terminal", "finish", "think"]);
}

/// `secrets_encrypted: true`: the LLM key comes from `GET /api/settings` in the
/// `encrypted` mode, a static secret is a token too, another is plaintext; the model
/// gets the real key, the command the real values.
async fn encrypted_secrets_are_opened_with_the_server_key(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(
            0,
            "terminal",
            r#"{"command": "echo $ENC_STATIC $PLAIN_STATIC"}"#,
        ),
        n => {
            let r = seen.tool_results();
            let ok = r[0].starts_with("<secret-hidden> <secret-hidden>\n")
                && !r[0].contains("static-from-token")
                && !r[0].contains("plain-static-value");
            openai_finish(n, if ok { "YES" } else { "NO" })
        }
    })
    .await;
    patch_settings(&app, json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4o-mini", "api_key": LLM_KEY}}})).await;
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let key_token = encrypted["agent_settings"]["llm"]["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key_token.starts_with("gAAAAA"));
    let static_token = fernet_token(&app, "static-from-token").await;
    let ws = tempfile::tempdir().unwrap();
    let body = json!({
        "agent": {"kind": "Agent", "llm": {"model": "openai/gpt-4o-mini", "base_url": llm.url("/v1"), "api_key": key_token, "usage_id": "agent", "num_retries": 0},
                  "tools": [{"name": "terminal"}]},
        "workspace": {"working_dir": ws.path()},
        "secrets_encrypted": true,
        "secrets": {
            "ENC_STATIC": {"kind": "StaticSecret", "value": static_token},
            "PLAIN_STATIC": {"kind": "StaticSecret", "value": "plain-static-value"},
        },
        "initial_message": {"role": "user", "content": [{"type": "text", "text": "go"}]},
    });
    let (status, created) = create(&app, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["secret_registry"]["secret_sources"]["ENC_STATIC"],
        json!({"description": null, "value": null, "kind": "StaticSecret"})
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let done = wait_for(&app, &id, &["finished", "error"]).await;
    assert_eq!(done["execution_status"], "finished", "{done}");
    assert_eq!(
        final_response(&app, &id).await.1,
        json!({"response": "YES"})
    );
    assert_eq!(
        llm.seen()[0].header("authorization").as_deref(),
        Some("Bearer sk-test-llm-key")
    );

    // A token that does not open under the server's key is refused, not used as a value.
    let foreign = coffer_crypto::FernetKey::from_secret_key("another-key").encrypt(b"x");
    let mut bad = body.clone();
    bad["secrets"]["ENC_STATIC"]["value"] = json!(foreign);
    let (status, answer) = create(&app, &bad).await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .starts_with("Cannot decrypt secrets")
    );
    assert!(!answer.to_string().contains(&foreign));
}

/// Checklist item 55: `agent_settings` with an encrypted `llm.api_key` and an encrypted
/// MCP env token: the agent runs with the plaintexts (the model gets the key; the MCP
/// value is one of the agent's secrets, so it is hidden when it shows up in output).
async fn encrypted_agent_settings_are_opened(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm = FakeServer::start(|turn, seen| match turn {
        0 => openai_call(0, "terminal", r#"{"command": "echo ghp-plaintext"}"#),
        n => openai_finish(
            n,
            seen.tool_results().last().map(String::as_str).unwrap_or(""),
        ),
    })
    .await;
    let mcp_token = fernet_token(&app, "ghp-plaintext").await;
    patch_settings(&app, json!({"agent_settings_diff": {"llm": {"model": "openai/gpt-4o-mini", "api_key": "sk-plaintext"}}})).await;
    let (_, encrypted) = get_settings(&app, Some("encrypted")).await;
    let key_token = encrypted["agent_settings"]["llm"]["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let ws = tempfile::tempdir().unwrap();
    let body = json!({
        "agent_settings": {
            "llm": {"model": "openai/gpt-4o-mini", "base_url": llm.url("/v1"), "api_key": key_token, "num_retries": 0},
            "mcp_config": {"github": {"command": "x", "env": {"GITHUB_TOKEN": mcp_token}}},
        },
        "workspace": {"working_dir": ws.path()},
        "secrets_encrypted": true,
        "initial_message": {"role": "user", "content": [{"type": "text", "text": "go"}]},
    });
    let (status, created) = create(&app, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["agent"]["mcp_config"]["github"]["env"]["GITHUB_TOKEN"],
        Value::Null
    );
    assert_eq!(
        created["agent"]["tools"],
        json!([{"name": "terminal", "params": {}}, {"name": "file_editor", "params": {}}])
    );
    let id = created["id"].as_str().unwrap().to_owned();
    wait_for(&app, &id, &["finished"]).await;
    assert_eq!(
        llm.seen()[0].header("authorization").as_deref(),
        Some("Bearer sk-plaintext")
    );
    assert_eq!(
        final_response(&app, &id).await.1["response"],
        "<secret-hidden>\n[The command completed with exit code 0.]"
    );
}

/// A token as a client gets it from the `encrypted` mode (a secret's value is not
/// exposed that way, so use the settings round trip with an MCP env value).
async fn fernet_token(app: &TestApp, plain: &str) -> String {
    let diff = json!({"agent_settings_diff": {"mcp_config": {"t": {"command": "x", "env": {"V": plain}}}}});
    assert_eq!(patch_settings(app, diff).await.0, 200);
    let (_, encrypted) = get_settings(app, Some("encrypted")).await;
    encrypted["agent_settings"]["mcp_config"]["t"]["env"]["V"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The session key is never needed for coffer's own URL: it is read in-process (an
/// HTTP call without the key would be refused with 401).
async fn own_secret_urls_are_read_in_process(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert!(!SESSION_KEY.is_empty());
    let llm = FakeServer::start(echo_secret_openai("MY_PROJECT_TOKEN", TOKEN)).await;
    put_token(&app).await;
    let ws = tempfile::tempdir().unwrap();
    // Relative to coffer's own URL, like `OH_INTERNAL_SERVER_URL` in the original.
    let secrets = json!({"MY_PROJECT_TOKEN": {"kind": "LookupSecret", "url": "/api/settings/secrets/MY_PROJECT_TOKEN"}});
    let (status, created) = create(
        &app,
        &start_body(&llm.base, ws.path().to_str().unwrap(), secrets, "go"),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    wait_for(&app, id, &["finished", "error"]).await;
    assert_eq!(final_response(&app, id).await.1, json!({"response": "YES"}));
}

both_backends!(
    seed_flow_over_openai,
    seed_flow_over_anthropic,
    encrypted_secrets_are_opened_with_the_server_key,
    encrypted_agent_settings_are_opened,
    own_secret_urls_are_read_in_process,
);
