//! Runs the real `coffer` binary: start-up line, graceful SIGTERM, restart survival,
//! refusing unauthenticated exposure, key rotation, key file permissions, JSON logs that
//! carry no secret value.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_coffer");

struct Running {
    child: Child,
    base: String,
}

fn start(data_dir: &Path, envs: &[(&str, &str)], extra: &[&str]) -> Running {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--port", "0", "--data-dir"])
        .arg(data_dir)
        .args(extra);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    Running { child, base }
}

/// Sends SIGTERM and returns (exit success, stderr).
fn stop(mut running: Running) -> (bool, String) {
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.child.wait().unwrap();
    let mut stderr = String::new();
    running
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (exit.success(), stderr)
}

async fn put_secret(base: &str, key: &str, name: &str, value: &str) {
    let response = reqwest::Client::new()
        .put(format!("{base}/api/settings/secrets"))
        .header("X-Session-API-Key", key)
        .json(&serde_json::json!({"name": name, "value": value}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn get_secret(base: &str, key: &str, name: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(format!("{base}/api/settings/secrets/{name}"))
        .header("X-Session-API-Key", key)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn serve_prints_one_ready_line_stops_cleanly_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let envs = [("SESSION_API_KEY", "k1"), ("LOG_JSON", "true")];
    let app = start(&data, &envs, &[]);
    let health = reqwest::get(format!("{}/health", app.base)).await.unwrap();
    assert_eq!(health.text().await.unwrap(), r#"{"status":"ok"}"#);
    put_secret(&app.base, "k1", "CANARY", "cli-canary-value-9f3").await;
    let (ok, stderr) = stop(app);
    assert!(ok, "coffer did not exit cleanly: {stderr}");
    assert!(
        !stderr.contains("cli-canary-value-9f3"),
        "a secret value reached the logs"
    );
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not a JSON log line: {line}"
        );
    }

    let again = start(&data, &envs, &[]);
    assert_eq!(
        get_secret(&again.base, "k1", "CANARY").await,
        (200, "cli-canary-value-9f3".to_owned())
    );
    assert!(stop(again).0);
}

#[test]
fn a_generated_master_key_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = start(&data, &[], &[]);
    assert!(stop(app).0);
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data.join("master.key")), 0o600);
    assert_eq!(mode(&data), 0o700);
    let db = std::fs::read(data.join("coffer.db")).unwrap();
    assert!(!db.is_empty());
}

#[test]
fn binding_a_public_address_without_a_session_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .env_remove("SESSION_API_KEY")
        .env_remove("OH_SESSION_API_KEYS")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve on 0.0.0.0 with no session key"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn rotate_key_reseals_under_the_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let old = [("SESSION_API_KEY", "k"), ("OH_SECRET_KEY", "old-key")];
    let app = start(&data, &old, &[]);
    put_secret(&app.base, "k", "ROTATED", "rotate-me").await;
    assert!(stop(app).0);

    // Under the new key alone the value does not open.
    let new_only = [("SESSION_API_KEY", "k"), ("OH_SECRET_KEY", "new-key")];
    let app = start(&data, &new_only, &[]);
    assert_eq!(get_secret(&app.base, "k", "ROTATED").await.0, 404);
    assert!(stop(app).0);

    let output = Command::new(BIN)
        .args(["rotate-key", "--data-dir"])
        .arg(&data)
        .env("OH_SECRET_KEY", "new-key")
        .env("OH_PREVIOUS_SECRET_KEYS", r#"["old-key"]"#)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "re-sealed 1 secrets and 0 settings documents; 0 values open under no configured key"
    );

    let app = start(&data, &new_only, &[]);
    assert_eq!(
        get_secret(&app.base, "k", "ROTATED").await,
        (200, "rotate-me".to_owned())
    );
    assert!(stop(app).0);
}

/// Runs `coffer <args> --data-dir <data>` with `envs`; returns (success, stdout, stderr).
fn run_cli(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args).arg("--data-dir").arg(data);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// The value of a `name: value` line of CLI output.
fn field(stdout: &str, name: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {stdout:?}"))
        .to_owned()
}

