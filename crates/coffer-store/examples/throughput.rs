//! Temporary throughput probe (not part of the crate).
use std::sync::Arc;
use std::time::Instant;

use coffer_core::domain::{Scope, SecretName};
use coffer_core::event::{EventKind, NewEvent};
use coffer_core::store::{SecretWrite, Store};

fn ev(name: &str) -> NewEvent {
    NewEvent { kind: EventKind::SecretPut, scope: "global".into(), name: name.into(), actor: "bench".into(), at_ms: 1 }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let store: Arc<dyn Store> = coffer_store::open_store(None, &dir).await?;
    let scope = Scope::Global;
    let names: Vec<SecretName> = (0..200).map(|i| SecretName::parse(&format!("S{i}")).unwrap()).collect();
    for n in &names {
        let w = SecretWrite { scope: &scope, name: n, sealed: vec![7; 120], key_id: "k".into(), description: None, at_ms: 1 };
        store.upsert_secret(w, ev(n.as_str())).await?;
    }
    let conc = 64;
    // reads
    let total = 100_000;
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for c in 0..conc {
        let store = store.clone();
        let names = names.clone();
        set.spawn(async move {
            for i in 0..total / conc {
                let n = &names[(c * 7 + i) % names.len()];
                store.find_secret(&Scope::Global, n).await.unwrap().unwrap();
            }
        });
    }
    set.join_all().await;
    let dt = t.elapsed().as_secs_f64();
    println!("reads: {:.0}/s", total as f64 / dt);
    // writes
    let total = 10_000;
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for c in 0..conc {
        let store = store.clone();
        let names = names.clone();
        set.spawn(async move {
            for i in 0..total / conc {
                let n = &names[(c * 3 + i) % names.len()];
                let w = SecretWrite { scope: &Scope::Global, name: n, sealed: vec![9; 120], key_id: "k".into(), description: None, at_ms: 2 };
                store.upsert_secret(w, ev(n.as_str())).await.unwrap();
            }
        });
    }
    set.join_all().await;
    let dt = t.elapsed().as_secs_f64();
    println!("writes: {:.0}/s", total as f64 / dt);
    store.close().await;
    Ok(())
}
