//! Workspaces (the Molecule dialect's agents): their id, name, place in the org tree,
//! status, runtime and optional command. Every field is parsed into a newtype once, at
//! the edge; past that, a [`Workspace`] is always valid.

use std::fmt;

/// A workspace id: a UUID whose only accepted text form is lowercase and hyphenated
/// (`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`), as the original
/// checks it. One text form means a path id, a token's workspace and a scope compare as
/// plain strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceId(uuid::Uuid);

impl WorkspaceId {
    pub fn new_random() -> WorkspaceId {
        WorkspaceId(uuid::Uuid::new_v4())
    }

    /// `None` unless `s` is a lowercase hyphenated UUID.
    pub fn parse(s: &str) -> Option<WorkspaceId> {
        let canonical = s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            });
        canonical
            .then(|| uuid::Uuid::parse_str(s).ok())
            .flatten()
            .map(WorkspaceId)
    }

    pub fn from_uuid(id: uuid::Uuid) -> WorkspaceId {
        WorkspaceId(id)
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// A workspace's display name: 1 to [`WorkspaceName::MAX_LEN`] characters, not blank,
/// no control characters. Kept as given (not trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub const MAX_LEN: usize = 256;

    pub fn parse(s: &str) -> Option<WorkspaceName> {
        let ok = !s.trim().is_empty()
            && s.chars().count() <= Self::MAX_LEN
            && !s.chars().any(char::is_control);
        ok.then(|| WorkspaceName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What runs a workspace's agent: `langgraph` (the default), `hermes`, `claude-code`,
/// `external` (no process coffer could restart) and others; `[a-z0-9][a-z0-9_.-]{0,63}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runtime(String);

impl Runtime {
    pub const DEFAULT: &'static str = "langgraph";
    pub const EXTERNAL: &'static str = "external";

    pub fn parse(s: &str) -> Option<Runtime> {
        let bytes = s.as_bytes();
        let ok = bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && bytes.len() <= 64
            && bytes.iter().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
            });
        ok.then(|| Runtime(s.to_owned()))
    }

    /// Never restarted by coffer: its process lives elsewhere.
    pub fn is_external(&self) -> bool {
        self.0 == Self::EXTERNAL
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime(Self::DEFAULT.to_owned())
    }
}

/// The shell command coffer's supervisor runs for a workspace (`sh -c <command>`):
/// not blank, at most [`Command::MAX_LEN`] bytes, no NUL. Not a secret: it is shown in
/// the workspace's JSON, so secrets belong in the workspace's secrets (its environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command(String);

impl Command {
    pub const MAX_LEN: usize = 4096;

    pub fn parse(s: &str) -> Option<Command> {
        let ok = !s.trim().is_empty() && s.len() <= Self::MAX_LEN && !s.contains('\0');
        ok.then(|| Command(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The original's `workspace_status` enum, value for value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkspaceStatus {
    Provisioning,
    Online,
    Offline,
    Degraded,
    Failed,
    /// Soft-deleted: tokens stop working; data is kept until purged.
    Removed,
    Paused,
    Hibernated,
}

impl WorkspaceStatus {
    pub const ALL: [WorkspaceStatus; 8] = [
        Self::Provisioning,
        Self::Online,
        Self::Offline,
        Self::Degraded,
        Self::Failed,
        Self::Removed,
        Self::Paused,
        Self::Hibernated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "provisioning",
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Degraded => "degraded",
            Self::Failed => "failed",
            Self::Removed => "removed",
            Self::Paused => "paused",
            Self::Hibernated => "hibernated",
        }
    }

    pub fn parse(s: &str) -> Option<WorkspaceStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The statuses of a workspace that is meant to be running (restartable, given the
    /// rest of the restart rule).
    pub const RUNNING: [WorkspaceStatus; 5] = [
        Self::Provisioning,
        Self::Online,
        Self::Offline,
        Self::Degraded,
        Self::Failed,
    ];
}

impl fmt::Display for WorkspaceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: WorkspaceName,
    pub parent_id: Option<WorkspaceId>,
    pub status: WorkspaceStatus,
    /// Why the status is what it is, when coffer knows (e.g. a command that exited).
    pub status_reason: Option<String>,
    pub runtime: Runtime,
    pub command: Option<Command>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Workspace {
    /// coffer's supervisor runs it: it has a command and is not `external`.
    pub fn is_supervised(&self) -> bool {
        self.command.is_some() && !self.runtime.is_external()
    }
}

/// What a new workspace is created from (its id and times are assigned by the core).
#[derive(Clone, Debug)]
pub struct NewWorkspace {
    pub name: WorkspaceName,
    pub parent_id: Option<WorkspaceId>,
    pub runtime: Runtime,
    pub command: Option<Command>,
}

impl NewWorkspace {
    /// Parses a new workspace's fields as a client sends them (an empty optional field
    /// counts as absent). The error says which rule is broken, for the client.
    pub fn parse(
        name: &str,
        parent_id: Option<&str>,
        runtime: Option<&str>,
        command: Option<&str>,
    ) -> Result<NewWorkspace, &'static str> {
        let name = WorkspaceName::parse(name)
            .ok_or("name must be 1 to 256 characters, not blank, without control characters")?;
        let parent_id = match present(parent_id) {
            Some(p) => {
                Some(WorkspaceId::parse(p).ok_or("parent_id must be a lowercase workspace UUID")?)
            }
            None => None,
        };
        let runtime = match present(runtime) {
            Some(r) => Runtime::parse(r)
                .ok_or("runtime must be 1 to 64 lowercase letters, digits, '_', '.' or '-'")?,
            None => Runtime::default(),
        };
        let command = match present(command) {
            Some(c) => Some(
                Command::parse(c).ok_or("command must not be blank nor longer than 4096 bytes")?,
            ),
            None => None,
        };
        Ok(NewWorkspace {
            name,
            parent_id,
            runtime,
            command,
        })
    }
}

/// An optional field; empty counts as absent.
fn present(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_ids_are_lowercase_hyphenated_uuids_only() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(WorkspaceId::parse(id).unwrap().to_string(), id);
        for bad in [
            "0F8FAD5B-D9CB-469F-A165-70867728950E",
            "0f8fad5bd9cb469fa16570867728950e",
            "{0f8fad5b-d9cb-469f-a165-70867728950e}",
            "0f8fad5b-d9cb-469f-a165-70867728950",
            "0f8fad5b-d9cb-469f-a165-70867728950g",
            "",
            "not-a-uuid",
        ] {
            assert!(WorkspaceId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn names_runtimes_and_commands_are_checked() {
        assert!(WorkspaceName::parse("research lead").is_some());
        for bad in ["", "   ", "a\nb", &"x".repeat(257)] {
            assert!(WorkspaceName::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(Runtime::default().as_str(), "langgraph");
        assert!(Runtime::parse("external").unwrap().is_external());
        assert!(Runtime::parse("claude-code").is_some());
        for bad in ["", "Hermes", "-x", "a b", &"a".repeat(65)] {
            assert!(Runtime::parse(bad).is_none(), "{bad:?}");
        }
        assert!(Command::parse("env > out; exec sleep 9").is_some());
        for bad in ["", "  ", "a\0b"] {
            assert!(Command::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_new_workspace_is_parsed_with_defaults_and_says_what_is_wrong() {
        let w = NewWorkspace::parse("lead", Some(""), None, Some("")).unwrap();
        assert_eq!(w.runtime.as_str(), "langgraph");
        assert!(w.parent_id.is_none() && w.command.is_none());
        let err = |r: Result<NewWorkspace, &'static str>| r.unwrap_err();
        assert!(err(NewWorkspace::parse(" ", None, None, None)).starts_with("name"));
        assert!(err(NewWorkspace::parse("a", Some("X"), None, None)).starts_with("parent_id"));
        assert!(err(NewWorkspace::parse("a", None, Some("A"), None)).starts_with("runtime"));
        assert!(err(NewWorkspace::parse("a", None, None, Some(" "))).starts_with("command"));
    }

    #[test]
    fn statuses_round_trip() {
        for status in WorkspaceStatus::ALL {
            assert_eq!(WorkspaceStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(WorkspaceStatus::parse("Online"), None);
    }
}
