//! Group commit for the one SQLite writer connection.
//!
//! With `synchronous=FULL` every commit waits for an fsync of the WAL, so one commit per
//! write caps durable writes at the disk's fsync rate. Instead, every write is submitted
//! as a [`Job`] to one writer task, which takes all jobs queued so far (up to
//! [`MAX_BATCH`]) and runs them in one `BEGIN IMMEDIATE` transaction with one fsync at
//! `COMMIT`. A lone write pays nothing extra: it is a batch of one, started immediately.
//!
//! Invariants:
//! - a caller gets `Ok` only after the `COMMIT` holding its change returned (durable);
//! - each job is still all-or-nothing: in a batch of several, each runs under its own
//!   savepoint and a failed job is rolled back to it, leaving the others intact;
//! - if the batch cannot begin or commit, every job in it gets that error (nothing of
//!   the batch was written) — never a success for an unpersisted change.

use std::future::Future;
use std::pin::Pin;

use coffer_core::store::StoreError;
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::error::at;

/// At most this many jobs share a transaction, bounding how long one commit takes.
const MAX_BATCH: usize = 128;
/// Submitters wait (backpressure) once this many jobs are queued.
const QUEUE: usize = 1024;

pub(super) type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// One unit of work, type-erased so jobs of different result types share a queue.
trait Job: Send {
    /// Runs the work on the batch's connection; returns whether it succeeded (a failed
    /// job is rolled back to its savepoint) and how to tell the caller once the batch's
    /// fate is known.
    fn run(self: Box<Self>, conn: &mut SqliteConnection) -> BoxFuture<'_, (bool, Deliver)>;
    /// The batch failed before this job ran.
    fn fail(self: Box<Self>, error: &StoreError);
}

/// Reports to the caller: `None` when the batch committed, else why it did not.
type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;

struct Pending<F, T> {
    work: F,
    reply: oneshot::Sender<Result<T, StoreError>>,
    /// Dropped just before the caller is answered (or with the job, if it never runs).
    guard: Guard,
}

/// Anything whose `Drop` must run once a job's fate is known, before its caller hears it.
pub(super) type Guard = Box<dyn Send>;

impl<F, T> Job for Pending<F, T>
where
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
        + Send
        + 'static,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut SqliteConnection) -> BoxFuture<'_, (bool, Deliver)> {
        let Pending { work, reply, guard } = *self;
        Box::pin(async move {
            let result = work(conn).await;
            let ok = result.is_ok();
            let deliver: Deliver = Box::new(move |batch_error| {
                let outcome = match (result, batch_error) {
                    (Ok(_), Some(e)) => Err(copy(e)),
                    (result, _) => result,
                };
                drop(guard);
                let _ = reply.send(outcome); // the caller may have gone away
            });
            (ok, deliver)
        })
    }

    fn fail(self: Box<Self>, error: &StoreError) {
        let Pending { reply, guard, .. } = *self;
        drop(guard);
        let _ = reply.send(Err(copy(error)));
    }
}

/// Handle to the writer task; the task ends when the handle is dropped.
pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer task on `pool` (the single-connection writer pool). The task
    /// takes the connection per batch, so closing the pool waits for the batch in flight
    /// and later writes fail as unavailable.
    pub(super) fn spawn(pool: SqlitePool) -> Writer {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, queue));
        Writer { jobs }
    }

    /// Runs `work` in the next batch and returns its result once that batch committed.
    pub(super) async fn submit<F, T>(&self, work: F) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        self.submit_guarded(work, Box::new(())).await
    }

    /// [`Writer::submit`], dropping `guard` on the writer task once the batch's fate is
    /// known (committed or not), just before the reply is sent. It is dropped even when
    /// the caller stopped waiting, and with the job if the job never runs.
    pub(super) async fn submit_guarded<F, T>(&self, work: F, guard: Guard) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Box::new(Pending { work, reply, guard }))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite writer has stopped".to_owned())
}

/// The same error for each caller of a failed batch.
fn copy(e: &StoreError) -> StoreError {
    match e {
        StoreError::Conflict => StoreError::Conflict,
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::Other(e) => StoreError::Other(anyhow::anyhow!("{e:#}")),
    }
}

async fn run(pool: SqlitePool, mut queue: mpsc::Receiver<Box<dyn Job>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        // A panic in a batch must not stop every later write: run it as its own task.
        // Its callers then see their reply dropped, i.e. "unavailable".
        if tokio::spawn(run_batch(pool.clone(), jobs)).await.is_err() {
            tracing::error!("sqlite: a write batch panicked; its writes were not committed");
        }
    }
}

async fn run_batch(pool: SqlitePool, jobs: Vec<Box<dyn Job>>) {
    let mut tx = match pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(at("begin a write batch"))
    {
        Ok(tx) => tx,
        Err(e) => return jobs.into_iter().for_each(|job| job.fail(&e)),
    };
    // A batch of one is the job's own transaction: on failure, roll it all back.
    // In a larger batch each job runs under a savepoint (they nest; all are named `job`,
    // and `ROLLBACK TO job` undoes just the latest one).
    let alone = jobs.len() == 1;
    let mut delivers = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    let mut failure: Option<StoreError> = None;
    let mut failed_alone = false;
    for job in jobs.by_ref() {
        if !alone && let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut *tx).await {
            let e = at("open a savepoint")(e);
            job.fail(&e);
            failure = Some(e);
            break;
        }
        let (ok, deliver) = job.run(&mut tx).await;
        delivers.push(deliver);
        if ok {
            continue;
        }
        if alone {
            failed_alone = true;
        } else if let Err(e) = sqlx::query("ROLLBACK TO job").execute(&mut *tx).await {
            failure = Some(at("roll back a failed write")(e));
            break;
        }
    }
    let batch_error = if let Some(e) = failure {
        let _ = tx.rollback().await; // nothing of this batch is kept
        jobs.for_each(|job| job.fail(&e));
        Some(e)
    } else if failed_alone {
        let _ = tx.rollback().await;
        None // the job reports its own error
    } else {
        tx.commit().await.map_err(at("commit a write batch")).err()
    };
    delivers
        .into_iter()
        .for_each(|deliver| deliver(batch_error.as_ref()));
}

