//! Contract cases for Mafold accounts, their tokens and their sealed provider keys.

use coffer_core::domain::{Account, AccountKind, Provider};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::store::{AgentKeyWrite, NewAccount, SealedAgentKeyRow, Store, TokenWrite};

use crate::fixtures::{ACTOR, sealed};

fn ev(kind: EventKind, name: &str) -> NewEvent {
    NewEvent {
        kind,
        scope: format!("account:{name}"),
        name: name.to_owned(),
        actor: ACTOR.to_owned(),
        at_ms: 7,
    }
}

fn human(name: &str) -> NewAccount {
    NewAccount {
        username: name.to_owned(),
        display_name: format!("{name} display"),
        kind: AccountKind::Human,
        parent_username: None,
        agent_provider: None,
        at_ms: 5,
    }
}

fn fork(owner: &str, provider: Provider) -> NewAccount {
    NewAccount {
        username: format!("{owner}:{provider}"),
        display_name: provider.display_name().to_owned(),
        kind: AccountKind::Agent,
        parent_username: Some(owner.to_owned()),
        agent_provider: Some(provider),
        at_ms: 5,
    }
}

/// Creates `name` with both forks.
pub async fn create(store: &dyn Store, name: &str) {
    let forks = vec![fork(name, Provider::Claude), fork(name, Provider::Deepseek)];
    store
        .insert_account(human(name), forks, ev(EventKind::AccountCreated, name))
        .await
        .unwrap()
        .expect("created");
}

fn names(accounts: &[Account]) -> Vec<&str> {
    accounts.iter().map(|a| a.username.as_str()).collect()
}

