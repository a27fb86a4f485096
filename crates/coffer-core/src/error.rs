//! [`CoreError`]: the single semantic error enum. Each dialect renders it through one
//! exhaustive `match` (no `_` arm), so a new variant fails to compile until every dialect
//! decides how to show it. Messages never contain secret values.

use crate::store::StoreError;

/// What was not found. Dialects pick the wording (the OpenHands one is generic on
/// purpose for secrets, to prevent name enumeration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    Secret,
    LlmProfile(String),
    /// An agent profile, by id when the caller named one explicitly.
    AgentProfile(Option<String>),
    MetaProfile(String),
    /// A Molecule workspace (unknown id, or purged).
    Workspace,
    /// A Molecule org token, by prefix.
    OrgToken,
    /// A Mafold account (by username).
    Account,
    /// A Mafold agent account, or an agent that is not in the conversation.
    Agent,
    /// A conversation (a Mafold chat, or an OpenHands agent conversation).
    Conversation,
    /// A Mafold message (e.g. `reply_to_message_id`, `before`).
    Message,
    /// A Molecule agent memory of the calling workspace (absent, or another's).
    Memory,
    /// A Molecule v2 memory namespace the calling workspace cannot see.
    MemoryNamespace,
}

/// Why a Molecule workspace may not write a memory where it asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryDenial {
    /// GLOBAL memories are written by root workspaces only (v1).
    GlobalFromChild,
    /// The v2 namespace is readable but not writable by the caller.
    NamespaceNotWritable,
}

/// Why an account's bearer token was refused (Mafold). The dialect says which, but
/// never echoes the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountAuthFailure {
    MissingToken,
    /// Unknown, revoked, a dev token outside dev mode, or naming an agent.
    InvalidToken,
}

/// Why an account may not do what it asked (Mafold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The caller is not a participant of the conversation.
    NotAParticipant,
    /// The agent belongs to another human.
    NotTheOwner,
    /// Agents never sign in; their owner drives them.
    AgentSignIn,
    /// `signIn` hands out dev tokens, which are off outside dev mode.
    SignInDisabled,
}

/// Which input was refused, and why (Mafold). Texts name the rule, never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    UnknownProvider,
    EmptyApiKey,
    /// Longer than 4096 bytes, or not printable ASCII (keys travel in HTTP headers).
    InvalidApiKey,
    InvalidUsername,
    InvalidDisplayName,
    TooFewParticipants,
    TooManyParticipants,
    NotAGroup,
    NotAnAgent,
    EmptyText,
    TextTooLong,
    /// A NUL character, which no backend can store as text.
    NulInText,
    TitleTooLong,
    InvalidClientMsgId,
    InvalidLimit,
}

/// What already exists (Mafold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    Account,
}

/// Why a Molecule bearer check failed. The dialect has one fixed message per cause and
/// deliberately does not say more (a probe cannot tell a wrong workspace from a bad
/// token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    MissingWorkspaceId,
    MissingWorkspaceToken,
    InvalidWorkspaceToken,
    AdminAuthRequired,
    InvalidAdminToken,
}

/// A lifecycle change asked of a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkspaceAction {
    Pause,
    Resume,
    Remove,
    RotateToken,
    ChangeSecrets,
    /// Creating a child under this (removed) parent.
    AdoptChild,
    /// Writing KV memory or checkpoints.
    ChangeData,
    /// Purging its data (only a removed workspace may be purged).
    Purge,
}

/// Which kind of stored data could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredData {
    Secrets,
    Settings,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid secret name")]
    InvalidSecretName,
    #[error("secret value must not be empty or redacted")]
    EmptySecretValue,
    #[error("settings validation failed")]
    InvalidSettings,
    #[error("the update names no field")]
    EmptyUpdate,
    #[error("not found: {0:?}")]
    NotFound(Missing),
    /// Stored data cannot be read: sealed under a key that is not configured (a wrong or
    /// lost key), or corrupt. Reads degrade; writes are refused so nothing is overwritten.
    #[error("stored {0:?} are corrupt or sealed under a key that is not configured")]
    Unreadable(StoredData),
    /// Too many concurrent writers on one document; the caller may retry.
    #[error("write conflict")]
    Conflict,
    #[error("storage unavailable")]
    Unavailable,
    /// No valid credential for a Molecule route.
    #[error("unauthenticated: {0:?}")]
    Unauthenticated(AuthFailure),
    /// A new workspace's field breaks its rule (the text says which, for the client).
    #[error("invalid workspace: {0}")]
    InvalidWorkspace(&'static str),
    /// The workspace's status does not allow the change (e.g. resuming one that is not
    /// paused, or anything on a removed one).
    #[error("workspace is {status}: cannot {action:?}")]
    WorkspaceState {
        status: crate::domain::WorkspaceStatus,
        action: WorkspaceAction,
    },
    /// An env bundle was asked for while some of its secrets do not open; the list names
    /// them as `global:<KEY>` / `workspace:<KEY>` (never a value). No partial bundle is
    /// ever returned.
    #[error("{} secrets of the bundle do not open", .0.len())]
    PartialBundle(Vec<String>),
    /// A token prefix matches more than one live token; give more of it.
    #[error("the token prefix is ambiguous")]
    AmbiguousTokenPrefix,
    /// No valid account token (Mafold).
    #[error("account authentication failed: {0:?}")]
    AccountAuth(AccountAuthFailure),
    /// The workspace may not write that memory (Molecule).
    #[error("memory write denied: {0:?}")]
    MemoryDenied(MemoryDenial),
    /// The account may not do this (Mafold).
    #[error("permission denied: {0:?}")]
    Denied(Denied),
    /// A request field breaks its rule (Mafold).
    #[error("invalid input: {0:?}")]
    InvalidInput(Invalid),
    #[error("already exists: {0:?}")]
    AlreadyExists(Existing),
    /// A conversation cannot be started as asked (unknown tool, bad agent, …); the text
    /// names the problem for the client and never holds a value (OpenHands).
    #[error("invalid conversation: {0}")]
    InvalidConversation(String),
    /// A run was asked for while one is in progress (OpenHands).
    #[error("the conversation is already running")]
    ConversationRunning,
    /// Conversations cannot run: this coffer has no agent runtime configured.
    #[error("no agent runtime is configured")]
    AgentUnavailable,
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => CoreError::Conflict,
            StoreError::Unavailable(_) => CoreError::Unavailable,
            StoreError::Other(e) => CoreError::Internal(e),
        }
    }
}
