//! Molecule agent memories, v2 namespaces (spec §9, our design in
//! `docs/dialects/molecule.md`), over HTTP on a three-level org tree: the namespaces of
//! a root, a mid-level team and a leaf; commits by default, by namespace, by scope,
//! with a kind; GLOBAL from a non-root 403; unknown or foreign namespaces 404; scope and
//! namespace in contradiction 400; searches over every readable namespace, one of them,
//! a kind, and by meaning; delete by the author only.

use std::sync::Arc;
use std::time::Duration;

use coffer_core::ops::MemoryOptions;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Options, TestApp, send};
use crate::molecule_agent_memories::{child, ids, sorted};
use crate::molecule_helpers::{Ws, molecule_options, spawn_molecule};

async fn commit(app: &TestApp, ws: &Ws, body: Value) -> (u16, Value) {
    let path = format!("/workspaces/{}/v2/memories", ws.id);
    send(app.bearer(Method::POST, &path, Some(&ws.token)).json(&body)).await
}

/// Commits (expects 201) and returns the answer.
async fn write(app: &TestApp, ws: &Ws, body: Value) -> Value {
    let (status, answer) = commit(app, ws, body.clone()).await;
    assert_eq!(status, 201, "{body}: {answer}");
    answer
}

async fn search(app: &TestApp, ws: &Ws, query: &str) -> (u16, Value) {
    let path = format!("/workspaces/{}/v2/memories{query}", ws.id);
    send(app.bearer(Method::GET, &path, Some(&ws.token))).await
}

async fn rows(app: &TestApp, ws: &Ws, query: &str) -> Vec<Value> {
    let (status, body) = search(app, ws, query).await;
    assert_eq!(status, 200, "{query}: {body}");
    body.as_array().unwrap().clone()
}

async fn namespaces(app: &TestApp, ws: &Ws) -> Value {
    let path = format!("/workspaces/{}/v2/namespaces", ws.id);
    let (status, body) = send(app.bearer(Method::GET, &path, Some(&ws.token))).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn id(answer: &Value) -> String {
    answer["id"].as_str().unwrap().to_owned()
}

fn ns(name: String, scope: &str, anchor: &Ws, writable: bool) -> Value {
    json!({
        "name": name,
        "scope": scope,
        "anchor_workspace_id": anchor.id,
        "readable": true,
        "writable": writable,
    })
}

/// R → T1 → L1a, L1b; R → T2.
struct Tree {
    r: Ws,
    t1: Ws,
    t2: Ws,
    l1a: Ws,
    l1b: Ws,
}

async fn tree(app: &TestApp) -> Tree {
    let r = app.ws_named("R").await;
    let t1 = child(app, "T1", &r).await;
    let t2 = child(app, "T2", &r).await;
    let l1a = child(app, "L1a", &t1).await;
    let l1b = child(app, "L1b", &t1).await;
    Tree {
        r,
        t1,
        t2,
        l1a,
        l1b,
    }
}

async fn namespaces_follow_the_org_tree(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let t = tree(&app).await;
    let (r, t1, l1a) = (&t.r, &t.t1, &t.l1a);
    assert_eq!(
        namespaces(&app, r).await,
        json!([
            ns(format!("workspace:{}", r.id), "LOCAL", r, true),
            ns(format!("team:{}", r.id), "TEAM", r, true),
            ns(format!("org:{}", r.id), "GLOBAL", r, true),
        ])
    );
    assert_eq!(
        namespaces(&app, t1).await,
        json!([
            ns(format!("workspace:{}", t1.id), "LOCAL", t1, true),
            ns(format!("team:{}", r.id), "TEAM", r, true),
            ns(format!("org:{}", r.id), "GLOBAL", r, false),
        ])
    );
    assert_eq!(
        namespaces(&app, l1a).await,
        json!([
            ns(format!("workspace:{}", l1a.id), "LOCAL", l1a, true),
            ns(format!("team:{}", t1.id), "TEAM", t1, true),
            ns(format!("org:{}", r.id), "GLOBAL", r, false),
        ])
    );
}

async fn commits_resolve_their_namespace(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let t = tree(&app).await;
    let (r, t1, l1a, l1b) = (&t.r, &t.t1, &t.l1a, &t.l1b);
    let local = format!("workspace:{}", l1a.id);
    let team = format!("team:{}", t1.id);
    let org = format!("org:{}", r.id);

    // Default: the caller's LOCAL namespace, kind `general`.
    let answer = write(&app, l1a, json!({"content": "mine"})).await;
    assert_eq!(
        answer,
        json!({"id": id(&answer), "namespace": local, "scope": "LOCAL", "kind": "general"})
    );
    // By namespace, by scope, both agreeing; with a kind.
    let answer = write(&app, l1a, json!({"content": "a", "namespace": team})).await;
    assert_eq!(
        (&answer["namespace"], &answer["scope"]),
        (&json!(team), &json!("TEAM"))
    );
    let answer = write(
        &app,
        l1a,
        json!({"content": "b", "scope": "TEAM", "kind": "facts"}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"id": id(&answer), "namespace": team, "scope": "TEAM", "kind": "facts"})
    );
    let answer = write(
        &app,
        l1a,
        json!({"content": "c", "scope": "LOCAL", "namespace": local, "kind": ""}),
    )
    .await;
    assert_eq!(
        (&answer["scope"], &answer["kind"]),
        (&json!("LOCAL"), &json!("general"))
    );
    // GLOBAL: the root only.
    let answer = write(&app, r, json!({"content": "org fact", "scope": "GLOBAL"})).await;
    assert_eq!(answer["namespace"], json!(org));
    let answer = write(&app, r, json!({"content": "org fact 2", "namespace": org})).await;
    assert_eq!(answer["scope"], json!("GLOBAL"));
    let denied = (
        403,
        json!({"error": "namespace not writable by this workspace"}),
    );
    for who in [t1, l1a] {
        assert_eq!(
            commit(&app, who, json!({"content": "x", "scope": "GLOBAL"})).await,
            denied
        );
        assert_eq!(
            commit(&app, who, json!({"content": "x", "namespace": org})).await,
            denied
        );
    }
    // Namespaces the caller cannot see are unknown, existing elsewhere or not.
    let unknown = (404, json!({"error": "namespace not found"}));
    for name in [
        format!("workspace:{}", l1b.id),
        format!("team:{}", t.t2.id),
        format!("team:{}", r.id),
        format!("org:{}", t1.id),
        "team:nope".to_owned(),
        "general".to_owned(),
    ] {
        assert_eq!(
            commit(&app, l1a, json!({"content": "x", "namespace": name})).await,
            unknown,
            "{name}"
        );
    }
    // Contradictions and bad bodies.
    assert_eq!(
        commit(
            &app,
            l1a,
            json!({"content": "x", "namespace": local, "scope": "TEAM"})
        )
        .await,
        (400, json!({"error": "scope does not match the namespace"}))
    );
    for scope in ["team", "ORG", "PRIVATE"] {
        assert_eq!(
            commit(&app, l1a, json!({"content": "x", "scope": scope})).await,
            (
                400,
                json!({"error": "scope must be LOCAL, TEAM, or GLOBAL"})
            ),
            "{scope}"
        );
    }
    for body in [
        json!({}),
        json!({"content": ""}),
        json!({"content": 1}),
        json!({"content": "x", "namespace": 1}),
        json!({"content": "x", "scope": true}),
        json!({"content": "x", "kind": []}),
        json!(["x"]),
    ] {
        assert_eq!(
            commit(&app, l1a, body.clone()).await,
            (400, json!({"error": "invalid request body"})),
            "{body}"
        );
    }
    assert_eq!(
        commit(&app, l1a, json!({"content": "x", "kind": "k".repeat(51)})).await,
        (400, json!({"error": "namespace must be <= 50 characters"}))
    );
}

