//! The agent-settings document: what an agent needs to run (LLM, MCP servers, agent and
//! conversation options), with its secret fields held apart.
//!
//! - [`defaults`]: the default document (the OpenHands 1.58 defaults).
//! - [`merge`]: JSON merge patch, deep merge, and conforming a document to its defaults.
//! - [`secret_fields`]: which fields are secret, and walking them by JSON pointer.
//! - [`validate`]: the rules a merged document must satisfy.
//! - [`document`]: [`SettingsDocument`] and applying a [`SettingsPatch`] to it.

pub mod defaults;
pub mod document;
pub mod merge;
pub mod secret_fields;
pub mod validate;

pub use document::{Exposure, SettingsDocument, SettingsPatch, SettingsView};

/// The settings key under which a scope's agent settings document is stored.
pub const AGENT_SETTINGS_KEY: &str = "agent";

/// The literal shown in place of a set secret when secrets are masked.
pub const MASK: &str = "**********";
