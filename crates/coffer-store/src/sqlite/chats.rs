//! [`ChatStore`] on SQLite: reads on the reader pool, every change as one job of the
//! group-commit writer (the units of work are in [`super::chat_writes`]), with its event
//! row in the same transaction. Nothing here is cached.

use async_trait::async_trait;
use coffer_core::domain::{Account, AccountKind, Chat, Message, OwnedAgent, Provider};
use coffer_core::event::{Event, NewEvent};
use coffer_core::store::{
    AgentKeyWrite, ChatInsert, ChatStore, GroupAgentWrite, MessageInsert, NewAccount, NewChat,
    NewMessage, SealedAgentKeyRow, StoreError, TokenWrite,
};
use uuid::Uuid;

use super::SqliteStore;
use super::chat_writes as writes;
use super::error::at;
use super::writes::insert_event;
use crate::rows::chats as crows;
use crate::sql::chats as csql;

#[async_trait]
impl ChatStore for SqliteStore {
    async fn insert_account(
        &self,
        human: NewAccount,
        forks: Vec<NewAccount>,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        self.writer
            .submit(move |conn| Box::pin(writes::insert_account(conn, human, forks, event)))
            .await
    }

    async fn find_account(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let row: Option<crows::AccountTuple> = sqlx::query_as(csql::FIND_ACCOUNT)
            .bind(username)
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_account"))?;
        row.map(crows::account).transpose()
    }

    async fn list_accounts(&self, kind: Option<AccountKind>) -> Result<Vec<Account>, StoreError> {
        let query = match kind {
            Some(kind) => sqlx::query_as(csql::LIST_ACCOUNTS_OF_KIND).bind(kind.as_str()),
            None => sqlx::query_as(csql::LIST_ACCOUNTS),
        };
        let rows: Vec<crows::AccountTuple> = query
            .fetch_all(&self.read)
            .await
            .map_err(at("list_accounts"))?;
        rows.into_iter().map(crows::account).collect()
    }

    async fn list_owned_agents(&self, owner: &str) -> Result<Vec<OwnedAgent>, StoreError> {
        let rows: Vec<crows::OwnedAgentTuple> = sqlx::query_as(csql::LIST_OWNED_AGENTS)
            .bind(owner)
            .fetch_all(&self.read)
            .await
            .map_err(at("list_owned_agents"))?;
        rows.into_iter().map(crows::owned_agent).collect()
    }

    async fn insert_token(&self, token: TokenWrite, event: NewEvent) -> Result<Event, StoreError> {
        self.writer
            .submit(move |conn| {
                Box::pin(async move {
                    sqlx::query(csql::INSERT_TOKEN)
                        .bind(token.id)
                        .bind(token.username)
                        .bind(token.hash)
                        .bind(token.at_ms)
                        .execute(&mut *conn)
                        .await
                        .map_err(at("insert_token"))?;
                    insert_event(conn, event, 1).await
                })
            })
            .await
    }

    async fn find_token_account(&self, hash: &[u8]) -> Result<Option<Account>, StoreError> {
        let row: Option<crows::AccountTuple> = sqlx::query_as(csql::FIND_TOKEN_ACCOUNT)
            .bind(hash)
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_token_account"))?;
        row.map(crows::account).transpose()
    }

    async fn revoke_tokens(
        &self,
        username: &str,
        token_id: Option<&str>,
        event: NewEvent,
    ) -> Result<u64, StoreError> {
        let (username, token_id) = (username.to_owned(), token_id.map(str::to_owned));
        self.writer
            .submit(move |conn| {
                Box::pin(async move {
                    let at_ms = event.at_ms;
                    let done = match token_id {
                        Some(id) => sqlx::query(csql::REVOKE_TOKEN)
                            .bind(username)
                            .bind(id)
                            .bind(at_ms),
                        None => sqlx::query(csql::REVOKE_ALL_TOKENS)
                            .bind(username)
                            .bind(at_ms),
                    }
                    .execute(&mut *conn)
                    .await
                    .map_err(at("revoke_tokens"))?;
                    let revoked = done.rows_affected();
                    if revoked > 0 {
                        insert_event(conn, event, 1).await?;
                    }
                    Ok(revoked)
                })
            })
            .await
    }

    async fn upsert_agent_key(
        &self,
        key: AgentKeyWrite,
        event: NewEvent,
    ) -> Result<Event, StoreError> {
        self.writer
            .submit(move |conn| {
                Box::pin(async move {
                    sqlx::query(csql::UPSERT_AGENT_KEY)
                        .bind(key.owner)
                        .bind(key.provider.as_str())
                        .bind(key.sealed)
                        .bind(key.key_id)
                        .bind(key.key_tail)
                        .bind(key.at_ms)
                        .execute(&mut *conn)
                        .await
                        .map_err(at("upsert_agent_key"))?;
                    insert_event(conn, event, 1).await
                })
            })
            .await
    }

    async fn find_agent_key(
        &self,
        owner: &str,
        provider: Provider,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar(csql::FIND_AGENT_KEY)
            .bind(owner)
            .bind(provider.as_str())
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_agent_key"))
    }

    async fn delete_agent_key(
        &self,
        owner: &str,
        provider: Provider,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let owner = owner.to_owned();
        self.writer
            .submit(move |conn| {
                Box::pin(async move {
                    let deleted: Option<String> = sqlx::query_scalar(csql::DELETE_AGENT_KEY)
                        .bind(owner)
                        .bind(provider.as_str())
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(at("delete_agent_key"))?;
                    match deleted {
                        Some(_) => Ok(Some(insert_event(conn, event, 1).await?)),
                        None => Ok(None),
                    }
                })
            })
            .await
    }

