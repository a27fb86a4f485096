//! Values at rest: no secret value (custom secret, LLM key, MCP env value) reaches the
//! database in plaintext or in any common encoding of it, and a sealed value copied to
//! another row or field does not open there (its AAD binds it to where it was written).

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use coffer_core::domain::{Scope, SecretName};
use coffer_core::event::{EventKind, NewEvent, now_ms};
use coffer_core::store::{SecretWrite, SettingsWrite};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, OH_SECRET_KEY, Storage, TestApp, send, send_raw};

const LLM_KEY_POINTER: &str = "/agent_settings/llm/api_key";
const MCP_TOKEN_POINTER: &str = "/agent_settings/mcp_config/srv/env/TOKEN";

/// Byte strings that would betray `plain` at rest: itself, its standard and URL-safe
/// base64 with and without padding, the part of its base64 that is the same wherever it
/// starts inside a longer encoded run (each of the three byte alignments), and the hex of
/// each of these (how PostgreSQL shows `bytea`).
fn encodings(plain: &str) -> Vec<Vec<u8>> {
    let bytes = plain.as_bytes();
    let mut out = vec![bytes.to_vec(), hex::encode_upper(bytes).into_bytes()];
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        out.push(engine.encode(bytes).into_bytes());
    }
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        for offset in 0..3 {
            let mut data = vec![0u8; offset];
            data.extend_from_slice(bytes);
            let encoded = engine.encode(&data);
            let (start, end) = ((offset * 8).div_ceil(6), data.len() * 8 / 6);
            out.push(encoded.as_bytes()[start..end].to_vec());
        }
    }
    let hexed: Vec<Vec<u8>> = out.iter().map(|n| hex::encode(n).into_bytes()).collect();
    out.extend(hexed);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `marker` (a plaintext description) must be found, which proves the scan sees the stored
/// data; no encoding of any canary may be.
pub fn assert_only_marker_in(haystack: &[u8], marker: &str, canaries: &[&str], what: &str) {
    assert!(
        contains(haystack, marker.as_bytes()),
        "{what}: the scan does not see stored data"
    );
    for canary in canaries {
        for (i, needle) in encodings(canary).iter().enumerate() {
            assert!(
                !contains(haystack, needle),
                "{what}: {canary} found at rest (encoding #{i})"
            );
        }
    }
}

