//! Small builders for contract cases: names, scopes, writes and events.

use coffer_core::domain::{
    NewWorkspace, Scope, SecretName, TokenDigest, Workspace, WorkspaceId, WorkspaceStatus,
};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::store::{SecretWrite, StoreError};

pub const ACTOR: &str = "tester";

pub fn name(s: &str) -> SecretName {
    SecretName::parse(s).expect("valid secret name")
}

pub fn workspace() -> Scope {
    Scope::Workspace(uuid::Uuid::new_v4())
}

pub fn account(user: &str) -> Scope {
    Scope::Account(user.to_owned())
}

/// Sealed bytes that are deliberately not UTF-8.
pub fn sealed(tag: u8) -> Vec<u8> {
    vec![0xff, 0x00, tag, 0xc3, 0x28, 0x80, tag]
}

pub fn write<'a>(
    scope: &'a Scope,
    name: &'a SecretName,
    sealed: Vec<u8>,
    at_ms: i64,
) -> SecretWrite<'a> {
    SecretWrite {
        scope,
        name,
        sealed,
        key_id: "k1".to_owned(),
        description: None,
        at_ms,
    }
}

pub fn event(kind: EventKind, scope: &Scope, name: &str, at_ms: i64) -> NewEvent {
    NewEvent {
        kind,
        scope: scope.as_string(),
        name: name.to_owned(),
        actor: ACTOR.to_owned(),
        at_ms,
    }
}

pub fn put_event(scope: &Scope, name: &SecretName, at_ms: i64) -> NewEvent {
    event(EventKind::SecretPut, scope, name.as_str(), at_ms)
}

pub fn names(metas: &[coffer_core::domain::SecretMeta]) -> Vec<&str> {
    metas.iter().map(|m| m.name.as_str()).collect()
}

#[track_caller]
pub fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::Conflict) => {}
        other => panic!("expected StoreError::Conflict, got {other:?}"),
    }
}

/// A new root workspace (status online); its id.
pub async fn new_workspace(store: &dyn coffer_core::store::Store) -> WorkspaceId {
    let new = NewWorkspace::parse("w", None, None, None).unwrap();
    let w = Workspace {
        id: WorkspaceId::new_random(),
        name: new.name,
        parent_id: None,
        status: WorkspaceStatus::Online,
        status_reason: None,
        runtime: new.runtime,
        command: None,
        created_at_ms: 1_000,
        updated_at_ms: 1_000,
    };
    let token = TokenDigest::of(&uuid::Uuid::new_v4().to_string());
    store
        .insert_workspace(&w, &token, ev(EventKind::WorkspaceCreated, w.id, "online"))
        .await
        .unwrap();
    w.id
}

/// An event in the workspace's scope, by [`ACTOR`].
pub fn ev(kind: EventKind, id: WorkspaceId, name: &str) -> NewEvent {
    NewEvent {
        kind,
        scope: Scope::Workspace(id.as_uuid()).to_string(),
        name: name.to_owned(),
        actor: ACTOR.to_owned(),
        at_ms: 2_000,
    }
}
