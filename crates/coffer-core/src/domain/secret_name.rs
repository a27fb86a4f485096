//! A secret's name: an environment-variable-like identifier, `^[A-Za-z][A-Za-z0-9_]{0,63}$`
//! in ASCII. Unlike the original Python regex, a trailing newline is refused.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretName(String);

impl SecretName {
    pub const MAX_LEN: usize = 64;

    /// Returns `None` when `s` breaks the rule.
    pub fn parse(s: &str) -> Option<SecretName> {
        let bytes = s.as_bytes();
        let first_ok = bytes.first().is_some_and(u8::is_ascii_alphabetic);
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        (first_ok && rest_ok && bytes.len() <= Self::MAX_LEN).then(|| SecretName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SecretName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::SecretName;

    #[test]
    fn names_follow_the_environment_variable_rule() {
        let sixty_four = format!("A{}", "b".repeat(63));
        for ok in [
            "A",
            "MY_SECRET",
            "VALID_NAME_123",
            "x_",
            sixty_four.as_str(),
        ] {
            assert!(SecretName::parse(ok).is_some(), "{ok}");
        }
        let sixty_five = format!("A{}", "b".repeat(64));
        for bad in [
            "",
            "123_invalid",
            "invalid-name",
            "_x",
            "ABC\n",
            "é",
            "A B",
            sixty_five.as_str(),
        ] {
            assert!(SecretName::parse(bad).is_none(), "{bad:?}");
        }
    }
}