#[test]
fn workspace_and_org_token_commands_work_on_the_database_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = run_cli(&data, &["workspace", "create", "lead"], &[]);
    assert!(ok, "{err}");
    let (lead, token) = (field(&out, "id"), field(&out, "token"));
    assert_eq!(token.len(), 43);
    let args = [
        "workspace",
        "create",
        "child",
        "--parent",
        &lead,
        "--runtime",
        "external",
    ];
    let (ok, out, err) = run_cli(&data, &args, &[]);
    assert!(ok, "{err}");
    let child = field(&out, "id");
    let (ok, out, _) = run_cli(&data, &["workspace", "list"], &[]);
    assert!(ok);
    assert!(
        out.contains(&format!("{lead}\tonline\tlanggraph\t-\tlead")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{child}\tonline\texternal\t{lead}\tchild")),
        "{out}"
    );
    let (ok, out, _) = run_cli(&data, &["workspace", "token", &lead], &[]);
    assert!(ok);
    assert_ne!(field(&out, "token"), token);
    let (ok, _, err) = run_cli(
        &data,
        &["workspace", "create", "x", "--parent", "NOPE"],
        &[],
    );
    assert!(
        !ok && err.contains("parent_id must be a lowercase workspace UUID"),
        "{err}"
    );

    let (ok, out, _) = run_cli(&data, &["org-token", "create", "ci"], &[]);
    assert!(ok);
    let (prefix, org) = (field(&out, "prefix"), field(&out, "token"));
    assert!(org.starts_with(&prefix) && prefix.len() == 8);
    let (ok, out, _) = run_cli(&data, &["org-token", "revoke", &prefix], &[]);
    assert!(
        ok && out.contains(&format!("revoked org token {prefix} (ci)")),
        "{out}"
    );
    let (ok, _, err) = run_cli(&data, &["org-token", "revoke", &prefix], &[]);
    assert!(
        !ok && err.contains("no live org token has that prefix"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_runs_workspace_commands_with_their_secrets_only_and_stops_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (env_file, pid_file) = (dir.path().join("env"), dir.path().join("pid"));
    let command = format!(
        "echo $$ > {pid}; env > {out}.tmp && mv {out}.tmp {out}; exec sleep 600",
        pid = pid_file.display(),
        out = env_file.display()
    );
    let (ok, out, err) = run_cli(
        &data,
        &["workspace", "create", "w", "--command", &command],
        &[],
    );
    assert!(ok, "{err}");
    let (id, token) = (field(&out, "id"), field(&out, "token"));

    // A SQLite data dir in use by a server: the CLI says so.
    let envs = [
        ("SESSION_API_KEY", "sk"),
        ("ADMIN_TOKEN", "adm"),
        ("OH_SECRET_KEY", "ohk"),
    ];
    let app = start(&data, &envs, &[]);
    let (ok, _, err) = run_cli(&data, &["workspace", "list"], &[]);
    assert!(
        !ok && err.contains("is in use by a running coffer server"),
        "{err}"
    );

    let read = |pred: &dyn Fn(&str) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if let Ok(text) = std::fs::read_to_string(&env_file)
                && pred(&text)
            {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "env file never matched"
            );
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
    };
    let first = read(&|t| t.contains("WORKSPACE_ID="));
    for leaked in [
        "ADMIN_TOKEN",
        "OH_SECRET_KEY",
        "SESSION_API_KEY",
        "sk",
        "adm",
        "ohk",
    ] {
        assert!(
            !first.lines().any(|l| l.starts_with(&format!("{leaked}="))),
            "{leaked}"
        );
        assert!(
            !first.lines().any(|l| l.ends_with(&format!("={leaked}"))),
            "{leaked}"
        );
    }

    let client = reqwest::Client::new();
    let put = client
        .put(format!("{}/settings/secrets", app.base))
        .bearer_auth("adm")
        .json(&serde_json::json!({"key": "GLOBAL_KEY", "value": "g1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    read(&|t| t.contains("GLOBAL_KEY=g1\n"));
    let own = client
        .get(format!("{}/workspaces/{id}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "the CLI's token works over HTTP");

    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    let (ok, stderr) = stop(app);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("g1"), "a value reached the logs");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the workspace process outlived coffer: {status} {stderr}"
    );
}

#[tokio::test]
async fn workspace_purge_deletes_a_removed_workspace_s_data_and_refuses_a_live_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = run_cli(&data, &["workspace", "create", "w"], &[]);
    assert!(ok, "{err}");
    let (id, token) = (field(&out, "id"), field(&out, "token"));
    let (ok, _, err) = run_cli(&data, &["workspace", "purge", &id], &[]);
    assert!(
        !ok && err.contains("the workspace is online, not removed"),
        "{err}"
    );
    let (ok, _, err) = run_cli(&data, &["workspace", "purge", "NOPE"], &[]);
    assert!(!ok && err.contains("is not a workspace id"), "{err}");

    let envs = [
        ("SESSION_API_KEY", "sk"),
        ("ADMIN_TOKEN", "adm"),
        ("OH_SECRET_KEY", "ohk"),
    ];
    let app = start(&data, &envs, &[]);
    // No pooled connections: a reused keep-alive socket can race the server closing it
    // under load (seen once as IncompleteMessage).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let ws = format!("{}/workspaces/{id}", app.base);
    for (path, body) in [
        ("secrets", serde_json::json!({"key": "K", "value": "v"})),
        ("memory", serde_json::json!({"key": "m", "value": 1})),
        (
            "checkpoints",
            serde_json::json!({"workflow_id": "wf", "step_name": "s", "payload": {"a": 1}}),
        ),
    ] {
        let r = client
            .post(format!("{ws}/{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    let r = client.delete(&ws).bearer_auth("adm").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (ok, stderr) = stop(app);
    assert!(ok, "{stderr}");

    let (ok, out, err) = run_cli(&data, &["workspace", "purge", &id], &[]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "purged: 1 secrets, 1 memory entries, 1 checkpoints"
    );
    let (ok, out, _) = run_cli(&data, &["workspace", "purge", &id], &[]);
    assert!(ok);
    assert_eq!(
        out.trim(),
        "purged: 0 secrets, 0 memory entries, 0 checkpoints"
    );

    let app = start(&data, &envs, &[]);
    // No pooled connections: a reused keep-alive socket can race the server closing it
    // under load (seen once as IncompleteMessage).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let ws = format!("{}/workspaces/{id}", app.base);
    let get = |path: &'static str| {
        let url = format!("{ws}/{path}");
        let client = client.clone();
        async move {
            let r = client.get(url).bearer_auth("adm").send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(get("memory").await, (200, "[]".to_owned()));
    assert_eq!(get("secrets").await.0, 200);
    assert!(!get("secrets").await.1.contains("\"K\""));
    assert_eq!(get("checkpoints/latest").await.0, 404);
    let (ok, stderr) = stop(app);
    assert!(ok, "{stderr}");
}
