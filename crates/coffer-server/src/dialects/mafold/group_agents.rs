//! Agents in groups: `getGroupAgents`, `addGroupAgent`, `removeGroupAgent`,
//! `setGroupAgentMode`. The rules (participant, group, owner) are the core's.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use coffer_core::ops::SignedIn;
use serde_json::{Value, json};

use super::body::Params;
use super::error::MafoldError;
use super::wire;
use crate::app::AppState;

type Answer = Result<Json<Value>, MafoldError>;

/// `getGroupAgents {chat_id}` → `{items: [{agent: Account, always_on}]}`.
pub async fn get_group_agents(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let agents = state.core.get_group_agents(&who, chat_id).await?;
    let items = agents
        .iter()
        .map(|a| json!({"agent": wire::account(&a.agent), "always_on": a.always_on}))
        .collect();
    Ok(wire::ok(wire::items(items)))
}

/// `addGroupAgent {chat_id, agent_username, always_on?}` (default mention-only) → `true`.
pub async fn add_group_agent(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let agent = params.string("agent_username")?;
    let always_on = params.opt_bool("always_on")?.unwrap_or(false);
    state
        .core
        .add_group_agent(&who, chat_id, &agent, always_on)
        .await?;
    Ok(wire::ok(json!(true)))
}

/// `removeGroupAgent {chat_id, agent_username}` → `true`.
pub async fn remove_group_agent(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let agent = params.string("agent_username")?;
    state.core.remove_group_agent(&who, chat_id, &agent).await?;
    Ok(wire::ok(json!(true)))
}

/// `setGroupAgentMode {chat_id, agent_username, always_on}` → `true`.
pub async fn set_group_agent_mode(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let chat_id = params.uuid("chat_id")?;
    let agent = params.string("agent_username")?;
    let always_on = params.bool("always_on")?;
    state
        .core
        .set_group_agent_mode(&who, chat_id, &agent, always_on)
        .await?;
    Ok(wire::ok(json!(true)))
}
