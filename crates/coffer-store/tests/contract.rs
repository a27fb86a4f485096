//! The Store contract suite: every behaviour the rest of coffer relies on, written once
//! against `&dyn Store` and run on SQLite (always, in a temp dir) and on PostgreSQL (when
//! `COFFER_TEST_POSTGRES_URL` is set; each test in its own schema, dropped afterwards).
//!
//! Each case module lists its cases at the bottom with [`store_contract!`] or
//! [`harness_contract!`], which emit `<module>::sqlite::<case>` and
//! `<module>::postgres::<case>` tests. Without the variable the PostgreSQL tests pass
//! vacuously after printing a loud SKIPPED line; CI sets it, so CI never skips.

/// Tests for cases of the form `async fn case(store: &dyn Store)`.
macro_rules! store_contract {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let h = crate::harness::Harness::sqlite().await;
                    super::$case(h.store()).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(h) = crate::harness::Harness::postgres().await else { return };
                    super::$case(h.store()).await;
                    h.finish().await;
                }
            )*
        }
    };
}

/// Tests for cases of the form `async fn case(h: &Harness)` (they reopen, corrupt or
/// close the backend).
macro_rules! harness_contract {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let h = crate::harness::Harness::sqlite().await;
                    super::$case(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(h) = crate::harness::Harness::postgres().await else { return };
                    super::$case(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}

#[path = "contract/accounts.rs"]
mod accounts;
#[path = "contract/agent_memories.rs"]
mod agent_memories;
#[path = "contract/backends.rs"]
mod backends;
#[path = "contract/chats.rs"]
mod chats;
#[path = "contract/coherence.rs"]
mod coherence;
#[path = "contract/conversation_upkeep.rs"]
mod conversation_upkeep;
#[path = "contract/conversations.rs"]
mod conversations;
#[path = "contract/events.rs"]
mod events;
#[path = "contract/fixtures.rs"]
mod fixtures;
#[path = "contract/harness.rs"]
mod harness;
#[path = "contract/messages.rs"]
mod messages;
#[path = "contract/org_tokens.rs"]
mod org_tokens;
#[path = "contract/secrets.rs"]
mod secrets;
#[path = "contract/settings.rs"]
mod settings;
#[path = "contract/workspace_data.rs"]
mod workspace_data;
#[path = "contract/workspaces.rs"]
mod workspaces;
