//! Who may call the Molecule dialect: WorkspaceAuth and AdminAuth, each in the order of
//! spec §2, plus the extra check of the plaintext bundle. The dialect only extracts the
//! bearer (`Authorization: Bearer <token>`) and the path id and renders the outcome.
//!
//! Deliberate limits, documented in `docs/dialects/molecule.md`:
//! - fail-open only under the development rule: `COFFER_DEV=1`, no `ADMIN_TOKEN`, and
//!   bound to a loopback address ([`AccessPolicy::new`]); AdminAuth's "fresh install with
//!   no tokens" fail-open (tier 1) does not exist;
//! - no canvas same-origin and no control-plane cookie tiers;
//! - any datastore failure while checking a token is 503 `platform_unavailable`.
//!
//! Tokens are compared by SHA-256 digest: the admin token in constant time, the others
//! by an indexed lookup of the digest. A use bumps `last_used_at` at most once a minute
//! per token, in the background.

use std::sync::Arc;

use coffer_crypto::{ExposeSecret, SecretString, constant_time_eq, sha256};

use super::Core;
use crate::domain::{TokenDigest, WorkspaceId};
use crate::error::{AuthFailure, CoreError};
use crate::event::now_ms;
use crate::principal::Principal;
use crate::store::{Store, StoreError};

/// `last_used_at` is rewritten at most this often per token.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The installation's access rules, fixed at start-up.
#[derive(Clone)]
pub struct AccessPolicy {
    /// SHA-256 of `ADMIN_TOKEN`, when set (an empty value counts as unset).
    admin_digest: Option<[u8; 32]>,
    dev_fail_open: bool,
}

impl std::fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessPolicy")
            .field("admin_token", &self.admin_digest.map(|_| "<redacted>"))
            .field("dev_fail_open", &self.dev_fail_open)
            .finish()
    }
}

impl AccessPolicy {
    /// Requests without a credential pass only when `dev_mode` is on, no admin token is
    /// set, and coffer is bound to a loopback address — never on an exposed install.
    pub fn new(
        admin_token: Option<&SecretString>,
        dev_mode: bool,
        bound_to_loopback: bool,
    ) -> AccessPolicy {
        let admin_digest = admin_token
            .map(|t| t.expose_secret())
            .filter(|t| !t.is_empty())
            .map(|t| sha256(t.as_bytes()));
        let dev_fail_open = dev_mode && admin_digest.is_none() && bound_to_loopback;
        AccessPolicy {
            admin_digest,
            dev_fail_open,
        }
    }

    pub fn dev_fail_open(&self) -> bool {
        self.dev_fail_open
    }

    fn is_admin(&self, bearer: &str) -> bool {
        self.admin_digest
            .is_some_and(|known| constant_time_eq(&sha256(bearer.as_bytes()), &known))
    }
}

impl Core {
    /// WorkspaceAuth for the workspace whose path id is `workspace` (as sent, so a
    /// workspace token matches only its own id's canonical text).
    pub async fn workspace_access(
        &self,
        policy: &AccessPolicy,
        bearer: Option<&str>,
        workspace: &str,
    ) -> Result<Principal, CoreError> {
        if workspace.is_empty() {
            return Err(CoreError::Unauthenticated(AuthFailure::MissingWorkspaceId));
        }
        if let Some(token) = bearer {
            if policy.is_admin(token) {
                return Ok(Principal::AdminToken);
            }
            let digest = TokenDigest::of(token);
            if let Some(org) = self.org_token(&digest).await? {
                return Ok(org);
            }
            return match self.workspace_token(&digest).await? {
                Some(id) if id.to_string() == workspace => {
                    Ok(Principal::WorkspaceToken { workspace: id })
                }
                _ => Err(CoreError::Unauthenticated(
                    AuthFailure::InvalidWorkspaceToken,
                )),
            };
        }
        if policy.dev_fail_open {
            return Ok(Principal::DevFailOpen);
        }
        Err(CoreError::Unauthenticated(
            AuthFailure::MissingWorkspaceToken,
        ))
    }