pub async fn the_house_agents_exist_from_the_start(store: &dyn Store) {
    let agents = store.list_accounts(Some(AccountKind::Agent)).await.unwrap();
    assert_eq!(names(&agents), ["claude", "deepseek"]);
    let claude = &agents[0];
    assert_eq!(
        (
            claude.display_name.as_str(),
            claude.agent_provider,
            claude.parent_username.as_deref()
        ),
        ("Claude", Some(Provider::Claude), None)
    );
    assert!(
        store
            .list_accounts(Some(AccountKind::Human))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_human_is_created_with_its_forks_and_a_taken_name_writes_nothing(store: &dyn Store) {
    create(store, "ops").await;
    let ops = store.find_account("ops").await.unwrap().expect("ops");
    assert_eq!(
        (
            ops.kind,
            ops.display_name.as_str(),
            ops.parent_username,
            ops.agent_provider
        ),
        (AccountKind::Human, "ops display", None, None)
    );
    let fork = store
        .find_account("ops:deepseek")
        .await
        .unwrap()
        .expect("fork");
    assert_eq!(
        (
            fork.kind,
            fork.parent_username.as_deref(),
            fork.agent_provider
        ),
        (AccountKind::Agent, Some("ops"), Some(Provider::Deepseek))
    );
    let events_before = store.list_events(0, 100).await.unwrap().len();
    let again = store
        .insert_account(human("ops"), vec![], ev(EventKind::AccountCreated, "ops"))
        .await
        .unwrap();
    assert!(again.is_none());
    assert_eq!(
        store.list_events(0, 100).await.unwrap().len(),
        events_before
    );
    let all = store.list_accounts(None).await.unwrap();
    assert_eq!(
        names(&all),
        ["claude", "deepseek", "ops", "ops:claude", "ops:deepseek"]
    );
    assert!(store.find_account("nobody").await.unwrap().is_none());
}

pub async fn tokens_find_their_account_until_revoked(store: &dyn Store) {
    create(store, "ops").await;
    for (id, hash) in [
        ("t1", vec![1u8; 32]),
        ("t2", vec![2u8; 32]),
        ("t3", vec![3u8; 32]),
    ] {
        let token = TokenWrite {
            id: id.to_owned(),
            username: "ops".to_owned(),
            hash,
            at_ms: 9,
        };
        store
            .insert_token(token, ev(EventKind::AccountTokenIssued, id))
            .await
            .unwrap();
    }
    let who = store
        .find_token_account(&[1u8; 32])
        .await
        .unwrap()
        .expect("t1");
    assert_eq!(who.username, "ops");
    assert!(
        store
            .find_token_account(&[9u8; 32])
            .await
            .unwrap()
            .is_none()
    );

    let revoked = store
        .revoke_tokens("ops", Some("t1"), ev(EventKind::AccountTokenRevoked, "t1"))
        .await
        .unwrap();
    assert_eq!(revoked, 1);
    assert!(
        store
            .find_token_account(&[1u8; 32])
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_token_account(&[2u8; 32])
            .await
            .unwrap()
            .is_some()
    );
    let again = store
        .revoke_tokens("ops", Some("t1"), ev(EventKind::AccountTokenRevoked, "t1"))
        .await
        .unwrap();
    assert_eq!(again, 0, "revoking twice revokes nothing");
    let rest = store
        .revoke_tokens("ops", None, ev(EventKind::AccountTokenRevoked, "*"))
        .await
        .unwrap();
    assert_eq!(rest, 2);
    assert!(
        store
            .find_token_account(&[3u8; 32])
            .await
            .unwrap()
            .is_none()
    );
    let kinds: Vec<EventKind> = store
        .list_events(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .filter(|k| *k == EventKind::AccountTokenRevoked)
        .collect();
    assert_eq!(
        kinds.len(),
        2,
        "no event for a revocation that revoked nothing"
    );
}

fn key(owner: &str, provider: Provider, tag: u8) -> AgentKeyWrite {
    AgentKeyWrite {
        owner: owner.to_owned(),
        provider,
        sealed: sealed(tag),
        key_id: "k1".to_owned(),
        key_tail: format!("•••{tag:04}"),
        at_ms: 11,
    }
}

pub async fn agent_keys_are_replaced_removed_and_reflected_in_owned_agents(store: &dyn Store) {
    create(store, "ops").await;
    create(store, "bob").await;
    let configured = |agents: Vec<coffer_core::domain::OwnedAgent>| {
        agents
            .into_iter()
            .map(|a| (a.account.username, a.key_configured))
            .collect::<Vec<_>>()
    };
    let owned = store.list_owned_agents("ops").await.unwrap();
    assert_eq!(
        configured(owned),
        [
            ("ops:claude".to_owned(), false),
            ("ops:deepseek".to_owned(), false)
        ]
    );
    let set = |k| ev(EventKind::AgentKeySet, k);
    store
        .upsert_agent_key(key("ops", Provider::Claude, 1), set("claude"))
        .await
        .unwrap();
    store
        .upsert_agent_key(key("ops", Provider::Claude, 2), set("claude"))
        .await
        .unwrap();
    store
        .upsert_agent_key(key("bob", Provider::Deepseek, 3), set("deepseek"))
        .await
        .unwrap();
    assert_eq!(
        store.find_agent_key("ops", Provider::Claude).await.unwrap(),
        Some(sealed(2)),
        "the second set replaced the first"
    );
    assert_eq!(
        store
            .find_agent_key("ops", Provider::Deepseek)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        configured(store.list_owned_agents("ops").await.unwrap()),
        [
            ("ops:claude".to_owned(), true),
            ("ops:deepseek".to_owned(), false)
        ]
    );
    assert_eq!(
        configured(store.list_owned_agents("bob").await.unwrap()),
        [
            ("bob:claude".to_owned(), false),
            ("bob:deepseek".to_owned(), true)
        ]
    );

    let removed = ev(EventKind::AgentKeyRemoved, "claude");
    assert!(
        store
            .delete_agent_key("ops", Provider::Claude, removed.clone())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .delete_agent_key("ops", Provider::Claude, removed)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.find_agent_key("ops", Provider::Claude).await.unwrap(),
        None
    );
    assert!(store.list_owned_agents("claude").await.unwrap().is_empty());
}

pub async fn resealing_an_agent_key_is_compare_and_set(store: &dyn Store) {
    create(store, "ops").await;
    store
        .upsert_agent_key(
            key("ops", Provider::Claude, 1),
            ev(EventKind::AgentKeySet, "claude"),
        )
        .await
        .unwrap();
    let rows = store.list_sealed_agent_keys().await.unwrap();
    assert_eq!(rows.len(), 1);
    let row: &SealedAgentKeyRow = &rows[0];
    assert_eq!(
        (
            row.owner.as_str(),
            row.provider.as_str(),
            row.sealed.clone()
        ),
        ("ops", "claude", sealed(1))
    );
    assert!(
        store
            .reseal_agent_key(row, sealed(5), "k2".into())
            .await
            .unwrap()
    );
    // The old value is gone: a second reseal from the stale row changes nothing.
    assert!(
        !store
            .reseal_agent_key(row, sealed(6), "k3".into())
            .await
            .unwrap()
    );
    assert_eq!(
        store.find_agent_key("ops", Provider::Claude).await.unwrap(),
        Some(sealed(5))
    );
}

store_contract!(
    the_house_agents_exist_from_the_start,
    a_human_is_created_with_its_forks_and_a_taken_name_writes_nothing,
    tokens_find_their_account_until_revoked,
    agent_keys_are_replaced_removed_and_reflected_in_owned_agents,
    resealing_an_agent_key_is_compare_and_set,
);