async fn searches_cover_readable_namespaces(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let t = tree(&app).await;
    let (r, t1, t2, l1a, l1b) = (&t.r, &t.t1, &t.t2, &t.l1a, &t.l1b);
    let mine = id(&write(&app, l1a, json!({"content": "my own note"})).await);
    let my_team = id(&write(
        &app,
        l1a,
        json!({"content": "team note", "scope": "TEAM", "kind": "facts"}),
    )
    .await);
    let sibling_team = id(&write(
        &app,
        l1b,
        json!({"content": "sibling note", "scope": "TEAM"}),
    )
    .await);
    let parent_team = id(&write(&app, t1, json!({"content": "lead note", "scope": "TEAM"})).await);
    let org = id(&write(
        &app,
        r,
        json!({"content": "org note", "scope": "GLOBAL", "kind": "facts"}),
    )
    .await);
    // Not readable by L1a: a sibling's LOCAL, a cousin team's and the root team's rows.
    write(&app, l1b, json!({"content": "sibling private"})).await;
    write(&app, t2, json!({"content": "cousin team", "scope": "TEAM"})).await;
    write(&app, r, json!({"content": "root team", "scope": "TEAM"})).await;

    let all = rows(&app, l1a, "").await;
    assert_eq!(
        sorted(ids(&all)),
        sorted(vec![
            mine.clone(),
            my_team.clone(),
            sibling_team.clone(),
            parent_team.clone(),
            org.clone()
        ])
    );
    let row = |id: &str| all.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(
        row(&org),
        json!({
            "id": org,
            "namespace": format!("org:{}", r.id),
            "scope": "GLOBAL",
            "kind": "facts",
            "author_workspace_id": r.id,
            "content": format!("[MEMORY id={org} scope=GLOBAL from={}]: org note", r.id),
            "created_at": row(&org)["created_at"],
        })
    );
    assert!(row(&org)["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        row(&sibling_team),
        json!({
            "id": sibling_team,
            "namespace": format!("team:{}", t1.id),
            "scope": "TEAM",
            "kind": "general",
            "author_workspace_id": l1b.id,
            "content": "sibling note",
            "created_at": row(&sibling_team)["created_at"],
        })
    );
    assert_eq!(
        row(&mine)["namespace"],
        json!(format!("workspace:{}", l1a.id))
    );

    // One namespace.
    assert_eq!(
        sorted(ids(
            &rows(&app, l1a, &format!("?namespace=team:{}", t1.id)).await
        )),
        sorted(vec![
            my_team.clone(),
            sibling_team.clone(),
            parent_team.clone()
        ])
    );
    assert_eq!(
        ids(&rows(&app, l1a, &format!("?namespace=workspace:{}", l1a.id)).await),
        vec![mine.clone()]
    );
    assert_eq!(
        ids(&rows(&app, l1a, &format!("?namespace=org:{}", r.id)).await),
        vec![org.clone()]
    );
    let unknown = (404, json!({"error": "namespace not found"}));
    for name in [
        format!("workspace:{}", l1b.id),
        format!("team:{}", r.id),
        "nope".to_owned(),
    ] {
        assert_eq!(
            search(&app, l1a, &format!("?namespace={name}")).await,
            unknown
        );
    }
    // A kind; words; a limit; a bad mode.
    assert_eq!(
        sorted(ids(&rows(&app, l1a, "?kind=facts").await)),
        sorted(vec![my_team.clone(), org.clone()])
    );
    assert_eq!(
        ids(&rows(&app, l1a, "?q=sibling").await),
        vec![sibling_team]
    );
    assert_eq!(rows(&app, l1a, "?limit=2").await.len(), 2);
    assert_eq!(
        rows(&app, l1a, "?limit=0").await.len(),
        1,
        "clamped to 1..50"
    );
    assert_eq!(rows(&app, l1a, "?limit=999").await.len(), 5);
    assert_eq!(rows(&app, l1a, "?q=%ZZ&limit=%").await.len(), 5);
    assert_eq!(
        search(&app, l1a, "?mode=nope").await,
        (
            400,
            json!({"error": "mode must be semantic, fulltext, or hybrid"})
        )
    );
    // The root's team namespace: its own TEAM rows and its children's (T1, T2).
    let root_rows = rows(&app, r, &format!("?namespace=team:{}", r.id)).await;
    assert_eq!(root_rows.len(), 3, "{root_rows:?}");
    assert!(ids(&root_rows).contains(&parent_team));
}

async fn semantic_search_has_scores(backend: Backend) {
    let options = Options {
        memory: MemoryOptions {
            embedder: Some(Arc::new(coffer_embed::HashingEmbedder::new(256))),
            write_timeout: Duration::from_secs(5),
            query_timeout: Duration::from_secs(5),
        },
        ..molecule_options()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    let r = app.ws_named("R").await;
    let best = id(&write(
        &app,
        &r,
        json!({"content": "alpha beta gamma", "scope": "GLOBAL"}),
    )
    .await);
    let next = id(&write(&app, &r, json!({"content": "alpha beta", "scope": "TEAM"})).await);
    let last = id(&write(&app, &r, json!({"content": "alpha"})).await);
    let found = rows(&app, &r, "?q=alpha+beta+gamma").await;
    assert_eq!(ids(&found), vec![best, next, last]);
    let scores: Vec<f64> = found
        .iter()
        .map(|r| r["similarity_score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
    let words = rows(&app, &r, "?q=gamma&mode=fulltext").await;
    assert_eq!(words.len(), 1);
    assert!(words[0].get("similarity_score").is_none());
}

async fn only_the_author_deletes(backend: Backend) {
    let Some(app) = spawn_molecule(backend).await else {
        return;
    };
    let t = tree(&app).await;
    let (l1a, l1b) = (&t.l1a, &t.l1b);
    let theirs = id(&write(&app, l1b, json!({"content": "theirs", "scope": "TEAM"})).await);
    let mine = id(&write(&app, l1a, json!({"content": "mine"})).await);
    let delete = |ws: &Ws, memory: &str| {
        let path = format!("/workspaces/{}/v2/memories/{memory}", ws.id);
        send(app.bearer(Method::DELETE, &path, Some(&ws.token)))
    };
    let gone = (
        404,
        json!({"error": "memory not found or not owned by this workspace"}),
    );
    assert_eq!(delete(l1a, &theirs).await, gone);
    let team = format!("?namespace=team:{}", t.t1.id);
    assert_eq!(ids(&rows(&app, l1a, &team).await), vec![theirs.clone()]);
    assert_eq!(
        delete(l1a, &mine).await,
        (200, json!({"status": "deleted"}))
    );
    assert_eq!(delete(l1a, &mine).await, gone);
    assert_eq!(
        delete(l1b, &theirs).await,
        (200, json!({"status": "deleted"}))
    );
    assert_eq!(search(&app, l1a, "").await, (200, json!([])));
}

both_backends!(
    namespaces_follow_the_org_tree,
    commits_resolve_their_namespace,
    searches_cover_readable_namespaces,
    semantic_search_has_scores,
    only_the_author_deletes,
);
