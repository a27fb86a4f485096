//! The use cases every dialect calls, as methods on [`Core`]. A dialect handler decodes
//! its wire types, calls one of these, and encodes the answer; no business rule lives in
//! a dialect.
//!
//! - [`secrets`]: list, put, read, delete a scope's secrets.
//! - [`settings`]: read (per exposure) and update the agent settings document.
//! - [`rotation`]: re-seal every stored value under the current key.
//! - OpenHands conversations: [`conversations`] (reads, delete, secrets, the agent
//!   runtime ports) with `conversations_create`, `conversations_run`,
//!   `conversations_session`, `conversations_secrets` and `conversations_seal`.
//! - Mafold accounts and chats: [`accounts`] (accounts, tokens, sign-in), [`agent_keys`]
//!   (sealed provider keys), [`chats`] (conversations and messages), [`group_agents`]
//!   (agents in groups), [`dispatch`] (which agents answer) and [`agent_reply`] (one
//!   streamed reply), [`reply_sweep`] (replies interrupted by a stop), [`chat_watch`]
//!   (live events per account); [`chat_options`] holds their configuration.
//! - Molecule workspaces: [`workspaces`] (lifecycle), [`workspace_tokens`] (workspace and
//!   org tokens), [`access`] (WorkspaceAuth and AdminAuth), [`workspace_secrets`] (their
//!   secrets and model), [`secret_bundle`] (the merged environment),
//!   [`restart_targets`] (who restarts), [`restart_queue`] (coalescing), [`restarts`] (the
//!   driver and a restart's steps), [`event_tail`] and [`workspace_watch`] (event streams).

mod accounts;
mod agent_keys;
mod agent_memories;
mod agent_reply;
mod chat_options;
mod chat_watch;
mod chats;
mod checkpoints;
pub mod conversations;
mod conversations_create;
mod conversations_rotation;
mod conversations_run;
mod conversations_seal;
mod conversations_secrets;
mod conversations_session;
mod conversations_view;
mod dispatch;
mod group_agents;
mod kv_memory;
mod memory_indexer;
mod memory_namespaces;
mod memory_options;
pub mod memory_redaction;
mod memory_search;
mod reply_sweep;
mod rotation;
mod secrets;
mod settings;

mod access;
mod event_tail;
mod restart_queue;
mod restart_targets;
mod restarts;
mod secret_bundle;
mod workspace_secrets;
mod workspace_tokens;
mod workspace_watch;
mod workspaces;

pub use accounts::{SignIn, SignedIn};
pub use agent_keys::KeySet;
pub use agent_memories::{FoundMemory, MemoryDraft, MemoryQuery, SearchMode};
pub use chat_options::ChatOptions;
pub use chat_watch::ChatWatch;
pub use chats::{MessageDraft, MessagePage};
pub use checkpoints::{CheckpointSave, MAX_CHECKPOINT_NAME_BYTES, NewCheckpoint};
pub use kv_memory::{MAX_TTL_SECONDS, MemorySet};
pub use memory_namespaces::{MemoryNamespace, NamespaceDraft, NamespaceQuery};
pub use memory_options::MemoryOptions;
pub use rotation::RotationReport;

pub use access::AccessPolicy;
pub use restarts::RestartDriver;
pub use workspace_secrets::{ListedSecret, ModelSetting, ModelSource, ModelUpdate, SecretLayer};
pub use workspace_tokens::CreatedOrgToken;
pub use workspace_watch::{WorkspaceEvent, WorkspaceWatch};
pub use workspaces::CreatedWorkspace;

use std::sync::Arc;

use coffer_crypto::{Keyring, MultiFernet};

use crate::domain::Scope;
use crate::event::{EventBus, EventKind, NewEvent, now_ms};
use crate::principal::Principal;
use crate::store::Store;

/// The keys the core seals and exports with.
pub struct CoreKeys {
    /// Seals values at rest (current key) and opens them (current and previous keys).
    pub keyring: Keyring,
    /// Fernet keys for the OpenHands `encrypted` exposure mode and for tokens sent back.
    pub fernet: MultiFernet,
}

pub struct Core {
    store: Arc<dyn Store>,
    keys: CoreKeys,
    bus: EventBus,
    /// Accounts and chats (Mafold): dev tokens, the provider runner, platform keys.
    chat: ChatOptions,
    /// Runs supervised workspaces (Molecule); `None`: restarts are only announced.
    restarter: Option<Arc<dyn crate::restarter::Restarter>>,
    /// Coalesces concurrent restarts of one workspace.
    restarts: restart_queue::RestartQueue,
    /// OpenHands conversations: the agent runtime and the runs of this process.
    conversations: conversations::ConversationRuntime,
    /// Agent memories: the embedder and the background indexer's wake-up.
    memory: memory_options::MemoryRuntime,
}

impl Core {
    pub fn new(store: Arc<dyn Store>, keys: CoreKeys) -> Core {
        Core {
            store,
            keys,
            bus: EventBus::new(),
            chat: ChatOptions::default(),
            restarter: None,
            restarts: restart_queue::RestartQueue::default(),
            conversations: conversations::ConversationRuntime::default(),
            memory: memory_options::MemoryRuntime::default(),
        }
    }

    /// Configures how agent memories are embedded (the default: no embedder, full-text
    /// search only).
    pub fn with_memory_options(mut self, options: MemoryOptions) -> Core {
        self.memory.options = options;
        self
    }

    /// Configures accounts and chats (the defaults: no dev tokens, no provider runner).
    pub fn with_chat_options(mut self, options: ChatOptions) -> Core {
        self.chat = options;
        self
    }

    /// Runs supervised workspaces' processes with `restarter` (see
    /// [`Core::start_restart_driver`]).
    pub fn with_restarter(mut self, restarter: Arc<dyn crate::restarter::Restarter>) -> Core {
        self.restarter = Some(restarter);
        self
    }

    /// Recorded changes, as they commit.
    pub fn events(&self) -> &EventBus {
        &self.bus
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn new_event(&self, kind: EventKind, scope: &Scope, name: &str, who: &Principal) -> NewEvent {
        NewEvent {
            kind,
            scope: scope.to_string(),
            name: name.to_owned(),
            actor: who.actor(),
            at_ms: now_ms(),
        }
    }
}
