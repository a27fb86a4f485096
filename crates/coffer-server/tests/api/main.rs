//! The HTTP integration suite: one test binary. Every test starts a real coffer in-process
//! on 127.0.0.1:0 and talks HTTP to it. Storage-touching tests run on SQLite and on
//! PostgreSQL (when `COFFER_TEST_POSTGRES_URL` is set; otherwise they say loudly that
//! they skipped). See `helpers.rs`.

mod helpers;
mod mafold_helpers;
mod molecule_helpers;
mod smoke;

mod at_rest;
mod auth;
mod bad_input;
mod conversations_api;
mod conversations_events;
mod conversations_flow;
mod conversations_llm;
mod conversations_restart;
mod conversations_runs;
mod conversations_secrets;
mod conversations_support;
mod mafold_auth;
mod mafold_bad_input;
mod mafold_chats;
mod mafold_dispatch;
mod mafold_failures;
mod mafold_group_agents;
mod mafold_keys;
mod mafold_latency;
mod mafold_ws;
mod molecule_agent_memories;
mod molecule_auth;
mod molecule_auth_rules;
mod molecule_checkpoints;
mod molecule_global_secrets;
mod molecule_memory;
mod molecule_memory_search;
mod molecule_memory_v2;
mod molecule_restarts;
mod molecule_secrets;
mod molecule_workspaces;
mod restart;
mod secrets;
mod settings_get;
mod settings_patch;
