//! Row adapters for accounts, conversations and messages (see [`crate::sql::chats`]).
//! Bad data read back — an unknown kind or provider, a malformed id — is a
//! [`StoreError::Other`] naming the row, never a panic and never a guessed value.

use std::collections::HashMap;

use anyhow::anyhow;
use coffer_core::domain::{Account, AccountKind, Chat, ChatKind, Message, OwnedAgent, Provider};
use coffer_core::store::{SealedAgentKeyRow, StoreError};
use uuid::Uuid;

/// `username, display_name, kind, avatar_url, bio, parent_username, agent_provider`.
pub(crate) type AccountTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// [`AccountTuple`] followed by the key tail (`NULL`: no key).
pub(crate) type OwnedAgentTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// [`AccountTuple`] followed by `always_on` (`NULL`: no setting).
pub(crate) type ChatAgentTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<bool>,
);

/// `chat_id` followed by [`AccountTuple`].
pub(crate) type ParticipantTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// `id, kind, title, created_at, updated_at`.
pub(crate) type ChatTuple = (String, String, Option<String>, i64, i64);

/// `id, chat_id, content, reply_to_id, client_msg_id, created_at, finalized_at` followed
/// by the sender's [`AccountTuple`].
pub(crate) type MessageTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// `owner_username, provider, sealed`.
pub(crate) type SealedAgentKeyTuple = (String, String, Vec<u8>);

pub(crate) fn account(row: AccountTuple) -> Result<Account, StoreError> {
    let (username, display_name, kind, avatar_url, bio, parent_username, provider) = row;
    let kind = AccountKind::parse(&kind)
        .ok_or_else(|| anyhow!("account row {username}: unknown kind {kind:?}"))?;
    let agent_provider = provider
        .map(|p| {
            Provider::parse(&p)
                .ok_or_else(|| anyhow!("account row {username}: unknown provider {p:?}"))
        })
        .transpose()?;
    Ok(Account {
        username,
        display_name,
        kind,
        avatar_url,
        bio,
        parent_username,
        agent_provider,
    })
}

pub(crate) fn owned_agent(row: OwnedAgentTuple) -> Result<OwnedAgent, StoreError> {
    let (u, d, k, av, b, p, pr, tail) = row;
    Ok(OwnedAgent {
        account: account((u, d, k, av, b, p, pr))?,
        key_configured: tail.is_some(),
    })
}

pub(crate) fn chat_agent(row: ChatAgentTuple) -> Result<(Account, Option<bool>), StoreError> {
    let (u, d, k, av, b, p, pr, always_on) = row;
    Ok((account((u, d, k, av, b, p, pr))?, always_on))
}

pub(crate) fn participant(row: ParticipantTuple) -> Result<(String, Account), StoreError> {
    let (chat_id, u, d, k, av, b, p, pr) = row;
    Ok((chat_id, account((u, d, k, av, b, p, pr))?))
}

/// A conversation from its row and its participants.
pub(crate) fn chat(row: ChatTuple, participants: Vec<Account>) -> Result<Chat, StoreError> {
    let (id, kind, title, created_at_ms, updated_at_ms) = row;
    let kind =
        ChatKind::parse(&kind).ok_or_else(|| anyhow!("chat row {id}: unknown kind {kind:?}"))?;
    Ok(Chat {
        id: uuid(&id, "chat")?,
        kind,
        title,
        participants,
        created_at_ms,
        updated_at_ms,
    })
}

pub(crate) fn message(row: MessageTuple) -> Result<Message, StoreError> {
    let (id, chat_id, content, reply_to, client_msg_id, created_at_ms, finalized_at_ms) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6);
    let sender = account((row.7, row.8, row.9, row.10, row.11, row.12, row.13))?;
    Ok(Message {
        id: uuid(&id, "message")?,
        chat_id: uuid(&chat_id, "message chat")?,
        sender,
        content,
        reply_to_id: reply_to.map(|r| uuid(&r, "message reply_to")).transpose()?,
        client_msg_id,
        created_at_ms,
        finalized_at_ms,
    })
}

pub(crate) fn sealed_agent_key(row: SealedAgentKeyTuple) -> SealedAgentKeyRow {
    let (owner, provider, sealed) = row;
    SealedAgentKeyRow {
        owner,
        provider,
        sealed,
    }
}

pub(crate) fn uuid(text: &str, what: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text)
        .map_err(|_| StoreError::Other(anyhow!("{what} row: malformed id {text:?}")))
}

/// Groups participant rows under their conversations.
pub(crate) fn chats_with_participants(
    rows: Vec<ChatTuple>,
    people: Vec<ParticipantTuple>,
) -> Result<Vec<Chat>, StoreError> {
    let mut by_chat: HashMap<String, Vec<Account>> = HashMap::new();
    for row in people {
        let (chat_id, account) = participant(row)?;
        by_chat.entry(chat_id).or_default().push(account);
    }
    rows.into_iter()
        .map(|row| {
            let people = by_chat.remove(&row.0).unwrap_or_default();
            chat(row, people)
        })
        .collect()
}

/// History rows come newest first (for the `LIMIT`); pages are oldest first.
pub(crate) fn oldest_first(rows: Vec<MessageTuple>) -> Result<Vec<Message>, StoreError> {
    let mut messages = rows
        .into_iter()
        .map(message)
        .collect::<Result<Vec<_>, _>>()?;
    messages.reverse();
    Ok(messages)
}
