//! "Agents & keys": `getMyAgents`, `setAgentKey`, `removeAgentKey`. The API key is read
//! into a `SecretString` straight from the body and handed to the core, which seals it;
//! no answer contains it.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use coffer_core::ops::SignedIn;
use coffer_crypto::SecretString;
use serde_json::{Value, json};

use super::body::Params;
use super::error::MafoldError;
use super::wire;
use crate::app::AppState;

type Answer = Result<Json<Value>, MafoldError>;

/// `getMyAgents` → `{items: [{provider, username, display_name, key_configured}]}`. It
/// takes no parameters, but a body that is not a JSON object is still refused.
pub async fn get_my_agents(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    _: Params,
) -> Answer {
    let agents = state.core.list_my_agents(&who).await?;
    let items = agents
        .iter()
        .map(|a| {
            json!({
                "provider": a.account.agent_provider.map(|p| p.as_str()),
                "username": a.account.username,
                "display_name": a.account.display_name,
                "key_configured": a.key_configured,
            })
        })
        .collect();
    Ok(wire::ok(wire::items(items)))
}

/// `setAgentKey {provider, api_key}` → `{provider, key_tail}`.
pub async fn set_agent_key(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let provider = params.string("provider")?;
    let api_key = SecretString::from(params.string("api_key")?);
    let set = state.core.set_agent_key(&who, &provider, api_key).await?;
    Ok(wire::ok(
        json!({"provider": set.provider.as_str(), "key_tail": set.key_tail}),
    ))
}

/// `removeAgentKey {provider}` → `true` (also when nothing was stored).
pub async fn remove_agent_key(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    params: Params,
) -> Answer {
    let provider = params.string("provider")?;
    state.core.remove_agent_key(&who, &provider).await?;
    Ok(wire::ok(json!(true)))
}
