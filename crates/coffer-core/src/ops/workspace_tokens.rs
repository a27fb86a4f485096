//! Issuing and revoking bearer tokens: a workspace's token (rotation revokes every
//! earlier one and issues a new one) and org tokens (named, revocable by prefix, reach
//! every workspace). Plaintext tokens exist only in the values returned here; the store
//! gets their digests.

use coffer_crypto::SecretString;

use super::Core;
use crate::domain::{NewBearerToken, OrgToken, OrgTokenName, WorkspaceId};
use crate::error::{CoreError, Missing, WorkspaceAction};
use crate::event::{EventKind, NewEvent, now_ms};
use crate::principal::Principal;
use crate::store::OrgTokenRevocation;

/// The scope org-token events are recorded under.
const ORG_SCOPE: &str = "org";

/// A new org token and its plaintext (shown once).
#[derive(Debug)]
pub struct CreatedOrgToken {
    pub token: OrgToken,
    pub plaintext: SecretString,
}

impl Core {
    /// Revokes every token of the workspace and returns a new one (with its prefix).
    /// A removed workspace gets no new token.
    pub async fn rotate_workspace_token(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<(SecretString, String), CoreError> {
        self.live_workspace(id, WorkspaceAction::RotateToken)
            .await?;
        let issued = NewBearerToken::generate();
        let event = self.workspace_event(
            EventKind::WorkspaceTokenRotated,
            id,
            &issued.digest.prefix,
            who,
        );
        let event = self
            .store
            .replace_workspace_tokens(id, &issued.digest, now_ms(), event)
            .await?
            .ok_or(CoreError::NotFound(Missing::Workspace))?;
        self.bus.publish(event);
        Ok((issued.token, issued.digest.prefix))
    }

    pub async fn create_org_token(
        &self,
        who: &Principal,
        name: OrgTokenName,
    ) -> Result<CreatedOrgToken, CoreError> {
        let issued = NewBearerToken::generate();
        let event = org_event(EventKind::OrgTokenCreated, &issued.digest.prefix, who);
        let (token, event) = self
            .store
            .insert_org_token(&name, &issued.digest, now_ms(), event)
            .await?;
        self.bus.publish(event);
        Ok(CreatedOrgToken {
            token,
            plaintext: issued.token,
        })
    }

    /// Revokes the live org token whose 8-character prefix is `prefix`.
    pub async fn revoke_org_token(
        &self,
        who: &Principal,
        prefix: &str,
    ) -> Result<OrgToken, CoreError> {
        let event = org_event(EventKind::OrgTokenRevoked, prefix, who);
        match self.store.revoke_org_token(prefix, now_ms(), event).await? {
            OrgTokenRevocation::Revoked(token, event) => {
                self.bus.publish(event);
                Ok(token)
            }
            OrgTokenRevocation::NotFound => Err(CoreError::NotFound(Missing::OrgToken)),
            OrgTokenRevocation::Ambiguous => Err(CoreError::AmbiguousTokenPrefix),
        }
    }

    pub async fn list_org_tokens(&self) -> Result<Vec<OrgToken>, CoreError> {
        Ok(self.store.list_org_tokens().await?)
    }
}

fn org_event(kind: EventKind, prefix: &str, who: &Principal) -> NewEvent {
    NewEvent {
        kind,
        scope: ORG_SCOPE.to_owned(),
        name: prefix.to_owned(),
        actor: who.actor(),
        at_ms: now_ms(),
    }
}
