//! The agent settings document of a scope. Each secret field is sealed on its own with
//! AAD = (scope, settings key, JSON pointer), so a field copied to another field, row or
//! scope fails to open.

use std::collections::BTreeMap;

use coffer_crypto::{
    Aad, ExposeSecret, envelope_key_id, looks_like_fernet_token, open_string, seal,
};
use serde_json::{Map, Value};

use super::Core;
use crate::domain::{Scope, SettingsRecord};
use crate::error::{CoreError, Missing, StoredData};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;
use crate::settings::document::Change;
use crate::settings::secret_fields::{for_each_secret, place, take_secrets};
use crate::settings::{
    AGENT_SETTINGS_KEY, Exposure, MASK, SettingsDocument, SettingsPatch, SettingsView,
};
use crate::store::{SettingsWrite, StoreError};

/// How often an update is retried when a concurrent writer got there first.
const MAX_UPDATE_ATTEMPTS: usize = 32;

impl Core {
    /// The scope's settings with secrets shown per `exposure`. A missing or unreadable
    /// document reads as the defaults; a secret field that does not open reads as unset.
    pub async fn read_settings(
        &self,
        scope: &Scope,
        exposure: Exposure,
    ) -> Result<SettingsView, CoreError> {
        let Some(record) = self.store.find_settings(scope, AGENT_SETTINGS_KEY).await? else {
            return Ok(masked_view(&SettingsDocument::defaults()));
        };
        let mut doc = record.doc;
        for (pointer, envelope) in &record.sealed {
            let rendered = self.render_field(scope, pointer, envelope, exposure);
            place(
                &mut doc,
                pointer,
                rendered.map_or(Value::Null, Value::String),
            );
        }
        match SettingsDocument::from_value(doc) {
            Some(doc) => {
                let key_set = doc.llm_api_key_is_set();
                let mut v = to_view(doc);
                v.llm_api_key_is_set = key_set;
                Ok(v)
            }
            None => {
                tracing::error!(settings.scope = %scope, "stored settings are unreadable; serving defaults");
                Ok(masked_view(&SettingsDocument::defaults()))
            }
        }
    }

    /// Applies `patch` to the scope's settings and returns the result, always masked.
    pub async fn update_settings(
        &self,
        who: &Principal,
        scope: &Scope,
        mut patch: SettingsPatch,
    ) -> Result<SettingsView, CoreError> {
        if patch.is_empty() {
            return Err(CoreError::EmptyUpdate);
        }
        check_profiles(&patch)?;
        if let Some(diff) = patch.agent_settings_diff.as_mut() {
            self.normalise_secret_inputs(diff);
        }
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let (current, version) = self.load_settings_strict(scope).await?;
            let next = current.apply(&patch)?;
            let mut doc = next.to_value();
            let sealed = take_secrets(&mut doc)
                .into_iter()
                .map(|(pointer, plain)| {
                    let aad = Aad::settings_field(&scope.to_string(), AGENT_SETTINGS_KEY, &pointer);
                    let envelope = seal(&self.keys.keyring, &aad, plain.as_bytes());
                    (pointer, envelope)
                })
                .collect();
            let write = SettingsWrite {
                scope,
                key: AGENT_SETTINGS_KEY,
                doc,
                sealed,
                at_ms: now_ms(),
            };
            let event = self.new_event(EventKind::SettingsUpdated, scope, AGENT_SETTINGS_KEY, who);
            match self.store.save_settings(write, version, event).await {
                Ok((_, event)) => {
                    self.bus.publish(event);
                    return Ok(masked_view(&next));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::Conflict)
    }

    /// Loads the document with every secret opened; anything that does not open or parse
    /// refuses the write instead of silently replacing the value with `null`.
    async fn load_settings_strict(
        &self,
        scope: &Scope,
    ) -> Result<(SettingsDocument, Option<i64>), CoreError> {
        let Some(SettingsRecord {
            mut doc,
            sealed,
            version,
            ..
        }) = self.store.find_settings(scope, AGENT_SETTINGS_KEY).await?
        else {
            return Ok((SettingsDocument::defaults(), None));
        };
        let unreadable = || CoreError::Unreadable(StoredData::Settings);
        for (pointer, envelope) in &sealed {
            let aad = Aad::settings_field(&scope.to_string(), AGENT_SETTINGS_KEY, pointer);
            let plain =
                open_string(&self.keys.keyring, &aad, envelope).map_err(|_| unreadable())?;
            if !place(
                &mut doc,
                pointer,
                Value::String(plain.expose_secret().to_owned()),
            ) {
                return Err(unreadable());
            }
        }
        let doc = SettingsDocument::from_value(doc).ok_or_else(unreadable)?;
        Ok((doc, Some(version)))
    }

    /// One stored secret field as `exposure` shows it; `None` when it cannot be shown
    /// (sealed under an unknown key, or does not open).
    fn render_field(
        &self,
        scope: &Scope,
        pointer: &str,
        envelope: &[u8],
        exposure: Exposure,
    ) -> Option<String> {
        let known = envelope_key_id(envelope).is_some_and(|id| self.keys.keyring.knows(id));
        if !known {
            return None;
        }
        if exposure == Exposure::Masked {
            return Some(MASK.to_owned());
        }
        let aad = Aad::settings_field(&scope.to_string(), AGENT_SETTINGS_KEY, pointer);
        let plain = open_string(&self.keys.keyring, &aad, envelope).ok()?;
        Some(match exposure {
            Exposure::Encrypted => self.keys.fernet.encrypt(plain.expose_secret().as_bytes()),
            Exposure::Plaintext | Exposure::Masked => plain.expose_secret().to_owned(),
        })
    }

    /// Secret values in a diff: the mask or a blank clears the field; a Fernet token from
    /// the `encrypted` mode is opened (a token that does not open clears it); anything
    /// else is a new plaintext value.
    fn normalise_secret_inputs(&self, diff: &mut Map<String, Value>) {
        let mut root = Value::Object(std::mem::take(diff));
        for_each_secret(&mut root, &mut |_, value| {
            let Value::String(s) = value else { return };
            *value = if s == MASK || s.trim().is_empty() {
                Value::Null
            } else if looks_like_fernet_token(s) {
                self.keys
                    .fernet
                    .decrypt_string(s)
                    .map_or(Value::Null, |p| Value::String(p.expose_secret().to_owned()))
            } else {
                return;
            };
        });
        if let Value::Object(map) = root {
            *diff = map;
        }
    }
}

impl Core {
    /// A named LLM profile. coffer does not store LLM profiles yet, so every name is
    /// unknown (the OpenHands client then falls back or raises, as it does on the
    /// original for an unknown profile).
    pub async fn read_llm_profile(
        &self,
        _scope: &Scope,
        name: &str,
    ) -> Result<SettingsView, CoreError> {
        Err(CoreError::NotFound(Missing::LlmProfile(name.to_owned())))
    }

