//! The supervisor against real processes: the environment a command gets, restarts with
//! a new environment, a command that exits at once, an exit on its own, a command that
//! ignores SIGTERM, and stopping everything.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use coffer_core::domain::{
    Command, Runtime, Workspace, WorkspaceId, WorkspaceName, WorkspaceStatus,
};
use coffer_core::restarter::{Launch, Restarter, Started};
use coffer_crypto::SecretString;
use coffer_supervisor::{ProcessSupervisor, SupervisorConfig};

fn supervisor(grace: Duration) -> ProcessSupervisor {
    let config = SupervisorConfig {
        grace,
        start_window: Duration::from_millis(300),
        ..SupervisorConfig::default()
    };
    let base = vec![(
        OsString::from("PATH"),
        std::env::var_os("PATH").unwrap_or_default(),
    )];
    ProcessSupervisor::with_base_env(config, base)
}

fn workspace(command: &str) -> Workspace {
    Workspace {
        id: WorkspaceId::new_random(),
        name: WorkspaceName::parse("w").unwrap(),
        parent_id: None,
        status: WorkspaceStatus::Provisioning,
        status_reason: None,
        runtime: Runtime::default(),
        command: Command::parse(command),
        created_at_ms: 0,
        updated_at_ms: 0,
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, SecretString)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), SecretString::from((*v).to_owned())))
        .collect()
}

/// A command that writes its environment to `out` (atomically) and then waits.
fn env_dumper(out: &Path) -> String {
    let out = out.display();
    format!("env > {out}.tmp && mv {out}.tmp {out}; exec sleep 600")
}

/// Polls `path` until `pred` holds on its content (at most 5 s).
fn wait_for_file(path: &Path, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && pred(&text)
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never matched",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn out_file(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_gets_its_secrets_and_is_restarted_with_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = out_file(&dir, "env");
    let sup = supervisor(Duration::from_secs(5));
    let ws = workspace(&env_dumper(&out));
    let launch = Launch {
        workspace: ws.clone(),
        env: env(&[("API_KEY", "first")]),
    };
    assert!(matches!(sup.restart(launch).await, Started::Running { .. }));
    assert!(sup.is_running(ws.id));
    let text = wait_for_file(&out, |t| t.contains("API_KEY=first"));
    assert!(text.contains(&format!("WORKSPACE_ID={}", ws.id)));
    let names: Vec<&str> = text.lines().filter_map(|l| l.split('=').next()).collect();
    for name in names {
        assert!(
            [
                "PATH",
                "API_KEY",
                "WORKSPACE_ID",
                "PWD",
                "SHLVL",
                "_",
                "OLDPWD"
            ]
            .contains(&name),
            "unexpected variable {name}"
        );
    }

    let launch = Launch {
        workspace: ws.clone(),
        env: env(&[("API_KEY", "second")]),
    };
    let Started::Running { exited } = sup.restart(launch).await else {
        panic!("restart failed")
    };
    wait_for_file(&out, |t| t.contains("API_KEY=second"));

    sup.stop(ws.id).await;
    assert!(!sup.is_running(ws.id));
    assert!(
        exited.await.is_err(),
        "a stop by coffer is not reported as an exit"
    );
}

#[tokio::test]
async fn a_command_that_exits_at_once_failed_with_its_status() {
    let sup = supervisor(Duration::from_secs(1));
    let ws = workspace("exit 3");
    let started = sup
        .restart(Launch {
            workspace: ws.clone(),
            env: vec![],
        })
        .await;
    match started {
        Started::Failed(reason) => assert_eq!(reason, "exited at once with exit status: 3"),
        Started::Running { .. } => panic!("should have failed"),
    }
    assert!(!sup.is_running(ws.id));
}

#[tokio::test]
async fn an_exit_on_its_own_is_reported() {
    let sup = supervisor(Duration::from_secs(1));
    let ws = workspace("sleep 0.6; exit 4");
    let Started::Running { exited } = sup
        .restart(Launch {
            workspace: ws.clone(),
            env: vec![],
        })
        .await
    else {
        panic!("should be running")
    };
    let exit = tokio::time::timeout(Duration::from_secs(5), exited)
        .await
        .expect("reported in time")
        .expect("reported");
    assert!(!exit.success);
    assert_eq!(exit.reason, "exited with exit status: 4");
    assert!(!sup.is_running(ws.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let ready = out_file(&dir, "ready");
    let sup = supervisor(Duration::from_millis(300));
    let command = format!(
        "trap '' TERM; touch {}; while true; do sleep 0.05; done",
        ready.display()
    );
    let ws = workspace(&command);
    let started = sup
        .restart(Launch {
            workspace: ws.clone(),
            env: vec![],
        })
        .await;
    assert!(matches!(started, Started::Running { .. }));
    wait_for_file(&ready, |_| true);
    let begun = Instant::now();
    sup.stop_all().await;
    let took = begun.elapsed();
    assert!(
        took >= Duration::from_millis(300),
        "waited the grace period: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "then killed: {took:?}");
    assert!(!sup.is_running(ws.id));
    let again = sup
        .restart(Launch {
            workspace: ws,
            env: vec![],
        })
        .await;
    assert!(matches!(again, Started::Failed(r) if r == "coffer is shutting down"));
}