    /// AdminAuth: the routes that act on every workspace or on global secrets.
    pub async fn admin_access(
        &self,
        policy: &AccessPolicy,
        bearer: Option<&str>,
    ) -> Result<Principal, CoreError> {
        if policy.dev_fail_open {
            return Ok(Principal::DevFailOpen);
        }
        let Some(token) = bearer else {
            return Err(CoreError::Unauthenticated(AuthFailure::AdminAuthRequired));
        };
        let digest = TokenDigest::of(token);
        if let Some(org) = self.org_token(&digest).await? {
            return Ok(org);
        }
        let invalid = CoreError::Unauthenticated(AuthFailure::InvalidAdminToken);
        if policy.admin_digest.is_some() {
            return match policy.is_admin(token) {
                true => Ok(Principal::AdminToken),
                false => Err(invalid),
            };
        }
        // Deprecated in the original, kept as the spec says: with no ADMIN_TOKEN, any
        // live workspace token passes AdminAuth.
        match self.workspace_token(&digest).await? {
            Some(workspace) => Ok(Principal::WorkspaceToken { workspace }),
            None => Err(invalid),
        }
    }

    /// The plaintext bundle is for the workspace itself: past WorkspaceAuth, it also
    /// needs the workspace's own token, unless the workspace has no live token at all
    /// (the original's legacy rule).
    pub(super) async fn check_bundle_access(
        &self,
        who: &Principal,
        id: WorkspaceId,
    ) -> Result<(), CoreError> {
        if matches!(who, Principal::WorkspaceToken { workspace } if *workspace == id) {
            return Ok(());
        }
        if !self.store.workspace_has_live_token(id).await? {
            return Ok(());
        }
        let failure = match who {
            Principal::DevFailOpen | Principal::Anonymous => AuthFailure::MissingWorkspaceToken,
            _ => AuthFailure::InvalidWorkspaceToken,
        };
        Err(CoreError::Unauthenticated(failure))
    }

    async fn org_token(&self, digest: &TokenDigest) -> Result<Option<Principal>, CoreError> {
        let found = self
            .store
            .find_live_org_token(&digest.hash)
            .await
            .map_err(datastore_unavailable)?;
        Ok(found.map(|org| {
            if stale(org.last_used_at_ms) {
                touch(&self.store, digest.hash, TokenKind::Org);
            }
            Principal::OrgToken { prefix: org.prefix }
        }))
    }

    async fn workspace_token(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<WorkspaceId>, CoreError> {
        let found = self
            .store
            .find_live_workspace_token(&digest.hash)
            .await
            .map_err(datastore_unavailable)?;
        Ok(found.map(|m| {
            if stale(m.last_used_at_ms) {
                touch(&self.store, digest.hash, TokenKind::Workspace);
            }
            m.workspace_id
        }))
    }
}

/// Any failure to check a token is "the datastore is unavailable" (503), as in the
/// original; the detail is logged here.
fn datastore_unavailable(e: StoreError) -> CoreError {
    tracing::warn!(error = %e, "token lookup failed");
    CoreError::Unavailable
}

fn stale(last_used_at_ms: Option<i64>) -> bool {
    last_used_at_ms.is_none_or(|at| now_ms() - at >= TOUCH_EVERY_MS)
}

#[derive(Clone, Copy)]
enum TokenKind {
    Org,
    Workspace,
}

/// Bumps `last_used_at` in the background: the request never waits for it, and a
/// failure only costs the timestamp.
fn touch(store: &Arc<dyn Store>, hash: [u8; 32], kind: TokenKind) {
    let store = Arc::clone(store);
    tokio::spawn(async move {
        let at = now_ms();
        let done = match kind {
            TokenKind::Org => store.touch_org_token(&hash, at).await,
            TokenKind::Workspace => store.touch_workspace_token(&hash, at).await,
        };
        if let Err(e) = done {
            tracing::debug!(error = %e, "could not record a token's last use");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(admin: Option<&str>, dev: bool, loopback: bool) -> AccessPolicy {
        let admin = admin.map(|a| SecretString::from(a.to_owned()));
        AccessPolicy::new(admin.as_ref(), dev, loopback)
    }

    #[test]
    fn fail_open_needs_dev_mode_no_admin_token_and_loopback() {
        assert!(policy(None, true, true).dev_fail_open());
        assert!(
            policy(Some(""), true, true).dev_fail_open(),
            "empty = unset"
        );
        assert!(!policy(Some("a"), true, true).dev_fail_open());
        assert!(!policy(None, false, true).dev_fail_open());
        assert!(!policy(None, true, false).dev_fail_open());
    }

    #[test]
    fn the_admin_token_matches_exactly_and_is_not_shown() {
        let p = policy(Some("break-glass"), false, true);
        assert!(p.is_admin("break-glass"));
        assert!(!p.is_admin("break-glas"));
        assert!(!p.is_admin(""));
        assert!(!policy(None, false, true).is_admin(""));
        assert!(!format!("{p:?}").contains("break-glass"));
    }
}
