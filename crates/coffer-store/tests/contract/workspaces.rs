//! Contract cases for the workspace port: workspaces and their tree, conditional status
//! changes (also under concurrency), workspace tokens (live, removed, replaced, touched),
//! the shadowing and bundle queries, and the newest event id. Org tokens: `org_tokens.rs`.

use coffer_core::domain::{
    NewWorkspace, Scope, TokenDigest, Workspace, WorkspaceId, WorkspaceStatus,
};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::store::{StatusChange, Store};

use crate::fixtures::{ACTOR, name, put_event, sealed, write};

fn workspace(name: &str, parent: Option<WorkspaceId>, status: WorkspaceStatus) -> Workspace {
    let new = NewWorkspace::parse(name, None, Some("hermes"), Some("exec sleep 1")).unwrap();
    Workspace {
        id: WorkspaceId::new_random(),
        name: new.name,
        parent_id: parent,
        status,
        status_reason: None,
        runtime: new.runtime,
        command: new.command,
        created_at_ms: 1_000,
        updated_at_ms: 1_000,
    }
}

fn ws_event(kind: EventKind, id: WorkspaceId, name: &str) -> NewEvent {
    NewEvent {
        kind,
        scope: Scope::Workspace(id.as_uuid()).to_string(),
        name: name.to_owned(),
        actor: ACTOR.to_owned(),
        at_ms: 2_000,
    }
}

fn digest(token: &str) -> TokenDigest {
    TokenDigest::of(token)
}

async fn insert(store: &dyn Store, w: &Workspace, token: &str) {
    let event = ws_event(EventKind::WorkspaceCreated, w.id, w.status.as_str());
    store
        .insert_workspace(w, &digest(token), event)
        .await
        .unwrap();
}