    async fn list_sealed_agent_keys(&self) -> Result<Vec<SealedAgentKeyRow>, StoreError> {
        let rows: Vec<crows::SealedAgentKeyTuple> = sqlx::query_as(csql::LIST_SEALED_AGENT_KEYS)
            .fetch_all(&self.read)
            .await
            .map_err(at("list_sealed_agent_keys"))?;
        Ok(rows.into_iter().map(crows::sealed_agent_key).collect())
    }

    async fn reseal_agent_key(
        &self,
        row: &SealedAgentKeyRow,
        new_sealed: Vec<u8>,
        key_id: String,
    ) -> Result<bool, StoreError> {
        let row = row.clone();
        self.writer
            .submit(move |conn| {
                Box::pin(async move {
                    let done = sqlx::query(csql::RESEAL_AGENT_KEY)
                        .bind(new_sealed)
                        .bind(key_id)
                        .bind(row.owner)
                        .bind(row.provider)
                        .bind(row.sealed)
                        .execute(&mut *conn)
                        .await
                        .map_err(at("reseal_agent_key"))?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    async fn insert_chat(&self, chat: NewChat, event: NewEvent) -> Result<ChatInsert, StoreError> {
        self.writer
            .submit(move |conn| Box::pin(writes::insert_chat(conn, chat, event)))
            .await
    }

    async fn find_chat(&self, id: Uuid) -> Result<Option<Chat>, StoreError> {
        let row: Option<crows::ChatTuple> = sqlx::query_as(csql::FIND_CHAT)
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_chat"))?;
        let Some(row) = row else { return Ok(None) };
        let people: Vec<crows::AccountTuple> = sqlx::query_as(csql::CHAT_PARTICIPANTS)
            .bind(id.to_string())
            .fetch_all(&self.read)
            .await
            .map_err(at("find_chat: participants"))?;
        let people = people
            .into_iter()
            .map(crows::account)
            .collect::<Result<_, _>>()?;
        crows::chat(row, people).map(Some)
    }

    async fn list_chats_of(&self, username: &str) -> Result<Vec<Chat>, StoreError> {
        let rows: Vec<crows::ChatTuple> = sqlx::query_as(csql::LIST_CHATS_OF)
            .bind(username)
            .fetch_all(&self.read)
            .await
            .map_err(at("list_chats_of"))?;
        let people: Vec<crows::ParticipantTuple> = sqlx::query_as(csql::PARTICIPANTS_OF_CHATS_OF)
            .bind(username)
            .fetch_all(&self.read)
            .await
            .map_err(at("list_chats_of: participants"))?;
        crows::chats_with_participants(rows, people)
    }

    async fn list_chat_agents(
        &self,
        chat_id: Uuid,
    ) -> Result<Vec<(Account, Option<bool>)>, StoreError> {
        let rows: Vec<crows::ChatAgentTuple> = sqlx::query_as(csql::LIST_CHAT_AGENTS)
            .bind(chat_id.to_string())
            .fetch_all(&self.read)
            .await
            .map_err(at("list_chat_agents"))?;
        rows.into_iter().map(crows::chat_agent).collect()
    }

    async fn upsert_group_agent(
        &self,
        write: GroupAgentWrite,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        self.writer
            .submit(move |conn| Box::pin(writes::upsert_group_agent(conn, write, event)))
            .await
    }

    async fn remove_chat_agent(
        &self,
        chat_id: Uuid,
        agent: &str,
        _at_ms: i64,
        event: NewEvent,
    ) -> Result<Option<Event>, StoreError> {
        let agent = agent.to_owned();
        self.writer
            .submit(move |conn| Box::pin(writes::remove_chat_agent(conn, chat_id, agent, event)))
            .await
    }

    async fn insert_message(
        &self,
        message: NewMessage,
        event: NewEvent,
    ) -> Result<MessageInsert, StoreError> {
        self.writer
            .submit(move |conn| Box::pin(writes::insert_message(conn, message, event)))
            .await
    }

    async fn finalize_message(
        &self,
        id: Uuid,
        content: String,
        at_ms: i64,
        event: NewEvent,
    ) -> Result<Option<(Message, Event)>, StoreError> {
        self.writer
            .submit(move |conn| Box::pin(writes::finalize_message(conn, id, content, at_ms, event)))
            .await
    }

    async fn find_message(&self, chat_id: Uuid, id: Uuid) -> Result<Option<Message>, StoreError> {
        let row: Option<crows::MessageTuple> = sqlx::query_as(csql::FIND_MESSAGE)
            .bind(chat_id.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(at("find_message"))?;
        row.map(crows::message).transpose()
    }

    async fn list_open_messages(
        &self,
        created_before_ms: i64,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let rows: Vec<crows::MessageTuple> = sqlx::query_as(csql::LIST_OPEN_MESSAGES)
            .bind(created_before_ms)
            .bind(limit.max(0))
            .fetch_all(&self.read)
            .await
            .map_err(at("list_open_messages"))?;
        rows.into_iter().map(crows::message).collect()
    }

    async fn list_messages(
        &self,
        chat_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let query = match before {
            Some(before) => sqlx::query_as(csql::LIST_MESSAGES_BEFORE)
                .bind(chat_id.to_string())
                .bind(before.to_string())
                .bind(limit.max(0)),
            None => sqlx::query_as(csql::LIST_LATEST_MESSAGES)
                .bind(chat_id.to_string())
                .bind(limit.max(0)),
        };
        let rows: Vec<crows::MessageTuple> = query
            .fetch_all(&self.read)
            .await
            .map_err(at("list_messages"))?;
        crows::oldest_first(rows)
    }
}
