//! The HTTP integration suite: one test binary. Every test starts a real coffer in-process
//! on 127.0.0.1:0 and talks HTTP to it. Storage-touching tests run on SQLite and on
//! PostgreSQL (when `COFFER_TEST_POSTGRES_URL` is set; otherwise they say loudly that
//! they skipped). See `helpers.rs`.

mod helpers;
mod smoke;

mod at_rest;
mod auth;
mod bad_input;
mod restart;
mod secrets;
mod settings_get;
mod settings_patch;
