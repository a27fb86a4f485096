//! Cryptography for coffer: master keys, key rings, AEAD-sealed envelopes
//! bound to their storage row, and byte-compatible Fernet interop with the
//! original Python server.
//!
//! This crate owns every secret-bearing byte the server handles in memory.
//! Invariants that hold across all modules:
//!
//! - No I/O and no async: callers read key files and hand over bytes.
//! - Key material lives in heap boxes that are zeroized on drop; no key type
//!   implements `Clone`, `Serialize` or a `Debug` that prints key bytes.
//! - Decrypted plaintext is only ever returned wrapped in [`SecretBox`] /
//!   [`SecretString`], allocated at its exact size so no stale copy is left
//!   behind by a reallocation.
//! - Error types never carry secret data; key ids are public fingerprints.
//! - All randomness (keys, nonces, IVs) comes straight from the OS RNG.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aad;
mod digest;
mod fernet;
mod kdf;
mod key_id;
mod key_material;
mod keyring;
mod master_key;
mod multi_fernet;
mod random;
mod seal;
mod secret;
mod token;

pub use aad::Aad;
pub use digest::{constant_time_eq, sha256};
pub use fernet::{FernetKey, looks_like_fernet_token};
pub use key_id::KeyId;
pub use keyring::Keyring;
pub use master_key::{KeyError, MasterKey};
pub use multi_fernet::MultiFernet;
pub use random::fill_random;
pub use seal::{ENVELOPE_FORMAT_V1, OpenError, envelope_key_id, open, open_string, reseal, seal};
pub use secrecy::{ExposeSecret, SecretBox, SecretString};
pub use token::{BEARER_TOKEN_BYTES, bearer_token};