#[cfg(test)]
mod tests {
    use coffer_core::event::{EventKind, NewEvent};

    use super::*;
    use crate::sqlite::{migrate, pools, writes};

    fn event(name: &str) -> NewEvent {
        let (scope, actor) = ("global".to_owned(), "t".to_owned());
        NewEvent {
            kind: EventKind::KeyRotated,
            scope,
            name: name.to_owned(),
            actor,
            at_ms: 1,
        }
    }

    /// Appends an event, then fails if `fail`: the event must not survive.
    async fn append(writer: &Writer, name: &'static str, fail: bool) -> Result<i64, StoreError> {
        writer
            .submit(move |conn| {
                Box::pin(async move {
                    let recorded = writes::insert_event(conn, event(name), 1).await?;
                    match fail {
                        true => Err(StoreError::Other(anyhow::anyhow!("job failed late"))),
                        false => Ok(recorded.id),
                    }
                })
            })
            .await
    }

    async fn event_names(pool: &SqlitePool) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM events ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_failed_job_is_rolled_back_alone_in_a_batch_and_entirely_when_alone() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pools::open_writer(&dir.path().join("w.db")).await.unwrap();
        migrate::run(&pool).await.unwrap();
        let writer = Writer::spawn(pool.clone());

        // Submitted together on a current-thread runtime: one batch of three.
        let (a, b, c) = tokio::join!(
            append(&writer, "a", false),
            append(&writer, "b", true),
            append(&writer, "c", false),
        );
        assert!(a.is_ok() && b.is_err() && c.is_ok());
        assert_eq!(event_names(&pool).await, ["a", "c"]);

        // A batch of one that fails is rolled back as a whole.
        assert!(append(&writer, "d", true).await.is_err());
        assert!(append(&writer, "e", false).await.is_ok());
        assert_eq!(event_names(&pool).await, ["a", "c", "e"]);

        // Once the pool is closed, writes are unavailable rather than lost silently.
        pool.close().await;
        assert!(matches!(
            append(&writer, "f", false).await,
            Err(StoreError::Unavailable(_))
        ));
    }

    /// Sets its flag when dropped.
    struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);

    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn flag() -> (Guard, std::sync::Arc<std::sync::atomic::AtomicBool>) {
        let dropped = std::sync::Arc::default();
        (Box::new(Flag(std::sync::Arc::clone(&dropped))), dropped)
    }

    fn is_set(dropped: &std::sync::atomic::AtomicBool) -> bool {
        dropped.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Appends an event after `delay`, failing if `fail`, with `guard` attached.
    async fn append_guarded(
        writer: &Writer,
        name: &'static str,
        delay: std::time::Duration,
        fail: bool,
        guard: Guard,
    ) -> Result<i64, StoreError> {
        writer
            .submit_guarded(
                move |conn| {
                    Box::pin(async move {
                        tokio::time::sleep(delay).await;
                        let recorded = writes::insert_event(conn, event(name), 1).await?;
                        match fail {
                            true => Err(StoreError::Other(anyhow::anyhow!("job failed late"))),
                            false => Ok(recorded.id),
                        }
                    })
                },
                guard,
            )
            .await
    }

    #[tokio::test]
    async fn a_guard_is_dropped_before_the_caller_hears_back_whatever_happened() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pools::open_writer(&dir.path().join("w.db")).await.unwrap();
        migrate::run(&pool).await.unwrap();
        let writer = Writer::spawn(pool.clone());
        let now = std::time::Duration::ZERO;

        // Committed, and failed.
        for fail in [false, true] {
            let (guard, dropped) = flag();
            let result = append_guarded(&writer, "a", now, fail, guard).await;
            assert_eq!(result.is_ok(), !fail);
            assert!(is_set(&dropped), "dropped before the answer (fail: {fail})");
        }

        // The caller stops waiting while its job runs: the job still commits, and the
        // guard is dropped by the writer task after that, not when the caller left.
        let (guard, dropped) = flag();
        let slow = std::time::Duration::from_millis(300);
        let gave_up = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            append_guarded(&writer, "abandoned", slow, false, guard),
        )
        .await;
        assert!(gave_up.is_err(), "the caller timed out");
        assert!(!is_set(&dropped), "not while the write may still land");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !is_set(&dropped) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "guard never dropped"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(event_names(&pool).await, ["a", "abandoned"]);

        // A writer that cannot write drops the guard too.
        pool.close().await;
        let (guard, dropped) = flag();
        assert!(
            append_guarded(&writer, "late", now, false, guard)
                .await
                .is_err()
        );
        assert!(is_set(&dropped));
    }
}
