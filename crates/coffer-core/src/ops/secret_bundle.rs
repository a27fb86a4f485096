//! A workspace's environment bundle: every global secret, then the workspace's own
//! secrets overriding globals of the same name. It is all or nothing: when any value
//! does not open (wrong key, tampered or moved row) the bundle is refused and the
//! failures are named (`global:<KEY>`, `workspace:<KEY>`), never returned partially.
//! The plaintext endpoint and the supervisor both use it.

use std::collections::BTreeMap;

use coffer_crypto::{Aad, SecretString, open_string};

use super::Core;
use crate::domain::WorkspaceId;
use crate::error::CoreError;
use crate::principal::Principal;

impl Core {
    /// The bundle for the workspace's own caller (see [`Core::check_bundle_access`]),
    /// sorted by name.
    pub async fn secret_bundle_for(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<Vec<(String, SecretString)>, CoreError> {
        self.workspace(id).await?;
        self.check_bundle_access(who, id).await?;
        self.secret_bundle(id).await
    }

    /// The merged bundle, sorted by name.
    pub(super) async fn secret_bundle(
        &self,
        id: WorkspaceId,
    ) -> Result<Vec<(String, SecretString)>, CoreError> {
        let own_scope = format!("workspace:{id}");
        let mut globals = BTreeMap::new();
        let mut own = BTreeMap::new();
        let mut failed = Vec::new();
        for row in self.store.bundle_secrets(id).await? {
            let layer = if row.scope == own_scope {
                "workspace"
            } else {
                "global"
            };
            let aad = Aad::secret(&row.scope, &row.name);
            match open_string(&self.keys.keyring, &aad, &row.sealed) {
                Ok(value) if layer == "workspace" => {
                    own.insert(row.name, value);
                }
                Ok(value) => {
                    globals.insert(row.name, value);
                }
                Err(e) => {
                    tracing::warn!(secret.scope = %row.scope, secret.name = %row.name, error = %e, "stored secret does not open");
                    failed.push(format!("{layer}:{}", row.name));
                }
            }
        }
        if !failed.is_empty() {
            failed.sort();
            return Err(CoreError::PartialBundle(failed));
        }
        globals.extend(own);
        Ok(globals.into_iter().collect())
    }
}
