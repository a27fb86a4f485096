//! The `terminal` tool: one `bash -c` per command in the working directory, stderr
//! merged into stdout, with a timeout and an output cap.
//!
//! The command gets a minimal environment — `PATH`, `HOME`, `USER`, `LANG`, `TERM` — plus
//! the conversation secrets it mentions. coffer's own environment (`OH_SECRET_KEY`,
//! session keys, database URLs) is never passed on. The command runs in its own process
//! group, which is killed on timeout or when the run is stopped, so background children
//! do not outlive it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use coffer_crypto::{ExposeSecret, SecretString};
use tokio::io::AsyncReadExt;

/// What a command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandResult {
    pub output: String,
    /// `None` when it was stopped (timeout) or killed by a signal.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
}

/// Kills the process group when dropped before the command finished.
struct GroupGuard {
    pgid: Option<u32>,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            kill_group(pgid);
        }
    }
}

fn kill_group(pgid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The environment every command starts from.
fn base_env() -> Vec<(String, String)> {
    let inherited =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    vec![
        (
            "PATH".into(),
            inherited("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ),
        ("HOME".into(), inherited("HOME", "/tmp")),
        ("USER".into(), inherited("USER", "coffer")),
        ("LANG".into(), "C.UTF-8".into()),
        ("TERM".into(), "dumb".into()),
    ]
}

pub async fn run(
    command: &str,
    working_dir: &Path,
    secrets: &[(String, SecretString)],
    timeout: Duration,
    output_limit: usize,
) -> std::io::Result<CommandResult> {
    let mut cmd = tokio::process::Command::new("bash");
    cmd.arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .current_dir(working_dir)
        .env_clear()
        .envs(base_env())
        .envs(secrets.iter().map(|(k, v)| (k.as_str(), v.expose_secret())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let mut guard = GroupGuard { pgid: child.id() };
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut output = Capped::new(output_limit);
    let mut status = None;
    let work = async {
        let mut chunk = [0u8; 8192];
        loop {
            tokio::select! {
                read = stdout.read(&mut chunk) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => output.push(&chunk[..n]),
                },
                exited = child.wait(), if status.is_none() => {
                    status = Some(exited);
                    // Output still in the pipe is read below; a background child that
                    // keeps the pipe open gets a short grace, not the whole timeout.
                    let grace = tokio::time::sleep(Duration::from_millis(200));
                    tokio::pin!(grace);
                    loop {
                        tokio::select! {
                            read = stdout.read(&mut chunk) => match read {
                                Ok(0) | Err(_) => break,
                                Ok(n) => output.push(&chunk[..n]),
                            },
                            () = &mut grace => break,
                        }
                    }
                    break;
                }
            }
        }
        if status.is_none() {
            status = Some(child.wait().await);
        }
    };
    let timed_out = tokio::time::timeout(timeout, work).await.is_err();
    if let Some(pgid) = guard.pgid.take() {
        // Whatever is left of the group (background children, or all of it on timeout).
        kill_group(pgid);
    }
    let exit_code = match (timed_out, status) {
        (false, Some(Ok(s))) => s.code(),
        _ => None,
    };
    Ok(CommandResult {
        output: output.finish(),
        exit_code,
        timed_out,
    })
}

/// Keeps the first `limit` bytes and counts the rest.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
    dropped: usize,
}

impl Capped {
    fn new(limit: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            limit,
            dropped: 0,
        }
    }

    fn push(&mut self, data: &[u8]) {
        let room = self.limit.saturating_sub(self.bytes.len());
        let (kept, rest) = data.split_at(room.min(data.len()));
        self.bytes.extend_from_slice(kept);
        self.dropped += rest.len();
    }

    fn finish(self) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!(
                "\n[... output truncated: {} more bytes not shown ...]",
                self.dropped
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[tokio::test]
    async fn output_exit_code_and_working_dir() {
        let d = dir();
        let r = run(
            "pwd; echo err >&2; exit 3",
            d.path(),
            &[],
            Duration::from_secs(10),
            1000,
        )
        .await
        .unwrap();
        let cwd = d.path().canonicalize().unwrap();
        assert_eq!(r.output, format!("{}\nerr\n", cwd.display()));
        assert_eq!((r.exit_code, r.timed_out), (Some(3), false));
    }

    #[tokio::test]
    async fn secrets_are_in_the_env_and_coffers_own_env_is_not() {
        let d = dir();
        // cargo sets this in the test process; the command must not inherit it.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let secrets = [("MY_TOKEN".to_owned(), SecretString::from("v-1".to_owned()))];
        let r = run(
            "echo $MY_TOKEN; echo ${CARGO_MANIFEST_DIR:-unset}",
            d.path(),
            &secrets,
            Duration::from_secs(10),
            1000,
        )
        .await
        .unwrap();
        assert_eq!(r.output, "v-1\nunset\n");
    }

    #[tokio::test]
    async fn a_slow_command_times_out_with_its_partial_output() {
        let d = dir();
        let started = std::time::Instant::now();
        let r = run(
            "echo started; sleep 30",
            d.path(),
            &[],
            Duration::from_millis(300),
            1000,
        )
        .await
        .unwrap();
        assert!(r.timed_out);
        assert_eq!(r.exit_code, None);
        assert_eq!(r.output, "started\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn output_is_capped_and_background_children_do_not_hold_the_call() {
        let d = dir();
        let r = run(
            "head -c 5000 /dev/zero | tr '\\0' x",
            d.path(),
            &[],
            Duration::from_secs(10),
            100,
        )
        .await
        .unwrap();
        assert!(r.output.starts_with(&"x".repeat(100)));
        assert!(r.output.contains("4900 more bytes"));
        let started = std::time::Instant::now();
        let r = run(
            "sleep 30 & echo done",
            d.path(),
            &[],
            Duration::from_secs(20),
            100,
        )
        .await
        .unwrap();
        assert_eq!((r.output.as_str(), r.exit_code), ("done\n", Some(0)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
