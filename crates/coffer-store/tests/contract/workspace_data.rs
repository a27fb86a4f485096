//! Contract cases for a workspace's KV memory, workflow checkpoints and purge
//! (migration 0005): versions and `if_match`, expiry, upsert keeping the row id,
//! ordering, retention, delete counts, and a purge that leaves other workspaces alone.

use coffer_core::domain::{CheckpointRow, MemoryWrite, Scope, WorkspaceId};
use coffer_core::event::EventKind;
use coffer_core::store::Store;

use crate::fixtures::{ev, name, new_workspace, put_event, sealed, write};

fn row(id: WorkspaceId, wf: &str, step: &str, index: i64, at: i64) -> CheckpointRow {
    CheckpointRow {
        id: uuid::Uuid::new_v4().to_string(),
        workspace_id: id.to_string(),
        workflow_id: wf.to_owned(),
        step_name: step.to_owned(),
        step_index: index,
        completed_at_ms: at,
        payload: Some(sealed(index as u8)),
    }
}

pub async fn memory_versions_if_match_and_expiry(store: &dyn Store) {
    let id = new_workspace(store).await;
    let set = |key: &'static str, value: &'static str, exp: Option<i64>, m: Option<i64>, now| {
        let event = ev(EventKind::MemorySet, id, key);
        async move {
            store
                .set_memory(id, key, value, exp, m, now, event)
                .await
                .unwrap()
        }
    };
    let (w, e) = set("b", "1", None, None, 10).await;
    assert_eq!(w, MemoryWrite::Saved(1));
    assert_eq!(e.unwrap().version, 1);
    assert_eq!(set("b", "2", None, None, 11).await.0, MemoryWrite::Saved(2));
    assert_eq!(
        set("b", "3", None, Some(1), 12).await,
        (MemoryWrite::Mismatch { current: Some(2) }, None)
    );
    assert_eq!(
        set("b", "3", None, Some(2), 12).await.0,
        MemoryWrite::Saved(3)
    );
    assert_eq!(
        set("a", "{}", None, Some(5), 12).await.0,
        MemoryWrite::Mismatch { current: None }
    );
    assert_eq!(
        set("a", "{}", None, Some(0), 12).await.0,
        MemoryWrite::Saved(1)
    );
    assert_eq!(
        set("a", "{}", None, Some(0), 12).await.0,
        MemoryWrite::Mismatch { current: Some(1) }
    );
    // Expiring at 100: visible before, absent after, and a write restarts it at 1.
    set("c", "\"x\"", Some(100), None, 13).await;
    let keys = |list: Vec<coffer_core::domain::MemoryEntry>| {
        list.into_iter().map(|e| e.key).collect::<Vec<_>>()
    };
    assert_eq!(
        keys(store.list_memory(id, 99).await.unwrap()),
        ["a", "b", "c"]
    );
    assert_eq!(keys(store.list_memory(id, 100).await.unwrap()), ["a", "b"]);
    assert!(store.find_memory(id, "c", 100).await.unwrap().is_none());
    let b = store.find_memory(id, "b", 100).await.unwrap().unwrap();
    assert_eq!((b.value.as_str(), b.version), ("3", 3));
    assert_eq!(
        set("c", "1", None, Some(0), 200).await.0,
        MemoryWrite::Saved(1)
    );
    // Delete records an event only when something was deleted.
    let e = store
        .delete_memory(id, "b", ev(EventKind::MemoryDeleted, id, "b"))
        .await
        .unwrap();
    assert_eq!(e.unwrap().kind, EventKind::MemoryDeleted);
    let e = store
        .delete_memory(id, "b", ev(EventKind::MemoryDeleted, id, "b"))
        .await
        .unwrap();
    assert!(e.is_none());
}

