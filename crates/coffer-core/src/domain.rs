//! Domain newtypes and records. Values are built through `parse` and never expose fields.

mod account;
mod account_token;
mod agent_key;
mod agent_memory;
mod chat;
mod checkpoint;
pub mod conversation;
mod conversation_agent;
mod conversation_event;
mod conversation_secrets;
mod conversation_stats;
mod conversation_status;
pub mod dispatch_rule;
mod kv_memory;
pub mod mention;
mod molecule_token;
mod records;
mod scope;
mod secret_name;
mod workspace;

pub use account::{Account, AccountKind, OwnedAgent, Provider, Username, parse_display_name};
pub use account_token::{AccountToken, DEV_PREFIX, DEV_TOKEN_EXPIRES_IN, TOKEN_PREFIX, token_hash};
pub use agent_key::{MAX_API_KEY_BYTES, key_tail};
pub use agent_memory::{
    AgentMemory, DEFAULT_MEMORY_NAMESPACE, MAX_MEMORY_CONTENT_BYTES, MAX_MEMORY_NAMESPACE_BYTES,
    MEMORY_SEARCH_LIMIT, MemoryHit, MemoryScope, MemoryVector,
};
pub use chat::{
    Chat, ChatKind, GroupAgent, MAX_PARTICIPANTS, MAX_TEXT_CHARS, Message, TextProblem,
    check_client_msg_id, check_text, direct_key, parse_title,
};
pub use checkpoint::{
    CHECKPOINT_RETENTION_PER_WORKFLOW, Checkpoint, CheckpointRow, MAX_CHECKPOINT_PAYLOAD_BYTES,
    PurgeCounts,
};
pub use kv_memory::{MAX_MEMORY_KEY_BYTES, MemoryEntry, MemoryWrite};
pub use molecule_token::{
    NewBearerToken, OrgToken, OrgTokenName, TOKEN_PREFIX_LEN, TokenDigest, WorkspaceTokenMatch,
};
pub use records::{SecretMeta, SecretRecord, SettingsRecord};
pub use scope::Scope;
pub use secret_name::SecretName;
pub use workspace::{
    Command, NewWorkspace, Runtime, Workspace, WorkspaceId, WorkspaceName, WorkspaceStatus,
};
