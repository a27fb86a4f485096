//! Runs the real `coffer` binary for `coffer account …`: accounts and tokens are managed
//! on the data dir without a server, an issued token works against `coffer serve` and
//! stops working once revoked, and while a server owns a SQLite data dir the command says
//! so instead of failing obscurely. Also: at debug level, neither a provider key nor a
//! bearer token (the WebSocket's comes in the query string) reaches the logs.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_coffer");

fn coffer(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run coffer")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts `coffer serve` on a free port; returns the child and its base URL.
fn serve(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(data_dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn coffer");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("coffer listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
}

async fn my_agents(base: &str, token: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/getMyAgents"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn accounts_and_tokens_are_managed_on_the_data_dir_and_work_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let added = coffer(
        &data,
        &["account", "add", "Ops", "--display-name", "Ops Team"],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert_eq!(
        text(&added.stdout),
        "created ops (Ops Team) with agents ops:claude and ops:deepseek\n"
    );
    let again = coffer(&data, &["account", "add", "ops"]);
    assert!(!again.status.success());
    let stderr = text(&again.stderr);
    assert!(
        stderr.ends_with("coffer: an account with this name already exists\n"),
        "{stderr}"
    );
    let bad = coffer(&data, &["account", "add", "ops:claude"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("invalid username"),
        "{}",
        text(&bad.stderr)
    );

    let issued = coffer(&data, &["account", "token", "ops"]);
    assert!(issued.status.success(), "{}", text(&issued.stderr));
    let out = text(&issued.stdout);
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .expect("a token line")
        .to_owned();
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("an id line")
        .to_owned();
    assert!(token.starts_with("cft_"), "{out}");
    let agent = coffer(&data, &["account", "token", "ops:claude"]);
    assert!(!agent.status.success(), "agents get no token");
    assert!(text(&agent.stderr).contains("agents have no tokens"));

    let listed = coffer(&data, &["account", "list"]);
    let listed = text(&listed.stdout);
    assert!(listed.contains("ops\thuman\t-\tOps Team"), "{listed}");
    assert!(
        listed.contains("ops:claude\tagent\tops\tClaude"),
        "{listed}"
    );
    assert!(listed.contains("claude\tagent\t-\tClaude"), "{listed}");

    let (server, base) = serve(&data);
    let (status, body) = my_agents(&base, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["items"][0]["username"], "ops:claude");
    // While the server owns the data dir, the CLI says so.
    for args in [&["account", "token", "ops"][..], &["account", "list"][..]] {
        let refused = coffer(&data, args);
        assert!(!refused.status.success());
        let stderr = text(&refused.stderr);
        assert!(
            stderr.contains("is in use by a running coffer server"),
            "{stderr}"
        );
        assert!(stderr.contains("stop the server"), "{stderr}");
    }
    stop(server);

    let revoked = coffer(&data, &["account", "revoke-token", "ops", "--id", &id]);
    assert_eq!(text(&revoked.stdout), "revoked 1 token(s) of ops\n");
    let (server, base) = serve(&data);
    let (status, body) = my_agents(&base, &token).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["description"], "unauthenticated: invalid token");
    stop(server);
}

#[tokio::test]
async fn debug_logs_carry_neither_provider_keys_nor_tokens() {
    const KEY: &str = "sk-ant-LOGSCAN-never-logged-1234";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(coffer(&data, &["account", "add", "ops"]).status.success());
    let issued = text(&coffer(&data, &["account", "token", "ops"]).stdout);
    let token = issued
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .unwrap()
        .to_owned();
    // A provider that refuses connections: the reply fails, and says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(&data)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "debug")
        .env("LOG_JSON", "true")
        .env("COFFER_ANTHROPIC_BASE_URL", &nowhere)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("coffer listening on ")
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    let call = |method: &str, body: serde_json::Value| {
        http.post(format!("{base}/api/{method}"))
            .header("Authorization", format!("Bearer {token}"))
            .json(&body)
            .send()
    };
    let set = call(
        "setAgentKey",
        serde_json::json!({"provider": "claude", "api_key": KEY}),
    )
    .await
    .unwrap();
    assert_eq!(set.status(), 200);
    let chat: serde_json::Value =
        call("startChat", serde_json::json!({"user_ids": ["ops:claude"]}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let chat_id = chat["result"]["id"].as_str().unwrap().to_owned();
    let ws = format!(
        "{}/api/ws?token={token}",
        base.replacen("http://", "ws://", 1)
    );
    let (_socket, _) = tokio_tungstenite::connect_async(ws).await.unwrap();
    call(
        "sendMessage",
        serde_json::json!({"chat_id": chat_id, "text": "hello"}),
    )
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let page: serde_json::Value = call("getMessages", serde_json::json!({"chat_id": chat_id}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["result"]["items"].as_array().unwrap().clone();
        if let Some(reply) = items
            .iter()
            .find(|m| m["sender"]["username"] == "ops:claude" && m["finalized_at"].is_string())
        {
            assert_eq!(
                reply["content"],
                "⚠ Claude could not answer: claude could not be reached."
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no reply: {items:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop_keeping_stderr(&mut child, |logs| {
        assert!(
            logs.contains("/api/ws"),
            "the request was logged at debug level"
        );
        assert!(
            !logs.contains(KEY) && !logs.contains("LOGSCAN"),
            "a provider key was logged"
        );
        assert!(!logs.contains(&token), "a bearer token was logged");
    });
}

/// SIGTERM, wait, then check what the process wrote on stderr.
fn stop_keeping_stderr(child: &mut Child, check: impl FnOnce(&str)) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    check(&logs);
}