/// Every file of the SQLite data dir: the database, its `-wal` and `-shm`, anything else.
pub fn sqlite_files(storage: &Storage) -> Vec<u8> {
    fn read_dir(dir: &Path, out: &mut Vec<u8>, seen: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("data dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                read_dir(&path, out, seen);
            } else if let Ok(bytes) = std::fs::read(&path) {
                seen.push(path.file_name().unwrap().to_string_lossy().into_owned());
                out.extend_from_slice(&bytes);
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    read_dir(&storage.data_dir(), &mut out, &mut seen);
    let db = storage.sqlite_file();
    assert!(
        seen.iter()
            .any(|f| *f == db.file_name().unwrap().to_string_lossy()),
        "scanned {seen:?}"
    );
    out
}

/// Every row of every table of the test's PostgreSQL schema, as JSON text.
pub async fn postgres_dump(storage: &Storage) -> Vec<u8> {
    use sqlx::Connection;
    let (url, schema) = storage.postgres.clone().expect("a PostgreSQL storage");
    let options: sqlx::postgres::PgConnectOptions = url.parse().expect("PostgreSQL URL");
    let mut conn = sqlx::PgConnection::connect_with(&options)
        .await
        .expect("connect");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
    )
    .bind(&schema)
    .fetch_all(&mut conn)
    .await
    .expect("list tables");
    for expected in ["events", "secrets", "settings"] {
        assert!(tables.iter().any(|t| t == expected), "{tables:?}");
    }
    let mut out = Vec::new();
    for table in tables {
        assert!(
            table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{table}"
        );
        let sql = format!("SELECT row_to_json(t)::text FROM \"{schema}\".\"{table}\" t");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .expect("dump table");
        for row in rows {
            out.extend_from_slice(row.as_bytes());
            out.push(b'\n');
        }
    }
    conn.close().await.expect("close");
    out
}

async fn put_secret(app: &TestApp, name: &str, value: &str, description: &str) {
    let body = json!({"name": name, "value": value, "description": description});
    let answer = send(
        app.request(Method::PUT, "/api/settings/secrets")
            .json(&body),
    )
    .await;
    assert_eq!(
        answer,
        (200, json!({"name": name, "description": description}))
    );
}

async fn secret_text(app: &TestApp, name: &str) -> (u16, String) {
    let raw = send_raw(app.request(Method::GET, &format!("/api/settings/secrets/{name}"))).await;
    (raw.status, String::from_utf8_lossy(&raw.body).into_owned())
}

async fn patch_settings(app: &TestApp, body: Value) -> (u16, Value) {
    send(app.request(Method::PATCH, "/api/settings").json(&body)).await
}

async fn settings(app: &TestApp, expose: &str) -> Value {
    let (status, body) = send(
        app.request(Method::GET, "/api/settings")
            .header("X-Expose-Secrets", expose),
    )
    .await;
    assert_eq!(status, 200);
    body
}

fn llm_and_mcp(llm_key: &str, mcp_token: &str) -> Value {
    json!({"agent_settings_diff": {
        "llm": {"api_key": llm_key},
        "mcp_config": {"srv": {"command": "x", "env": {"TOKEN": mcp_token}}},
    }})
}

fn tamper_event(kind: EventKind, name: &str) -> NewEvent {
    NewEvent {
        kind,
        scope: "global".into(),
        name: name.into(),
        actor: "test-tamper".into(),
        at_ms: now_ms(),
    }
}

async fn no_value_reaches_the_database_in_plaintext_or_encoded(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let id = uuid::Uuid::new_v4().simple();
    let secret = format!("coffer-plaintext-canary-{id}");
    let replaced = format!("coffer-replaced-canary-{id}");
    let deleted = format!("coffer-deleted-canary-{id}");
    let llm_key = format!("coffer-llm-canary-{id}");
    let old_llm_key = format!("coffer-old-llm-canary-{id}");
    let mcp_token = format!("coffer-mcp-canary-{id}");
    let marker = format!("coffer-description-marker-{id}");

    put_secret(&app, "CANARY", &replaced, &marker).await;
    put_secret(&app, "CANARY", &secret, &marker).await;
    put_secret(&app, "GONE", &deleted, &marker).await;
    assert_eq!(
        send(app.request(Method::DELETE, "/api/settings/secrets/GONE"))
            .await
            .0,
        200
    );
    assert_eq!(
        patch_settings(&app, llm_and_mcp(&old_llm_key, &mcp_token))
            .await
            .0,
        200
    );
    assert_eq!(
        patch_settings(&app, llm_and_mcp(&llm_key, &mcp_token))
            .await
            .0,
        200
    );

    // The values are really stored (and readable through the API).
    assert_eq!(secret_text(&app, "CANARY").await, (200, secret.clone()));
    let plain = settings(&app, "plaintext").await;
    assert_eq!(plain["agent_settings"]["llm"]["api_key"], json!(llm_key));
    assert_eq!(
        plain["agent_settings"]["mcp_config"]["srv"]["env"]["TOKEN"],
        json!(mcp_token)
    );
    settings(&app, "encrypted").await;

    let canaries = [
        secret.as_str(),
        &replaced,
        &deleted,
        &llm_key,
        &old_llm_key,
        &mcp_token,
    ];
    match app.storage.backend {
        Backend::Sqlite => {
            // While running, recent writes live in the WAL.
            assert_only_marker_in(
                &sqlite_files(&app.storage),
                &marker,
                &canaries,
                "SQLite while running",
            );
            let storage = app.stop().await;
            assert_only_marker_in(
                &sqlite_files(&storage),
                &marker,
                &canaries,
                "SQLite after stop",
            );
        }
        Backend::Postgres => {
            assert_only_marker_in(
                &postgres_dump(&app.storage).await,
                &marker,
                &canaries,
                "PostgreSQL",
            );
            app.stop().await;
        }
    }
}

/// The scan's own check: values written past the sealing (raw, as hex-shown `bytea`, or
/// base64 at an odd offset inside a longer run) are found.
async fn the_scan_finds_values_written_without_sealing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let id = uuid::Uuid::new_v4().simple();
    let marker = format!("coffer-description-marker-{id}");
    let raw = format!("coffer-raw-canary-{id}");
    let embedded = format!("coffer-embedded-canary-{id}");
    let mut misaligned = b"xy".to_vec();
    misaligned.extend_from_slice(embedded.as_bytes());
    let rows = [
        ("RAW", raw.clone().into_bytes()),
        ("EMBEDDED", URL_SAFE.encode(&misaligned).into_bytes()),
    ];
    for (name, sealed) in rows {
        let name = SecretName::parse(name).unwrap();
        let write = SecretWrite {
            scope: &Scope::Global,
            name: &name,
            sealed,
            key_id: "0000000000000000".into(),
            description: Some(marker.clone()),
            at_ms: now_ms(),
        };
        app.store
            .upsert_secret(write, tamper_event(EventKind::SecretPut, name.as_str()))
            .await
            .unwrap();
    }
    let haystack = match app.storage.backend {
        Backend::Sqlite => sqlite_files(&app.storage),
        Backend::Postgres => postgres_dump(&app.storage).await,
    };
    assert!(contains(&haystack, marker.as_bytes()));
    for canary in [&raw, &embedded] {
        assert!(
            encodings(canary)
                .iter()
                .any(|needle| contains(&haystack, needle)),
            "{canary} not found"
        );
    }
    app.stop().await;
}

