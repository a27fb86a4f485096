//! Accounts and how they prove who they are.
//!
//! - A human is created with one fork per provider (`<owner>:claude`, …), in one unit of
//!   work; house agents exist from the first migration.
//! - Issued tokens are opaque, shown once, stored as SHA-256 and revocable. Dev tokens
//!   `dev:<username>` (and `signIn`, which hands them out) work only in dev mode.
//! - Only humans sign in: a token naming an agent is refused, so agents cannot be
//!   impersonated; their owner drives them.
//! - [`SignedIn`] is the proof a dialect must hold to call any account operation; only
//!   [`Core::authenticate_account`] makes one.

use coffer_crypto::ExposeSecret;

use super::Core;
use crate::domain::{
    Account, AccountKind, AccountToken, DEV_PREFIX, DEV_TOKEN_EXPIRES_IN, Provider, Scope,
    Username, parse_display_name, token_hash,
};
use crate::error::{AccountAuthFailure, CoreError, Denied, Existing, Invalid, Missing};
use crate::event::{EventKind, now_ms};
use crate::principal::Principal;
use crate::store::{NewAccount, TokenWrite};

/// A signed-in human. The field is private: only the core authenticates.
#[derive(Clone, Debug)]
pub struct SignedIn {
    account: Account,
}

impl SignedIn {
    pub fn account(&self) -> &Account {
        &self.account
    }

    pub fn username(&self) -> &str {
        &self.account.username
    }

    pub fn principal(&self) -> Principal {
        Principal::Account {
            username: self.account.username.clone(),
        }
    }
}

/// What `signIn` answers in dev mode.
#[derive(Clone, Debug)]
pub struct SignIn {
    pub access_token: String,
    pub expires_in: i64,
    pub account: Account,
}

impl Core {
    /// Creates a human and its forks. `display_name` defaults to the username.
    pub async fn create_account(
        &self,
        who: &Principal,
        username: &str,
        display_name: Option<&str>,
    ) -> Result<Account, CoreError> {
        let name = Username::parse_human(username)
            .ok_or(CoreError::InvalidInput(Invalid::InvalidUsername))?;
        let display_name = match display_name {
            Some(d) => {
                parse_display_name(d).ok_or(CoreError::InvalidInput(Invalid::InvalidDisplayName))?
            }
            None => name.to_string(),
        };
        let at_ms = now_ms();
        let human = NewAccount {
            username: name.to_string(),
            display_name,
            kind: AccountKind::Human,
            parent_username: None,
            agent_provider: None,
            at_ms,
        };
        let forks = Provider::ALL
            .into_iter()
            .map(|provider| NewAccount {
                username: Username::fork(&name, provider).to_string(),
                display_name: provider.display_name().to_owned(),
                kind: AccountKind::Agent,
                parent_username: Some(name.to_string()),
                agent_provider: Some(provider),
                at_ms,
            })
            .collect();
        let scope = Scope::Account(name.to_string());
        let event = self.new_event(EventKind::AccountCreated, &scope, name.as_str(), who);
        let Some(event) = self.store.insert_account(human, forks, event).await? else {
            return Err(CoreError::AlreadyExists(Existing::Account));
        };
        self.bus.publish(event);
        self.store
            .find_account(name.as_str())
            .await?
            .ok_or_else(|| CoreError::Internal(anyhow::anyhow!("created account not found")))
    }

    /// Issues a new opaque token for a human; the token is returned once and only its
    /// SHA-256 is kept.
    pub async fn issue_account_token(
        &self,
        who: &Principal,
        username: &str,
    ) -> Result<AccountToken, CoreError> {
        let account = self.human(username).await?;
        let issued = AccountToken::generate();
        let write = TokenWrite {
            id: issued.id.clone(),
            username: account.username.clone(),
            hash: token_hash(issued.token.expose_secret()),
            at_ms: now_ms(),
        };
        let scope = Scope::Account(account.username.clone());
        let event = self.new_event(EventKind::AccountTokenIssued, &scope, &issued.id, who);
        let event = self.store.insert_token(write, event).await?;
        self.bus.publish(event);
        Ok(issued)
    }

