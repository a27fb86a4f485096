//! Key rotation: every sealed value not under the current key is opened with a previous
//! key and sealed again under the current one. Runs from `coffer rotate-key` and at
//! start-up when previous keys are configured. Values that open under no configured key
//! are left untouched and counted.

use coffer_crypto::{Aad, reseal};

use super::Core;
use super::settings::reseal_settings_fields;
use crate::domain::Scope;
use crate::error::CoreError;
use crate::event::{EventKind, NewEvent, now_ms};
use crate::principal::Principal;
use crate::store::{SettingsWrite, StoreError};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Secrets re-sealed under the current key.
    pub secrets_resealed: usize,
    /// Settings documents whose secret fields were re-sealed.
    pub settings_resealed: usize,
    /// Values that open under no configured key (left as they are).
    pub unreadable: usize,
    /// Accounts' provider keys re-sealed under the current key.
    pub agent_keys_resealed: usize,
    /// OpenHands conversations (secret fields) and conversation events re-sealed.
    pub conversations_resealed: usize,
}

impl Core {
    pub async fn reseal_all(&self, who: &Principal) -> Result<RotationReport, CoreError> {
        let mut report = RotationReport::default();
        let current = self.keys.keyring.current_id().to_hex();
        for row in self.store.list_sealed_secrets().await? {
            let aad = Aad::secret(&row.scope, &row.name);
            match reseal(&self.keys.keyring, &aad, &row.sealed) {
                Ok(Some(new)) => {
                    if self.store.reseal_secret(&row, new, current.clone()).await? {
                        report.secrets_resealed += 1;
                    }
                }
                Ok(None) => {}
                Err(_) => report.unreadable += 1,
            }
        }
        for row in self.store.list_settings().await? {
            let (resealed, unreadable) =
                reseal_settings_fields(self, &row.scope, &row.record.sealed);
            report.unreadable += unreadable;
            let (Some(sealed), Some(scope)) = (resealed, Scope::parse(&row.scope)) else {
                continue;
            };
            let write = SettingsWrite {
                scope: &scope,
                key: &row.key,
                doc: row.record.doc,
                sealed,
                at_ms: now_ms(),
            };
            let event = self.new_event(EventKind::SettingsUpdated, &scope, &row.key, who);
            match self
                .store
                .save_settings(write, Some(row.record.version), event)
                .await
            {
                Ok((_, event)) => {
                    self.bus.publish(event);
                    report.settings_resealed += 1;
                }
                // Changed meanwhile: the writer sealed under the current key already.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for row in self.store.list_sealed_agent_keys().await? {
            let aad = Aad::agent_key(
                &Scope::Account(row.owner.clone()).to_string(),
                &row.provider,
            );
            match reseal(&self.keys.keyring, &aad, &row.sealed) {
                Ok(Some(new)) => {
                    if self
                        .store
                        .reseal_agent_key(&row, new, current.clone())
                        .await?
                    {
                        report.agent_keys_resealed += 1;
                    }
                }
                Ok(None) => {}
                Err(_) => report.unreadable += 1,
            }
        }
        let (resealed, unreadable) = self.reseal_conversations().await?;
        report.conversations_resealed += resealed;
        report.unreadable += unreadable;
        if report.secrets_resealed
            + report.settings_resealed
            + report.agent_keys_resealed
            + report.conversations_resealed
            > 0
        {
            let event = NewEvent {
                kind: EventKind::KeyRotated,
                scope: "*".to_owned(),
                name: current,
                actor: who.actor(),
                at_ms: now_ms(),
            };
            let event = self.store.append_event(event, 0).await?;
            self.bus.publish(event);
        }
        Ok(report)
    }
}