pub async fn checkpoints_upsert_order_retention_and_delete(store: &dyn Store) {
    let id = new_workspace(store).await;
    let other = new_workspace(store).await;
    let save = |r: CheckpointRow, keep| {
        let event = ev(EventKind::CheckpointSaved, id, "wf/s");
        async move { store.upsert_checkpoint(&r, keep, event).await.unwrap() }
    };
    let first = row(id, "wf", "a", 0, 10);
    let (first_id, _) = save(first.clone(), 1000).await;
    assert_eq!(first_id, first.id);
    save(row(id, "wf", "b", 1, 20), 1000).await;
    save(row(id, "wf", "c", 2, 30), 1000).await;
    // An update keeps the id and takes the new index, time and payload.
    let (again, _) = save(row(id, "wf", "a", 5, 40), 1000).await;
    assert_eq!(again, first.id);
    let list = store.list_checkpoints(id, "wf").await.unwrap();
    let steps: Vec<_> = list
        .iter()
        .map(|r| (r.step_name.as_str(), r.step_index))
        .collect();
    assert_eq!(steps, [("a", 5), ("c", 2), ("b", 1)]);
    assert_eq!(list[0].payload, Some(sealed(5)));
    let latest = store.latest_checkpoint(id).await.unwrap().unwrap();
    assert_eq!(
        (latest.step_name.as_str(), latest.completed_at_ms),
        ("a", 40)
    );
    assert!(store.latest_checkpoint(other).await.unwrap().is_none());
    assert!(
        store
            .list_checkpoints(other, "wf")
            .await
            .unwrap()
            .is_empty()
    );
    // Retention keeps the newest `keep` by completion time.
    save(row(id, "wf", "d", 3, 50), 2).await;
    let names: Vec<_> = store
        .list_checkpoints(id, "wf")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.step_name)
        .collect();
    assert_eq!(names, ["a", "d"]);
    let (n, e) = store
        .delete_checkpoints(id, "wf", ev(EventKind::CheckpointsDeleted, id, "wf"))
        .await
        .unwrap();
    assert_eq!((n, e.is_some()), (2, true));
    let (n, e) = store
        .delete_checkpoints(id, "wf", ev(EventKind::CheckpointsDeleted, id, "wf"))
        .await
        .unwrap();
    assert_eq!((n, e.is_none()), (0, true));
}

pub async fn purge_deletes_only_that_workspace_s_data(store: &dyn Store) {
    let id = new_workspace(store).await;
    let other = new_workspace(store).await;
    for ws in [id, other] {
        let scope = Scope::Workspace(ws.as_uuid());
        let key = name("K");
        store
            .upsert_secret(
                write(&scope, &key, sealed(1), 1),
                put_event(&scope, &key, 1),
            )
            .await
            .unwrap();
        store
            .set_memory(
                ws,
                "m",
                "1",
                None,
                None,
                10,
                ev(EventKind::MemorySet, ws, "m"),
            )
            .await
            .unwrap();
        store
            .upsert_checkpoint(
                &row(ws, "wf", "s", 0, 10),
                1000,
                ev(EventKind::CheckpointSaved, ws, "wf/s"),
            )
            .await
            .unwrap();
    }
    let (counts, event) = store
        .purge_workspace_data(id, ev(EventKind::WorkspacePurged, id, "purged"))
        .await
        .unwrap();
    assert_eq!(
        (counts.secrets, counts.memory, counts.checkpoints),
        (1, 1, 1)
    );
    assert_eq!(event.kind, EventKind::WorkspacePurged);
    let scope = Scope::Workspace(id.as_uuid());
    assert!(
        store
            .find_secret(&scope, &name("K"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.list_memory(id, 0).await.unwrap().is_empty());
    assert!(store.latest_checkpoint(id).await.unwrap().is_none());
    let other_scope = Scope::Workspace(other.as_uuid());
    assert!(
        store
            .find_secret(&other_scope, &name("K"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.list_memory(other, 0).await.unwrap().len(), 1);
    assert!(store.latest_checkpoint(other).await.unwrap().is_some());
}

store_contract!(
    memory_versions_if_match_and_expiry,
    checkpoints_upsert_order_retention_and_delete,
    purge_deletes_only_that_workspace_s_data,
);