async fn a_sealed_secret_copied_to_another_row_does_not_open(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    put_secret(&app, "A", "value-a", "first").await;
    put_secret(&app, "B", "value-b", "second").await;
    let (a, b, c) = (
        SecretName::parse("A").unwrap(),
        SecretName::parse("B").unwrap(),
        SecretName::parse("C").unwrap(),
    );
    let a_sealed = app
        .store
        .find_secret(&Scope::Global, &a)
        .await
        .unwrap()
        .expect("A is stored")
        .sealed;
    let key_id = coffer_crypto::envelope_key_id(&a_sealed)
        .expect("an envelope")
        .to_hex();

    // Over an existing row, and as a new row.
    for name in [&b, &c] {
        let write = SecretWrite {
            scope: &Scope::Global,
            name,
            sealed: a_sealed.clone(),
            key_id: key_id.clone(),
            description: None,
            at_ms: now_ms(),
        };
        app.store
            .upsert_secret(write, tamper_event(EventKind::SecretPut, name.as_str()))
            .await
            .unwrap();
    }
    for name in ["B", "C"] {
        let (status, body) = secret_text(&app, name).await;
        assert_eq!(
            (status, serde_json::from_str::<Value>(&body).ok()),
            (404, Some(json!({"detail": "Secret not found"})))
        );
        assert!(!body.contains("value-a"));
    }
    assert_eq!(secret_text(&app, "A").await, (200, "value-a".to_owned()));

    // A tampered envelope does not open either.
    let mut tampered = a_sealed.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let write = SecretWrite {
        scope: &Scope::Global,
        name: &a,
        sealed: tampered,
        key_id,
        description: None,
        at_ms: now_ms(),
    };
    app.store
        .upsert_secret(write, tamper_event(EventKind::SecretPut, "A"))
        .await
        .unwrap();
    assert_eq!(
        send(app.request(Method::GET, "/api/settings/secrets/A")).await,
        (404, json!({"detail": "Secret not found"}))
    );

    // Writing through the API repairs a row.
    put_secret(&app, "B", "value-b2", "second").await;
    assert_eq!(secret_text(&app, "B").await, (200, "value-b2".to_owned()));
    app.stop().await;
}

