//! Resolving a conversation's secrets (spec §10), and opening the Fernet tokens of a
//! `secrets_encrypted` request.
//!
//! Resolution is lazy: a secret is resolved when a command mentions it, or when tool
//! output is masked (every source not yet resolved is resolved then, so a value that
//! shows up in output is hidden even if no command named it). A static secret is its
//! value; a LookupSecret pointing at coffer's own `/api/settings/secrets/<name>` is read
//! in-process with [`Core::read_secret`] (no HTTP call to ourselves); any other is one
//! HTTP GET through the [`super::conversations::SecretFetcher`] port. A failed lookup is
//! logged without the value, left out, and retried no sooner than `lookup_retry_after`.
//! Resolved values stay in the run's memory only.

use std::collections::HashMap;
use std::time::Instant;

use coffer_crypto::{ExposeSecret, SecretString, looks_like_fernet_token};

use super::Core;
use super::conversations_session::RunSession;
use crate::domain::Scope;
use crate::domain::conversation::{
    AgentDocument, SecretSource, absolute_lookup_url, mentioned, own_secret_name,
};
use crate::error::CoreError;

/// Values resolved during a run, and when lookups last failed.
#[derive(Default)]
pub(crate) struct Resolved {
    values: HashMap<String, SecretString>,
    failed_at: HashMap<String, Instant>,
}

impl super::conversations_run::LiveRun {
    /// Drops what was resolved for `names` (their sources changed).
    pub(super) fn forget_resolved(&self, names: &[String]) {
        let mut resolved = self
            .resolved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for name in names {
            resolved.values.remove(name);
            resolved.failed_at.remove(name);
        }
    }
}

impl RunSession {
    pub(super) async fn resolve_mentioned(&self, command: &str) -> Vec<(String, SecretString)> {
        let sources = self.live.state.lock().await.secrets.clone();
        let names = mentioned(command, sources.keys().map(String::as_str));
        let mut env = Vec::new();
        for name in names {
            let value = match self.cached(name) {
                Some(value) => Some(value),
                None => self.resolve(name, &sources[name]).await,
            };
            if let Some(value) = value.filter(|v| !v.expose_secret().is_empty()) {
                env.push((name.to_owned(), value));
            }
        }
        env
    }

    /// Every value that must not appear in recorded text: the agent's own secrets (LLM
    /// key, MCP env/headers) and every conversation secret, resolving the ones not
    /// resolved yet (unless a lookup failed recently).
    pub(super) async fn masking_values(&self) -> Vec<String> {
        let (sources, mut values) = {
            let state = self.live.state.lock().await;
            let values: Vec<String> = state.agent.secrets.values().cloned().collect();
            (state.secrets.clone(), values)
        };
        let retry_after = self
            .core
            .conversations
            .ports
            .as_ref()
            .map(|p| p.lookup_retry_after)
            .unwrap_or_default();
        for (name, source) in &sources {
            if let Some(value) = self.cached(name) {
                values.push(value.expose_secret().to_owned());
                continue;
            }
            let recently_failed = {
                let resolved = self.resolved();
                resolved
                    .failed_at
                    .get(name)
                    .is_some_and(|at| at.elapsed() < retry_after)
            };
            if recently_failed {
                continue;
            }
            if let Some(value) = self.resolve(name, source).await {
                values.push(value.expose_secret().to_owned());
            }
        }
        values
    }

    fn resolved(&self) -> std::sync::MutexGuard<'_, Resolved> {
        self.live
            .resolved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached(&self, name: &str) -> Option<SecretString> {
        self.resolved()
            .values
            .get(name)
            .map(|v| SecretString::from(v.expose_secret().to_owned()))
    }

    async fn resolve(&self, name: &str, source: &SecretSource) -> Option<SecretString> {
        let id = self.live.id;
        match self.core.resolve_source(source).await {
            Ok(value) => {
                let copy = SecretString::from(value.expose_secret().to_owned());
                let mut resolved = self.resolved();
                resolved.failed_at.remove(name);
                resolved.values.insert(name.to_owned(), copy);
                Some(value)
            }
            Err(reason) => {
                tracing::error!(conversation.id = %id, secret.name = name, error = %reason, "secret lookup failed; the command runs without it");
                self.resolved()
                    .failed_at
                    .insert(name.to_owned(), Instant::now());
                None
            }
        }
    }
}

impl Core {
    /// One source's value. The error text names the failure, never a value.
    async fn resolve_source(&self, source: &SecretSource) -> Result<SecretString, String> {
        let (url, headers) = match source {
            SecretSource::Static { value, .. } => return Ok(SecretString::from(value.clone())),
            SecretSource::Lookup { url, headers, .. } => (url, headers),
        };
        let internal = self.conversations.internal_url();
        let url = absolute_lookup_url(url, internal.as_ref())
            .ok_or_else(|| "the lookup URL is not valid".to_owned())?;
        if let Some(name) = internal.as_ref().and_then(|own| own_secret_name(&url, own)) {
            match self.read_secret(&Scope::Global, &name).await {
                Ok(value) => return Ok(value),
                // Not stored: fall back to HTTP, which then sees the 404.
                Err(CoreError::NotFound(_)) => {}
                Err(e) => return Err(format!("reading coffer's own secret failed: {e}")),
            }
        }
        let ports = self
            .conversations
            .ports
            .as_ref()
            .ok_or_else(|| "no agent runtime is configured".to_owned())?;
        ports
            .fetcher
            .fetch(&url, headers, ports.lookup_timeout)
            .await
            .map_err(|e| e.0)
    }

    /// `secrets_encrypted`: every Fernet-looking secret value (agent secret fields,
    /// static values, secret-named lookup headers) is opened with coffer's Fernet keys;
    /// plaintext passes through. A token that does not open is refused (the original
    /// silently dropped the value).
    pub(super) fn open_incoming_tokens(
        &self,
        agent: &mut AgentDocument,
        secrets: &mut std::collections::BTreeMap<String, SecretSource>,
    ) -> Result<(), CoreError> {
        let mut failed = false;
        let mut open = |value: &mut String| {
            if !looks_like_fernet_token(value) {
                return;
            }
            match self.keys.fernet.decrypt_string(value) {
                Some(plain) => *value = plain.expose_secret().to_owned(),
                None => failed = true,
            }
        };
        agent.secrets.values_mut().for_each(&mut open);
        for source in secrets.values_mut() {
            source.for_each_secret_mut(&mut open);
        }
        if failed {
            return Err(CoreError::InvalidConversation(
                "Cannot decrypt secrets: a value looks like an encrypted token but does not decrypt with this server's key (OH_SECRET_KEY)".into(),
            ));
        }
        Ok(())
    }
}