    /// Revokes one token of `username` (by id), or all of them; returns how many.
    pub async fn revoke_account_tokens(
        &self,
        who: &Principal,
        username: &str,
        token_id: Option<&str>,
    ) -> Result<u64, CoreError> {
        let account = self.account(username).await?;
        let scope = Scope::Account(account.username.clone());
        let name = token_id.unwrap_or("*");
        let event = self.new_event(EventKind::AccountTokenRevoked, &scope, name, who);
        Ok(self
            .store
            .revoke_tokens(&account.username, token_id, event)
            .await?)
    }

    /// Checks a bearer token: an issued token (by its SHA-256), or in dev mode a
    /// `dev:<username>` token. Only humans are let in.
    pub async fn authenticate_account(&self, bearer: Option<&str>) -> Result<SignedIn, CoreError> {
        let invalid = CoreError::AccountAuth(AccountAuthFailure::InvalidToken);
        let token = bearer.map(str::trim).unwrap_or_default();
        if token.is_empty() {
            return Err(CoreError::AccountAuth(AccountAuthFailure::MissingToken));
        }
        let account = match token.strip_prefix(DEV_PREFIX) {
            Some(_) if !self.chat.dev_tokens => return Err(invalid),
            Some(name) => match Username::parse(name) {
                Some(name) => self.store.find_account(name.as_str()).await?,
                None => None,
            },
            None => self.store.find_token_account(&token_hash(token)).await?,
        };
        match account {
            Some(account) if account.kind == AccountKind::Human => Ok(SignedIn { account }),
            _ => Err(invalid),
        }
    }

    /// `signIn`: a dev token for a human, in dev mode only. An unknown name is 404 and
    /// an agent 403 in every mode; a human outside dev mode is 403 (use an issued token).
    pub async fn sign_in(&self, username: &str) -> Result<SignIn, CoreError> {
        let account = self.account(username).await?;
        if account.is_agent() {
            return Err(CoreError::Denied(Denied::AgentSignIn));
        }
        if !self.chat.dev_tokens {
            return Err(CoreError::Denied(Denied::SignInDisabled));
        }
        Ok(SignIn {
            access_token: format!("{DEV_PREFIX}{}", account.username),
            expires_in: DEV_TOKEN_EXPIRES_IN,
            account,
        })
    }

    /// `getUser`: any account, by username (case-insensitive).
    pub async fn get_user(&self, _who: &SignedIn, username: &str) -> Result<Account, CoreError> {
        self.account(username).await
    }

    /// `getUsers`: every account, or those of one kind, by username.
    pub async fn get_users(
        &self,
        _who: &SignedIn,
        kind: Option<AccountKind>,
    ) -> Result<Vec<Account>, CoreError> {
        Ok(self.store.list_accounts(kind).await?)
    }

    /// Every account (administration: `coffer account list`).
    pub async fn list_all_accounts(&self) -> Result<Vec<Account>, CoreError> {
        Ok(self.store.list_accounts(None).await?)
    }

    /// The account named `username`, or [`Missing::Account`] (also for a name that no
    /// account could have).
    pub(crate) async fn account(&self, username: &str) -> Result<Account, CoreError> {
        let name = Username::parse(username).ok_or(CoreError::NotFound(Missing::Account))?;
        self.store
            .find_account(name.as_str())
            .await?
            .ok_or(CoreError::NotFound(Missing::Account))
    }

    async fn human(&self, username: &str) -> Result<Account, CoreError> {
        let account = self.account(username).await?;
        if account.is_agent() {
            return Err(CoreError::Denied(Denied::AgentSignIn));
        }
        Ok(account)
    }
}
