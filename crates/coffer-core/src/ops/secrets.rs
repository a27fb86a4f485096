//! Secrets of a scope: values are sealed with AAD = (scope, name) before they reach the
//! store, and opened only to be handed to an authorised caller.

use coffer_crypto::{Aad, ExposeSecret, KeyId, SecretString, open_string, seal};

use super::Core;
use crate::domain::{Scope, SecretMeta, SecretName};
use crate::error::{CoreError, Missing, StoredData};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;
use crate::settings::MASK;
use crate::store::SecretWrite;

impl Core {
    pub async fn list_secrets(&self, scope: &Scope) -> Result<Vec<SecretMeta>, CoreError> {
        Ok(self.store.list_secrets(scope).await?)
    }

    /// Creates or replaces a secret (value and description). An empty, blank or masked
    /// (`**********`) value is refused: it is almost always a UI round-trip mistake.
    pub async fn put_secret(
        &self,
        who: &Principal,
        scope: &Scope,
        name: &SecretName,
        value: SecretString,
        description: Option<String>,
    ) -> Result<SecretMeta, CoreError> {
        let plain = value.expose_secret();
        if plain.trim().is_empty() || plain == MASK {
            return Err(CoreError::EmptySecretValue);
        }
        self.ensure_secrets_writable(scope).await?;
        let aad = Aad::secret(&scope.to_string(), name.as_str());
        let write = SecretWrite {
            scope,
            name,
            sealed: seal(&self.keys.keyring, &aad, plain.as_bytes()),
            key_id: self.keys.keyring.current_id().to_hex(),
            description,
            at_ms: now_ms(),
        };
        let event = self.new_event(EventKind::SecretPut, scope, name.as_str(), who);
        let (meta, event) = self.store.upsert_secret(write, event).await?;
        self.bus.publish(event);
        Ok(meta)
    }

    /// The secret's value. A missing secret and one that cannot be opened (wrong key,
    /// tampered or moved row) are the same [`Missing::Secret`]: never another value.
    pub async fn read_secret(
        &self,
        scope: &Scope,
        name: &SecretName,
    ) -> Result<SecretString, CoreError> {
        let record = self
            .store
            .find_secret(scope, name)
            .await?
            .ok_or(CoreError::NotFound(Missing::Secret))?;
        let aad = Aad::secret(&scope.to_string(), name.as_str());
        open_string(&self.keys.keyring, &aad, &record.sealed).map_err(|e| {
            tracing::warn!(secret.scope = %scope, secret.name = %name, error = %e, "stored secret does not open");
            CoreError::NotFound(Missing::Secret)
        })
    }

    pub async fn delete_secret(
        &self,
        who: &Principal,
        scope: &Scope,
        name: &SecretName,
    ) -> Result<(), CoreError> {
        self.ensure_secrets_writable(scope).await?;
        let event = self.new_event(EventKind::SecretDeleted, scope, name.as_str(), who);
        match self.store.delete_secret(scope, name, event).await? {
            Some(event) => {
                self.bus.publish(event);
                Ok(())
            }
            None => Err(CoreError::NotFound(Missing::Secret)),
        }
    }

    /// Writes are refused while any secret of the scope is sealed under a key this process
    /// does not hold: the operator has probably started with the wrong key, and writing
    /// now would mix keys in one scope.
    async fn ensure_secrets_writable(&self, scope: &Scope) -> Result<(), CoreError> {
        let ids = self.store.secret_key_ids(scope).await?;
        let all_known = ids
            .iter()
            .all(|id| KeyId::from_hex(id).is_some_and(|id| self.keys.keyring.knows(id)));
        if all_known {
            Ok(())
        } else {
            Err(CoreError::Unreadable(StoredData::Secrets))
        }
    }
}