pub async fn a_workspace_round_trips_with_its_first_token(store: &dyn Store) {
    let root = workspace("root", None, WorkspaceStatus::Online);
    let child = workspace("child", Some(root.id), WorkspaceStatus::Provisioning);
    insert(
        store,
        &root,
        "root-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    )
    .await;
    insert(
        store,
        &child,
        "child-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    )
    .await;
    assert_eq!(
        store.find_workspace(child.id).await.unwrap(),
        Some(child.clone())
    );
    assert_eq!(store.list_workspaces().await.unwrap().len(), 2);
    assert!(
        store
            .find_workspace(WorkspaceId::new_random())
            .await
            .unwrap()
            .is_none()
    );

    let found = store
        .find_live_workspace_token(&digest("child-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").hash)
        .await
        .unwrap()
        .expect("live");
    assert_eq!(
        (found.workspace_id, found.last_used_at_ms),
        (child.id, None)
    );
    assert!(
        store
            .find_live_workspace_token(&digest("nope").hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.workspace_has_live_token(child.id).await.unwrap());

    let events = store.list_events(0, 10).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].kind, EventKind::WorkspaceCreated);
    assert_eq!(store.last_event_id().await.unwrap(), events[1].id);

    // The schema refuses an unknown parent (the core checks first).
    let orphan = workspace(
        "orphan",
        Some(WorkspaceId::new_random()),
        WorkspaceStatus::Online,
    );
    let event = ws_event(EventKind::WorkspaceCreated, orphan.id, "online");
    assert!(
        store
            .insert_workspace(&orphan, &digest("o"), event)
            .await
            .is_err()
    );
    assert_eq!(
        store.list_workspaces().await.unwrap().len(),
        2,
        "nothing half-written"
    );
}

pub async fn a_status_change_is_conditional_and_recorded_only_when_made(store: &dyn Store) {
    let w = workspace("w", None, WorkspaceStatus::Online);
    insert(store, &w, "t").await;
    let before = store.list_events(0, 100).await.unwrap().len();
    let event = || ws_event(EventKind::WorkspacePaused, w.id, "paused");
    let refused = store
        .set_workspace_status(
            w.id,
            WorkspaceStatus::Online,
            None,
            &[WorkspaceStatus::Paused],
            5,
            event(),
        )
        .await
        .unwrap();
    assert_eq!(refused, StatusChange::Refused(WorkspaceStatus::Online));
    let reason = Some("exited with exit status: 3".to_owned());
    let from = [WorkspaceStatus::Online];
    match store
        .set_workspace_status(
            w.id,
            WorkspaceStatus::Failed,
            reason.clone(),
            &from,
            5,
            event(),
        )
        .await
        .unwrap()
    {
        StatusChange::Changed(changed, recorded) => {
            assert_eq!(
                (changed.status, changed.status_reason),
                (WorkspaceStatus::Failed, reason)
            );
            assert_eq!((changed.updated_at_ms, changed.created_at_ms), (5, 1_000));
            assert_eq!(recorded.kind, EventKind::WorkspacePaused);
        }
        other => panic!("expected a change, got {other:?}"),
    }
    let unknown = store
        .set_workspace_status(
            WorkspaceId::new_random(),
            WorkspaceStatus::Paused,
            None,
            &from,
            5,
            event(),
        )
        .await
        .unwrap();
    assert_eq!(unknown, StatusChange::NotFound);
    assert_eq!(store.list_events(0, 100).await.unwrap().len(), before + 1);
}

pub async fn concurrent_status_changes_from_one_status_let_exactly_one_win(store: &dyn Store) {
    let w = workspace("w", None, WorkspaceStatus::Online);
    insert(store, &w, "t").await;
    let from = [WorkspaceStatus::Online];
    let change = |to: WorkspaceStatus| {
        store.set_workspace_status(
            w.id,
            to,
            None,
            &from,
            3,
            ws_event(EventKind::WorkspaceStatus, w.id, to.as_str()),
        )
    };
    let results = futures::future::join_all((0..8).map(|i| {
        change(if i % 2 == 0 {
            WorkspaceStatus::Paused
        } else {
            WorkspaceStatus::Removed
        })
    }))
    .await;
    let won = results
        .iter()
        .filter(|r| matches!(r, Ok(StatusChange::Changed(..))))
        .count();
    assert_eq!(won, 1, "{results:?}");
}

pub async fn a_removed_workspace_s_tokens_stop_matching(store: &dyn Store) {
    let w = workspace("w", None, WorkspaceStatus::Online);
    insert(store, &w, "removed-soon").await;
    let event = ws_event(EventKind::WorkspaceRemoved, w.id, "removed");
    let all: Vec<WorkspaceStatus> = WorkspaceStatus::ALL.to_vec();
    store
        .set_workspace_status(w.id, WorkspaceStatus::Removed, None, &all, 3, event)
        .await
        .unwrap();
    assert!(
        store
            .find_live_workspace_token(&digest("removed-soon").hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.workspace_has_live_token(w.id).await.unwrap(),
        "not revoked, just unusable"
    );
}

pub async fn replacing_tokens_revokes_every_earlier_one(store: &dyn Store) {
    let w = workspace("w", None, WorkspaceStatus::Online);
    insert(store, &w, "first").await;
    let event = || ws_event(EventKind::WorkspaceTokenRotated, w.id, "second");
    let recorded = store
        .replace_workspace_tokens(w.id, &digest("second"), 4, event())
        .await
        .unwrap();
    assert_eq!(
        recorded.map(|e| e.kind),
        Some(EventKind::WorkspaceTokenRotated)
    );
    store
        .replace_workspace_tokens(w.id, &digest("third"), 5, event())
        .await
        .unwrap();
    for (token, live) in [("first", false), ("second", false), ("third", true)] {
        let found = store
            .find_live_workspace_token(&digest(token).hash)
            .await
            .unwrap();
        assert_eq!(found.is_some(), live, "{token}");
    }
    let unknown = store
        .replace_workspace_tokens(WorkspaceId::new_random(), &digest("x"), 5, event())
        .await
        .unwrap();
    assert!(unknown.is_none());

    store
        .touch_workspace_token(&digest("third").hash, 77)
        .await
        .unwrap();
    let found = store
        .find_live_workspace_token(&digest("third").hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.last_used_at_ms, Some(77));
}

pub async fn shadowing_and_bundle_queries_read_the_right_scopes(store: &dyn Store) {
    let (a, b) = (WorkspaceId::new_random(), WorkspaceId::new_random());
    let (scope_a, scope_b) = (Scope::Workspace(a.as_uuid()), Scope::Workspace(b.as_uuid()));
    let account = Scope::Account("ops".into());
    let key = name("API_KEY");
    let other = name("OTHER");
    for (scope, n, tag) in [
        (&Scope::Global, &key, 1),
        (&scope_a, &key, 2),
        (&scope_a, &other, 3),
        (&scope_b, &other, 4),
        (&account, &key, 5),
    ] {
        store
            .upsert_secret(write(scope, n, sealed(tag), 1), put_event(scope, n, 1))
            .await
            .unwrap();
    }
    assert_eq!(store.workspaces_with_secret(&key).await.unwrap(), vec![a]);
    let mut both = store.workspaces_with_secret(&other).await.unwrap();
    both.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(both, expected);

    let rows = store.bundle_secrets(a).await.unwrap();
    let mut seen: Vec<(String, String, Vec<u8>)> = rows
        .into_iter()
        .map(|r| (r.scope, r.name, r.sealed))
        .collect();
    seen.sort();
    let a_scope = scope_a.to_string();
    let mut wanted = vec![
        ("global".to_owned(), "API_KEY".to_owned(), sealed(1)),
        (a_scope.clone(), "API_KEY".to_owned(), sealed(2)),
        (a_scope, "OTHER".to_owned(), sealed(3)),
    ];
    wanted.sort();
    assert_eq!(seen, wanted);
}

store_contract!(
    a_workspace_round_trips_with_its_first_token,
    a_status_change_is_conditional_and_recorded_only_when_made,
    concurrent_status_changes_from_one_status_let_exactly_one_win,
    a_removed_workspace_s_tokens_stop_matching,
    replacing_tokens_revokes_every_earlier_one,
    shadowing_and_bundle_queries_read_the_right_scopes,
);