    /// The scope's secrets restricted to an agent profile's references. Agent profiles
    /// are not stored yet, so every profile is unknown.
    pub async fn list_secrets_for_agent_profile(
        &self,
        _scope: &Scope,
        _profile: uuid::Uuid,
    ) -> Result<Vec<crate::domain::SecretMeta>, CoreError> {
        Err(CoreError::NotFound(Missing::AgentProfile(None)))
    }
}

/// LLM profiles, agent profiles and meta-profiles are not stored by coffer yet, so any
/// reference to one is unknown.
fn check_profiles(patch: &SettingsPatch) -> Result<(), CoreError> {
    if let Change::Set(name) = &patch.active_profile {
        return Err(CoreError::NotFound(Missing::LlmProfile(name.clone())));
    }
    if let Change::Set(id) = &patch.active_agent_profile_id {
        return Err(CoreError::NotFound(Missing::AgentProfile(Some(
            id.hyphenated().to_string(),
        ))));
    }
    if let Change::Set(name) = &patch.active_meta_profile {
        return Err(CoreError::NotFound(Missing::MetaProfile(name.clone())));
    }
    Ok(())
}

/// A plaintext document with every set secret shown as the mask.
fn masked_view(doc: &SettingsDocument) -> SettingsView {
    let key_set = doc.llm_api_key_is_set();
    let mut shown = doc.clone();
    for_each_secret(&mut shown.agent_settings, &mut |_, value| {
        *value = Value::String(MASK.to_owned())
    });
    let mut v = to_view(shown);
    v.llm_api_key_is_set = key_set;
    v
}

fn to_view(doc: SettingsDocument) -> SettingsView {
    SettingsView {
        llm_api_key_is_set: false,
        agent_settings: doc.agent_settings,
        conversation_settings: doc.conversation_settings,
        active_profile: doc.active_profile,
        active_agent_profile_id: doc.active_agent_profile_id,
        active_meta_profile: doc.active_meta_profile,
        misc_settings: doc.misc_settings,
    }
}

/// Re-seals the secret fields of one stored settings document under the current key;
/// `None` when nothing needed it. Fields that do not open are kept as they are.
pub(super) fn reseal_settings_fields(
    core: &Core,
    scope: &str,
    sealed: &BTreeMap<String, Vec<u8>>,
) -> (Option<BTreeMap<String, Vec<u8>>>, usize) {
    let mut changed = false;
    let mut unreadable = 0;
    let mut out = BTreeMap::new();
    for (pointer, envelope) in sealed {
        let aad = Aad::settings_field(scope, AGENT_SETTINGS_KEY, pointer);
        let next = match coffer_crypto::reseal(&core.keys.keyring, &aad, envelope) {
            Ok(Some(new)) => {
                changed = true;
                new
            }
            Ok(None) => envelope.clone(),
            Err(_) => {
                unreadable += 1;
                envelope.clone()
            }
        };
        out.insert(pointer.clone(), next);
    }
    (changed.then_some(out), unreadable)
}
