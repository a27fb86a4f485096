//! Test harness: [`TestApp`] starts coffer in-process on port 0 over a fresh SQLite data
//! dir or a fresh PostgreSQL schema, and can be stopped and restarted over the same
//! storage with other keys. [`both_backends!`] emits one test per backend.

use std::path::PathBuf;
use std::sync::Arc;

use coffer_core::Core;
use coffer_core::store::Store;
use coffer_crypto::SecretString;
use coffer_server::AppConfig;
use coffer_server::keys::{KeyConfig, resolve};
use reqwest::{Method, RequestBuilder};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod raw;
pub use raw::{raw_http, send_raw};

pub const SESSION_KEY: &str = "test-session-key";
pub const OH_SECRET_KEY: &str = "test-oh-secret-key";
pub const POSTGRES_ENV: &str = "COFFER_TEST_POSTGRES_URL";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Emits `mod <name> { sqlite, postgres }` tests calling `async fn <name>(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

/// How a test server is configured.
#[derive(Clone, Debug)]
pub struct Options {
    pub session_keys: Vec<String>,
    pub oh_secret_key: Option<String>,
    pub previous_secret_keys: Vec<String>,
    pub max_body_bytes: usize,
    /// Molecule: `ADMIN_TOKEN`, `COFFER_DEV=1`, whether the address counts as loopback,
    /// and whether the workspace supervisor and restart driver run.
    pub admin_token: Option<String>,
    pub dev_mode: bool,
    pub bound_to_loopback: bool,
    pub supervise: bool,
    /// OpenHands conversations: the agent runtime's limits (tests shorten timeouts).
    pub agent: coffer_agent::AgentConfig,
    /// Mafold: where agents' providers live (tests point them at scripted servers),
    /// the house agents' platform keys, and the longest a reply may take. Dev tokens
    /// follow `dev_mode` and `bound_to_loopback`, as in `coffer serve`.
    pub mafold: crate::mafold_helpers::MafoldOptions,
    /// Molecule agent memories: the embedder (none by default) and its timeouts. The
    /// background indexer runs when an embedder is set.
    pub memory: coffer_core::ops::MemoryOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            session_keys: vec![SESSION_KEY.to_owned()],
            oh_secret_key: Some(OH_SECRET_KEY.to_owned()),
            previous_secret_keys: Vec::new(),
            max_body_bytes: coffer_server::app::DEFAULT_MAX_BODY_BYTES,
            admin_token: None,
            dev_mode: false,
            bound_to_loopback: true,
            supervise: false,
            agent: coffer_agent::AgentConfig::default(),
            mafold: Default::default(),
            memory: Default::default(),
        }
    }
}

/// Where a test's data lives; survives restarts; cleaned up on drop.
pub struct Storage {
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pub postgres: Option<(String, String)>,
}

impl Storage {
    /// `None` (with a loud line on stderr) when PostgreSQL is asked for but not configured.
    pub fn new(backend: Backend) -> Option<Arc<Storage>> {
        let dir = tempfile::tempdir().expect("temp dir");
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => match std::env::var(POSTGRES_ENV) {
                Ok(url) => Some((url, format!("t_{}", uuid::Uuid::new_v4().simple()))),
                Err(_) => {
                    assert!(
                        std::env::var_os("COFFER_REQUIRE_POSTGRES").is_none(),
                        "COFFER_REQUIRE_POSTGRES is set but {POSTGRES_ENV} is not"
                    );
                    eprintln!("SKIPPED ({POSTGRES_ENV} not set): postgres variant of this test");
                    return None;
                }
            },
        };
        Some(Arc::new(Storage {
            backend,
            dir,
            postgres,
        }))
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The SQLite database file (and its `-wal` sibling).
    pub fn sqlite_file(&self) -> PathBuf {
        self.data_dir().join("coffer.db")
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        match &self.postgres {
            None => {
                std::fs::create_dir_all(self.data_dir()).unwrap();
                Arc::new(
                    coffer_store::SqliteStore::open(&self.sqlite_file())
                        .await
                        .expect("open sqlite"),
                )
            }
            Some((url, schema)) => Arc::new(
                coffer_store::PgStore::connect_with_schema(url, schema)
                    .await
                    .expect("connect postgres"),
            ),
        }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.postgres.take() {
            // Drop runs outside any runtime guarantee: use a private one.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let _ = rt.block_on(coffer_store::drop_schema(&url, &schema));
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub options: Options,
    pub storage: Arc<Storage>,
    pub store: Arc<dyn Store>,
    pub core: Arc<Core>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    driver: Option<coffer_core::ops::RestartDriver>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: Options) -> Option<TestApp> {
        let storage = Storage::new(backend)?;
        Some(TestApp::start(storage, options).await)
    }

    pub async fn start(storage: Arc<Storage>, options: Options) -> TestApp {
        let secret = |s: &String| SecretString::from(s.clone());
        let key_config = KeyConfig {
            oh_secret_key: options.oh_secret_key.as_ref().map(secret),
            previous_secret_keys: options.previous_secret_keys.iter().map(secret).collect(),
            data_dir: storage.data_dir(),
            ..KeyConfig::default()
        };
        let resolved = resolve(&key_config).expect("keys");
        let store = storage.open().await;
        let mut core = Core::new(store.clone(), resolved.keys)
            .with_agent_runtime(coffer_agent::AgentRuntime::new(options.agent.clone()).ports());
        if options.supervise {
            core = core.with_restarter(crate::molecule_helpers::test_supervisor());
        }
        let dev_tokens = options.dev_mode && options.bound_to_loopback;
        core = core.with_chat_options(options.mafold.chat_options(dev_tokens));
        core = core.with_memory_options(options.memory.clone());
        let core = Arc::new(core);
        core.spawn_memory_indexer();
        core.recover_conversations()
            .await
            .expect("recover conversations");
        if resolved.has_previous {
            core.reseal_all(&coffer_core::principal::Principal::System)
                .await
                .expect("reseal");
        }
        let config = AppConfig {
            session_keys: options.session_keys.iter().map(secret).collect(),
            max_body_bytes: options.max_body_bytes,
            cors_origins: Vec::new(),
            admin_token: options.admin_token.as_ref().map(secret),
            dev_mode: options.dev_mode,
            bound_to_loopback: options.bound_to_loopback,
        };
        let app = coffer_server::build_app(core.clone(), config);
        let driver = match options.supervise {
            true => Some(core.start_restart_driver().await.expect("restart driver")),
            false => None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        core.set_internal_url(&base).expect("internal url");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(coffer_server::serve(listener, app, async move {
            let _ = rx.await;
        }));
        TestApp {
            base,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            options,
            storage,
            store,
            core,
            shutdown: Some(tx),
            server: Some(server),
            driver,
        }
    }

    /// Stops the server (in-flight requests finish) and closes the store.
    pub async fn stop(mut self) -> Arc<Storage> {
        self.shutdown_now().await;
        self.storage.clone()
    }

    async fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server");
        }
        self.core.stop_conversations().await;
        if let Some(driver) = self.driver.take() {
            driver.shutdown().await;
        }
        self.store.close().await;
    }

    /// Stops and starts again over the same storage with `options`.
    pub async fn restart_with(self, options: Options) -> TestApp {
        let storage = self.stop().await;
        TestApp::start(storage, options).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request carrying the first configured session key.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match self.options.session_keys.first() {
            Some(key) => req.header("X-Session-API-Key", key),
            None => req,
        }
    }

    /// A request with no session key.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub fn client(&self) -> coffer_client::CofferClient {
        coffer_client::CofferClient::new(
            &self.base,
            self.options.session_keys.first().map(String::as_str),
        )
    }
}

/// Sends `req` and returns (status, parsed JSON body or the raw text as a JSON string).
pub async fn send(req: RequestBuilder) -> (u16, serde_json::Value) {
    let response = req.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

/// `GET /api/settings`, with `X-Expose-Secrets: <expose>` when given.
pub async fn get_settings(app: &TestApp, expose: Option<&str>) -> (u16, serde_json::Value) {
    let req = app.request(Method::GET, "/api/settings");
    send(match expose {
        Some(value) => req.header("X-Expose-Secrets", value),
        None => req,
    })
    .await
}

/// `PATCH /api/settings` with a JSON body.
pub async fn patch_settings(app: &TestApp, body: serde_json::Value) -> (u16, serde_json::Value) {
    send(app.request(Method::PATCH, "/api/settings").json(&body)).await
}

/// Decrypts an `encrypted`-mode token with the Fernet key of `oh_secret_key`
/// (SHA-256 of it, as the original does).
pub fn fernet_decrypt(oh_secret_key: &str, token: &str) -> Option<String> {
    use coffer_crypto::ExposeSecret;
    let key = coffer_crypto::FernetKey::from_secret_key(oh_secret_key);
    key.decrypt_string(token)
        .map(|s| s.expose_secret().to_owned())
}

/// Replaces the stored OpenHands settings document (global scope) by `doc` with no sealed
/// fields, as a corrupt row would look; `doc` need not be a valid document.
pub async fn overwrite_settings_doc(app: &TestApp, doc: serde_json::Value) {
    use coffer_core::domain::Scope;
    use coffer_core::event::{EventKind, NewEvent, now_ms};
    use coffer_core::settings::AGENT_SETTINGS_KEY;
    use coffer_core::store::SettingsWrite;

    let current = app
        .store
        .find_settings(&Scope::Global, AGENT_SETTINGS_KEY)
        .await
        .expect("find settings");
    let write = SettingsWrite {
        scope: &Scope::Global,
        key: AGENT_SETTINGS_KEY,
        doc,
        sealed: std::collections::BTreeMap::new(),
        at_ms: now_ms(),
    };
    let event = NewEvent {
        kind: EventKind::SettingsUpdated,
        scope: Scope::Global.to_string(),
        name: AGENT_SETTINGS_KEY.to_owned(),
        actor: "test".to_owned(),
        at_ms: now_ms(),
    };
    app.store
        .save_settings(write, current.map(|r| r.version), event)
        .await
        .expect("save settings");
}
