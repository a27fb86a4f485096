//! Bearer tokens of the Molecule dialect (workspace tokens and org tokens) as coffer
//! keeps them: the plaintext exists once, when it is issued — 32 random bytes, base64url
//! without padding — and the store only ever sees its SHA-256 and an 8-character
//! display prefix.

use coffer_crypto::{ExposeSecret, SecretString, bearer_token, sha256};

use super::WorkspaceId;

/// Characters of a token kept for display and revocation by prefix.
pub const TOKEN_PREFIX_LEN: usize = 8;

/// What is stored of a token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenDigest {
    pub hash: [u8; 32],
    pub prefix: String,
}

impl TokenDigest {
    pub fn of(token: &str) -> TokenDigest {
        TokenDigest {
            hash: sha256(token.as_bytes()),
            prefix: token.chars().take(TOKEN_PREFIX_LEN).collect(),
        }
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenDigest({}…)", self.prefix)
    }
}

/// A token just issued: its plaintext (shown to the caller once) and its digest.
pub struct NewBearerToken {
    pub token: SecretString,
    pub digest: TokenDigest,
}

impl NewBearerToken {
    pub fn generate() -> NewBearerToken {
        let token = bearer_token();
        let digest = TokenDigest::of(token.expose_secret());
        NewBearerToken { token, digest }
    }
}

impl std::fmt::Debug for NewBearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewBearerToken({}…)", self.digest.prefix)
    }
}

/// An org token's name: 1 to 100 characters, not blank, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgTokenName(String);

impl OrgTokenName {
    pub fn parse(s: &str) -> Option<OrgTokenName> {
        let ok =
            !s.trim().is_empty() && s.chars().count() <= 100 && !s.chars().any(char::is_control);
        ok.then(|| OrgTokenName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored org token (named, revocable, reaches every workspace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgToken {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// A live workspace token found by its hash (not revoked, workspace not removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceTokenMatch {
    pub workspace_id: WorkspaceId,
    pub last_used_at_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_keeps_the_hash_and_an_8_character_prefix_only() {
        let issued = NewBearerToken::generate();
        let plain = issued.token.expose_secret();
        assert_eq!(plain.len(), 43);
        assert_eq!(issued.digest.prefix, plain[..8]);
        assert_eq!(issued.digest.hash, sha256(plain.as_bytes()));
        assert!(!format!("{issued:?}").contains(plain));
        assert_eq!(TokenDigest::of(plain), issued.digest);
    }

    #[test]
    fn org_token_names_are_checked() {
        assert!(OrgTokenName::parse("ci deploys").is_some());
        for bad in ["", " ", "a\tb", &"n".repeat(101)] {
            assert!(OrgTokenName::parse(bad).is_none(), "{bad:?}");
        }
    }
}
