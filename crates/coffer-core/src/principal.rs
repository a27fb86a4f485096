//! Who is acting. Each dialect authenticates in its own way and produces a [`Principal`];
//! the core only sees this one model (and records [`Principal::actor`] in events).

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// Authentication is disabled (no session key configured); only allowed on loopback.
    Anonymous,
    /// An OpenHands session key, identified by its position in the configured list.
    SessionKey { index: usize },
    /// coffer itself (start-up re-sealing, CLI maintenance).
    System,
    /// The `ADMIN_TOKEN` break-glass bearer (Molecule).
    AdminToken,
    /// A named org token (Molecule), by its 8-character prefix.
    OrgToken { prefix: String },
    /// A workspace's own bearer token (Molecule).
    WorkspaceToken {
        workspace: crate::domain::WorkspaceId,
    },
    /// No credential, let through by the development fail-open rule (Molecule,
    /// `COFFER_DEV=1` with no `ADMIN_TOKEN`, loopback only).
    DevFailOpen,
    /// A Mafold account, signed in with an issued or (dev mode) a dev token.
    Account { username: String },
}

impl Principal {
    /// The actor string written into events. Never contains a credential.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".to_owned(),
            Principal::SessionKey { index } => format!("session-key:{index}"),
            Principal::System => "system".to_owned(),
            Principal::AdminToken => "admin-token".to_owned(),
            Principal::OrgToken { prefix } => format!("org-token:{prefix}"),
            Principal::WorkspaceToken { workspace } => format!("workspace:{workspace}"),
            Principal::DevFailOpen => "dev-fail-open".to_owned(),
            Principal::Account { username } => format!("account:{username}"),
        }
    }
}
