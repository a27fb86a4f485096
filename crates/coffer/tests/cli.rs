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
