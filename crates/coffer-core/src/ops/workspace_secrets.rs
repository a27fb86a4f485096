//! A workspace's secrets as the Molecule dialect sees them: its own secrets (scope
//! `workspace:<id>`) layered over the `global` ones — the very scope the OpenHands
//! dialect writes — and its model setting. Values are sealed by [`Core::put_secret`]
//! exactly like every other secret (AAD = scope and name); a change restarts the
//! workspace through the event it records (see [`super::restarts`]).

use std::collections::BTreeSet;

use coffer_crypto::{Aad, ExposeSecret, SecretString, open_string};

use super::Core;
use crate::domain::{Scope, SecretMeta, SecretName, WorkspaceId};
use crate::error::{CoreError, Missing, StoredData, WorkspaceAction};
use crate::principal::Principal;

/// The workspace secret that holds the model (`provider:model`).
pub const MODEL_PROVIDER: &str = "MODEL_PROVIDER";

/// The model derived from the first provider key present, in this order. Inferred (the
/// original only echoes `MODEL_PROVIDER`); values are `provider:model`, the runtime's
/// format.
const DERIVED_MODELS: [(&str, &str); 6] = [
    ("ANTHROPIC_API_KEY", "anthropic:claude-opus-4-7"),
    ("CLAUDE_CODE_OAUTH_TOKEN", "anthropic:claude-opus-4-7"),
    ("OPENAI_API_KEY", "openai:gpt-4.1"),
    ("OPENROUTER_API_KEY", "openrouter:openai/gpt-4.1"),
    ("GOOGLE_API_KEY", "google:gemini-2.5-pro"),
    ("GEMINI_API_KEY", "google:gemini-2.5-pro"),
];

/// Which layer a listed secret comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretLayer {
    Workspace,
    Global,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedSecret {
    pub meta: SecretMeta,
    pub layer: SecretLayer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// No `MODEL_PROVIDER` and no provider key.
    Default,
    /// The workspace's `MODEL_PROVIDER` secret.
    WorkspaceSecrets,
    /// Derived from the first provider key among the workspace's merged secrets.
    Derived,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSetting {
    pub model: String,
    pub source: ModelSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelUpdate {
    Saved(String),
    Cleared,
}

impl Core {
    /// The workspace's own secrets (by name), then the global ones it does not shadow
    /// (by name). Never values.
    pub async fn list_workspace_secrets(
        &self,
        id: WorkspaceId,
    ) -> Result<Vec<ListedSecret>, CoreError> {
        self.workspace(id).await?;
        let mut own = self.store.list_secrets(&workspace_scope(id)).await?;
        own.sort_by(|a, b| a.name.cmp(&b.name));
        let shadowed: BTreeSet<String> = own.iter().map(|m| m.name.clone()).collect();
        let mut globals = self.list_global_secrets().await?;
        globals.retain(|m| !shadowed.contains(&m.name));
        let listed = own
            .into_iter()
            .map(|meta| (meta, SecretLayer::Workspace))
            .chain(globals.into_iter().map(|meta| (meta, SecretLayer::Global)))
            .map(|(meta, layer)| ListedSecret { meta, layer });
        Ok(listed.collect())
    }

    /// The `global` scope's secrets, by name.
    pub async fn list_global_secrets(&self) -> Result<Vec<SecretMeta>, CoreError> {
        let mut all = self.store.list_secrets(&Scope::Global).await?;
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// Sets a global secret's value, keeping the description another dialect may have
    /// given it (Molecule bodies have none).
    pub async fn put_global_secret(
        &self,
        who: &Principal,
        name: &SecretName,
        value: SecretString,
    ) -> Result<SecretMeta, CoreError> {
        let description = self
            .store
            .find_secret(&Scope::Global, name)
            .await?
            .and_then(|record| record.meta.description);
        self.put_secret(who, &Scope::Global, name, value, description)
            .await
    }

    pub async fn put_workspace_secret(
        &self,
        who: &Principal,
        id: WorkspaceId,
        name: &SecretName,
        value: SecretString,
    ) -> Result<SecretMeta, CoreError> {
        self.live_workspace(id, WorkspaceAction::ChangeSecrets)
            .await?;
        self.put_secret(who, &workspace_scope(id), name, value, None)
            .await
    }

    pub async fn delete_workspace_secret(
        &self,
        who: &Principal,
        id: WorkspaceId,
        name: &SecretName,
    ) -> Result<(), CoreError> {
        self.live_workspace(id, WorkspaceAction::ChangeSecrets)
            .await?;
        self.delete_secret(who, &workspace_scope(id), name).await
    }

    /// `MODEL_PROVIDER` when the workspace has it; else the model of the first provider
    /// key in its merged secrets (`source: derived`); else empty (`source: default`).
    pub async fn workspace_model(&self, id: WorkspaceId) -> Result<ModelSetting, CoreError> {
        self.workspace(id).await?;
        let scope = workspace_scope(id);
        let name = model_name();
        if let Some(record) = self.store.find_secret(&scope, &name).await? {
            let aad = Aad::secret(&scope.to_string(), MODEL_PROVIDER);
            let value = open_string(&self.keys.keyring, &aad, &record.sealed)
                .map_err(|_| CoreError::Unreadable(StoredData::Secrets))?;
            return Ok(ModelSetting {
                model: value.expose_secret().to_owned(),
                source: ModelSource::WorkspaceSecrets,
            });
        }
        let mut present: BTreeSet<String> = BTreeSet::new();
        for layer in [scope, Scope::Global] {
            present.extend(
                self.store
                    .list_secrets(&layer)
                    .await?
                    .into_iter()
                    .map(|m| m.name),
            );
        }
        Ok(DERIVED_MODELS
            .iter()
            .find(|(key, _)| present.contains(*key))
            .map_or(
                ModelSetting {
                    model: String::new(),
                    source: ModelSource::Default,
                },
                |(_, model)| ModelSetting {
                    model: (*model).to_owned(),
                    source: ModelSource::Derived,
                },
            ))
    }

    /// Sets the workspace's `MODEL_PROVIDER`; an empty model clears it.
    pub async fn set_workspace_model(
        &self,
        who: &Principal,
        id: WorkspaceId,
        model: String,
    ) -> Result<ModelUpdate, CoreError> {
        let name = model_name();
        if model.is_empty() {
            return match self.delete_workspace_secret(who, id, &name).await {
                Ok(()) | Err(CoreError::NotFound(Missing::Secret)) => Ok(ModelUpdate::Cleared),
                Err(e) => Err(e),
            };
        }
        let value = SecretString::from(model.clone());
        self.put_workspace_secret(who, id, &name, value).await?;
        Ok(ModelUpdate::Saved(model))
    }
}

fn workspace_scope(id: WorkspaceId) -> Scope {
    Scope::Workspace(id.as_uuid())
}

fn model_name() -> SecretName {
    SecretName::parse(MODEL_PROVIDER).expect("MODEL_PROVIDER is a valid secret name")
}
