//! Construction of [`SecretBox`] / [`SecretString`] values from transient
//! plaintext buffers.
//!
//! Invariant: the returned box is allocated at exactly the plaintext length
//! (no `shrink_to_fit`/`into_boxed_slice` reallocation that could leave an
//! unzeroized copy on the heap). Callers keep their working buffers in
//! `Zeroizing` so those are wiped too.

use secrecy::{SecretBox, SecretString};

/// Copies `bytes` into a freshly allocated, exactly sized secret box.
pub(crate) fn secret_bytes(bytes: &[u8]) -> SecretBox<[u8]> {
    SecretBox::new(Box::from(bytes))
}

/// Validates UTF-8 and copies into an exactly sized [`SecretString`].
/// Returns `None` if `bytes` is not UTF-8.
pub(crate) fn secret_string(bytes: &[u8]) -> Option<SecretString> {
    let text = std::str::from_utf8(bytes).ok()?;
    Some(SecretString::new(Box::from(text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn secret_bytes_copies_the_exact_contents() {
        assert_eq!(secret_bytes(b"abc").expose_secret(), b"abc");
        assert!(secret_bytes(b"").expose_secret().is_empty());
    }

    #[test]
    fn secret_string_rejects_invalid_utf8() {
        assert!(secret_string(&[0xff, 0xfe]).is_none());
        let s = secret_string("ключ 🔑".as_bytes()).expect("valid utf-8");
        assert_eq!(s.expose_secret(), "ключ 🔑");
    }
}
