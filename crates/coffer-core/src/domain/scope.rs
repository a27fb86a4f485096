//! Where a secret or a settings document lives: `global`, `workspace:<uuid>` or
//! `account:<username>`. The textual form is what the store keys rows by and what the
//! AAD binds, so it must stay stable.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Shared by the whole installation (the OpenHands dialect works here).
    Global,
    /// One Molecule workspace.
    Workspace(uuid::Uuid),
    /// One Mafold account.
    Account(String),
}

impl Scope {
    /// Parses the textual form written by [`Scope::as_string`].
    pub fn parse(s: &str) -> Option<Scope> {
        if s == "global" {
            return Some(Scope::Global);
        }
        if let Some(id) = s.strip_prefix("workspace:") {
            return uuid::Uuid::parse_str(id).ok().map(Scope::Workspace);
        }
        match s.strip_prefix("account:") {
            Some(user) if !user.is_empty() => Some(Scope::Account(user.to_owned())),
            _ => None,
        }
    }

    pub fn as_string(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Global => f.write_str("global"),
            Scope::Workspace(id) => write!(f, "workspace:{}", id.hyphenated()),
            Scope::Account(user) => write!(f, "account:{user}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_text_form() {
        let id = uuid::Uuid::new_v4();
        for scope in [
            Scope::Global,
            Scope::Workspace(id),
            Scope::Account("ops".into()),
        ] {
            assert_eq!(Scope::parse(&scope.as_string()), Some(scope));
        }
    }

    #[test]
    fn malformed_scopes_are_refused() {
        for bad in ["", "globalx", "workspace:nope", "account:", "other:1"] {
            assert_eq!(Scope::parse(bad), None, "{bad}");
        }
    }
}
