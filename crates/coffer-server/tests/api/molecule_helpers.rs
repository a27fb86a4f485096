//! Helpers for the Molecule dialect's tests: an app with `ADMIN_TOKEN` set and the
//! workspace supervisor running, requests with bearer tokens, workspaces created over
//! HTTP, and a bounded poll for files written by supervised commands.

use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffer_core::restarter::Restarter;
use coffer_supervisor::{ProcessSupervisor, SupervisorConfig};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::helpers::{Backend, Options, TestApp, send};

pub const ADMIN_TOKEN: &str = "test-admin-token";

/// The supervisor tests use: a short grace period and start window, and only `PATH`
/// from the test process's environment.
pub fn test_supervisor() -> Arc<dyn Restarter> {
    let config = SupervisorConfig {
        grace: Duration::from_secs(2),
        start_window: Duration::from_millis(300),
        ..SupervisorConfig::default()
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    Arc::new(ProcessSupervisor::with_base_env(
        config,
        vec![(OsString::from("PATH"), path)],
    ))
}

/// `ADMIN_TOKEN` set, supervisor and restart driver running.
pub fn molecule_options() -> Options {
    Options {
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        supervise: true,
        ..Options::default()
    }
}

pub async fn spawn_molecule(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, molecule_options()).await
}

/// A workspace created over HTTP, with its token.
#[derive(Clone, Debug)]
pub struct Ws {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// A request with `Authorization: Bearer <token>` when given.
    pub fn bearer(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match token {
            Some(token) => req.header("Authorization", format!("Bearer {token}")),
            None => req,
        }
    }

    /// A request with the admin token.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.bearer(method, path, Some(ADMIN_TOKEN))
    }

    /// Creates a workspace through `POST /workspaces` (admin token) and checks the 201.
    pub async fn create_ws(&self, body: Value) -> Ws {
        let (status, answer) = send(self.admin(Method::POST, "/workspaces").json(&body)).await;
        assert_eq!(status, 201, "{answer}");
        Ws {
            id: answer["workspace"]["id"].as_str().expect("id").to_owned(),
            token: answer["auth_token"].as_str().expect("token").to_owned(),
        }
    }

    pub async fn ws_named(&self, name: &str) -> Ws {
        self.create_ws(json!({ "name": name })).await
    }

    /// The workspace as `GET /workspaces/:id` shows it to the admin.
    pub async fn ws_json(&self, id: &str) -> Value {
        let (status, body) = send(self.admin(Method::GET, &format!("/workspaces/{id}"))).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Sets a global secret through the Molecule dialect.
    pub async fn put_global(&self, key: &str, value: &str) {
        let body = json!({"key": key, "value": value});
        let (status, answer) = send(self.admin(Method::PUT, "/settings/secrets").json(&body)).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// Sets a workspace secret with the workspace's own token.
    pub async fn put_ws_secret(&self, ws: &Ws, key: &str, value: &str) {
        let body = json!({"key": key, "value": value});
        let path = format!("/workspaces/{}/secrets", ws.id);
        let (status, answer) = send(
            self.bearer(Method::POST, &path, Some(&ws.token))
                .json(&body),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }

    /// Polls `GET /workspaces/:id` until its status is `status` (at most 5 s).
    pub async fn wait_for_status(&self, id: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let body = self.ws_json(id).await;
            if body["status"] == status {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "status never became {status}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A command that writes its environment to `out` (atomically, then appends a line to
/// `out.starts`) and stays up.
pub fn env_dumper(out: &Path) -> String {
    let out = out.display();
    format!("env > {out}.tmp && mv {out}.tmp {out}; echo start >> {out}.starts; exec sleep 600")
}

/// Polls `path` until `pred` holds on its content (at most 5 s); returns the content.
pub async fn wait_for_file(path: &Path, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && pred(&text)
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never matched: {:?}",
            path.display(),
            std::fs::read_to_string(path)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// How many times a command from [`env_dumper`] writing to `out` was started.
pub fn starts(out: &Path) -> usize {
    let mut starts = out.as_os_str().to_owned();
    starts.push(".starts");
    std::fs::read_to_string(starts).map_or(0, |t| t.lines().count())
}

impl TestApp {
    /// Runs `sql` on a side connection to the test's database, bypassing the store.
    pub async fn raw_sql(&self, sql: &'static str) {
        use sqlx::Connection;
        match &self.storage.postgres {
            None => {
                let options =
                    sqlx::sqlite::SqliteConnectOptions::new().filename(self.storage.sqlite_file());
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("side connection");
                sqlx::raw_sql(sql)
                    .execute(&mut conn)
                    .await
                    .expect("raw sql");
                conn.close().await.expect("close");
            }
            Some((url, schema)) => {
                let options: sqlx::postgres::PgConnectOptions = url.parse().expect("URL");
                let options = options.options([("search_path", schema.as_str())]);
                let mut conn = sqlx::PgConnection::connect_with(&options)
                    .await
                    .expect("side connection");
                sqlx::raw_sql(sql)
                    .execute(&mut conn)
                    .await
                    .expect("raw sql");
                conn.close().await.expect("close");
            }
        }
    }
}