async fn a_sealed_settings_field_copied_to_another_field_does_not_open(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let llm_key = "sk-llm-key-for-the-move-test";
    assert_eq!(
        patch_settings(&app, llm_and_mcp(llm_key, "mcp-token-value"))
            .await
            .0,
        200
    );
    let record = app
        .store
        .find_settings(&Scope::Global, "agent")
        .await
        .unwrap()
        .expect("settings are stored");
    let pointers: Vec<&str> = record.sealed.keys().map(String::as_str).collect();
    assert_eq!(pointers, [LLM_KEY_POINTER, MCP_TOKEN_POINTER]);

    let mut sealed: BTreeMap<String, Vec<u8>> = record.sealed.clone();
    let llm_envelope = sealed[LLM_KEY_POINTER].clone();
    sealed.insert(MCP_TOKEN_POINTER.to_owned(), llm_envelope.clone());
    let write = SettingsWrite {
        scope: &Scope::Global,
        key: "agent",
        doc: record.doc.clone(),
        sealed,
        at_ms: now_ms(),
    };
    let event = tamper_event(EventKind::SettingsUpdated, "agent");
    app.store
        .save_settings(write, Some(record.version), event)
        .await
        .unwrap();

    let plain = settings(&app, "plaintext").await;
    assert_eq!(
        plain["agent_settings"]["mcp_config"]["srv"]["env"]["TOKEN"],
        Value::Null
    );
    assert_eq!(plain["agent_settings"]["llm"]["api_key"], json!(llm_key));
    assert_eq!(
        plain.to_string().matches(llm_key).count(),
        1,
        "the LLM key shows only as the LLM key"
    );
    let encrypted = settings(&app, "encrypted").await;
    assert_eq!(
        encrypted["agent_settings"]["mcp_config"]["srv"]["env"]["TOKEN"],
        Value::Null
    );
    let token = encrypted["agent_settings"]["llm"]["api_key"]
        .as_str()
        .expect("a token");
    let opened = coffer_crypto::FernetKey::from_secret_key(OH_SECRET_KEY)
        .decrypt_string(token)
        .expect("opens");
    assert_eq!(coffer_crypto::ExposeSecret::expose_secret(&opened), llm_key);

    // A read-modify-write refuses to go on over a field that does not open (spec §7).
    let refused = patch_settings(&app, json!({"misc_settings_diff": {"theme": "dark"}})).await;
    let detail = "Settings file is corrupted or encrypted with a different key: restore that key as OH_SECRET_KEY or add it to OH_PREVIOUS_SECRET_KEYS";
    assert_eq!(refused, (409, json!({ "detail": detail })));

    // A settings envelope in a secret row does not open either.
    let stolen = SecretName::parse("STOLEN").unwrap();
    let key_id = coffer_crypto::envelope_key_id(&llm_envelope)
        .unwrap()
        .to_hex();
    let write = SecretWrite {
        scope: &Scope::Global,
        name: &stolen,
        sealed: llm_envelope,
        key_id,
        description: None,
        at_ms: now_ms(),
    };
    app.store
        .upsert_secret(write, tamper_event(EventKind::SecretPut, "STOLEN"))
        .await
        .unwrap();
    let (status, body) = secret_text(&app, "STOLEN").await;
    assert_eq!(status, 404);
    assert!(!body.contains(llm_key));
    app.stop().await;
}

both_backends!(
    no_value_reaches_the_database_in_plaintext_or_encoded,
    the_scan_finds_values_written_without_sealing,
    a_sealed_secret_copied_to_another_row_does_not_open,
    a_sealed_settings_field_copied_to_another_field_does_not_open,
);
