//! Registers [sqlite-vec](https://github.com/asg017/sqlite-vec) as an auto extension of
//! the SQLite that sqlx bundles (`libsqlite3-sys`, one copy in the binary), so every
//! connection opened afterwards has its functions (`vec_version()`,
//! `vec_distance_cosine(a, b)`, …).
//!
//! This is the only unsafe code of the workspace, kept in its own crate because the
//! workspace lints forbid unsafe code.

use std::sync::Once;

static REGISTER: Once = Once::new();

/// Registers sqlite-vec for every SQLite connection opened from now on in this process.
/// Idempotent and cheap after the first call; connections already open are unaffected.
pub fn register() {
    REGISTER.call_once(|| {
        #[allow(unsafe_code)]
        // SAFETY: `sqlite3_vec_init` is an `extern "C"` SQLite extension entry point with
        // the signature `sqlite3_auto_extension` expects once the transmute fixes up the
        // pointer type (`int (*)(sqlite3*, char**, const sqlite3_api_routines*)`); it is
        // compiled against the same SQLite (the bundled libsqlite3-sys) and lives for the
        // whole process. `sqlite3_auto_extension` is thread safe.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_auto_extension(Some(std::mem::transmute::<
                *const (),
                unsafe extern "C" fn(
                    *mut libsqlite3_sys::sqlite3,
                    *mut *mut std::ffi::c_char,
                    *const libsqlite3_sys::sqlite3_api_routines,
                ) -> std::ffi::c_int,
            >(
                sqlite_vec::sqlite3_vec_init as *const (),
            )))
        };
        assert_eq!(
            rc,
            libsqlite3_sys::SQLITE_OK,
            "registering sqlite-vec as a SQLite auto extension"
        );
    });
}
