//! Provider API keys, one per (owner, provider): sealed before they reach the store
//! (XChaCha20-Poly1305, AAD = `agent_key`, `account:<owner>`, provider) and opened only
//! when an agent is dispatched ([`Core::open_agent_key`]), into a zeroizing buffer. The
//! owner sees `key_configured` and a masked tail; no method ever returns the key.

use coffer_crypto::{Aad, ExposeSecret, SecretString, open_string, seal};

use super::Core;
use super::accounts::SignedIn;
use crate::domain::{MAX_API_KEY_BYTES, OwnedAgent, Provider, Scope, key_tail};
use crate::error::{CoreError, Invalid};
use crate::event::{EventKind, now_ms};
use crate::store::AgentKeyWrite;

/// What `setAgentKey` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySet {
    pub provider: Provider,
    pub key_tail: String,
}

impl Core {
    /// `getMyAgents`: the caller's forks, with whether a key is configured.
    pub async fn list_my_agents(&self, who: &SignedIn) -> Result<Vec<OwnedAgent>, CoreError> {
        Ok(self.store.list_owned_agents(who.username()).await?)
    }

    /// `setAgentKey`: registers or replaces the caller's key for `provider`. The key is
    /// trimmed; an empty one is refused.
    pub async fn set_agent_key(
        &self,
        who: &SignedIn,
        provider: &str,
        api_key: SecretString,
    ) -> Result<KeySet, CoreError> {
        let provider = parse_provider(provider)?;
        let key = api_key.expose_secret().trim();
        if key.is_empty() {
            return Err(CoreError::InvalidInput(Invalid::EmptyApiKey));
        }
        let printable = key.bytes().all(|b| b.is_ascii_graphic());
        if key.len() > MAX_API_KEY_BYTES || !printable {
            return Err(CoreError::InvalidInput(Invalid::InvalidApiKey));
        }
        let owner = who.username();
        let tail = key_tail(key);
        let write = AgentKeyWrite {
            owner: owner.to_owned(),
            provider,
            sealed: seal(
                &self.keys.keyring,
                &agent_key_aad(owner, provider),
                key.as_bytes(),
            ),
            key_id: self.keys.keyring.current_id().to_hex(),
            key_tail: tail.clone(),
            at_ms: now_ms(),
        };
        let scope = Scope::Account(owner.to_owned());
        let principal = who.principal();
        let event = self.new_event(
            EventKind::AgentKeySet,
            &scope,
            provider.as_str(),
            &principal,
        );
        let event = self.store.upsert_agent_key(write, event).await?;
        self.bus.publish(event);
        Ok(KeySet {
            provider,
            key_tail: tail,
        })
    }

    /// `removeAgentKey`: idempotent (no key stored is not an error).
    pub async fn remove_agent_key(&self, who: &SignedIn, provider: &str) -> Result<(), CoreError> {
        let provider = parse_provider(provider)?;
        let scope = Scope::Account(who.username().to_owned());
        let principal = who.principal();
        let event = self.new_event(
            EventKind::AgentKeyRemoved,
            &scope,
            provider.as_str(),
            &principal,
        );
        if let Some(event) = self
            .store
            .delete_agent_key(who.username(), provider, event)
            .await?
        {
            self.bus.publish(event);
        }
        Ok(())
    }

    /// Opens `owner`'s key for `provider`, for one dispatch. `Ok(None)` when none is
    /// stored; a key that does not open (wrong master key, a row moved to another owner
    /// or provider) is an error that names no byte of it.
    pub(crate) async fn open_agent_key(
        &self,
        owner: &str,
        provider: Provider,
    ) -> Result<Option<SecretString>, CoreError> {
        let Some(sealed) = self.store.find_agent_key(owner, provider).await? else {
            return Ok(None);
        };
        open_string(&self.keys.keyring, &agent_key_aad(owner, provider), &sealed)
            .map(Some)
            .map_err(|e| {
                tracing::warn!(account.owner = %owner, agent.provider = %provider, error = %e, "stored provider key does not open");
                CoreError::Internal(anyhow::anyhow!("the stored {provider} key of {owner} does not open: {e}"))
            })
    }
}

/// The AAD binding a provider key to its owner's scope and its provider.
pub fn agent_key_aad(owner: &str, provider: Provider) -> Aad {
    Aad::agent_key(
        &Scope::Account(owner.to_owned()).to_string(),
        provider.as_str(),
    )
}

fn parse_provider(provider: &str) -> Result<Provider, CoreError> {
    Provider::parse(provider).ok_or(CoreError::InvalidInput(Invalid::UnknownProvider))
}
