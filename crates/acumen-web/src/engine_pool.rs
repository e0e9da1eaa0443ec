//! Engine work off the async executor: analyses run on tokio's blocking
//! pool behind a semaphore (at most [`EnginePool::permits`] at once, so a
//! core stays free for the requests that need no engine), one at a time per
//! user, each with a time budget handed to the pure engine as a cancel flag
//! that it checks between fits and iterations. When the budget runs out the
//! flag is set and the engine stops at its next check: no detached thread
//! keeps running. A panic in the engine answers 500, never a dropped
//! connection.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acumen_meta::Budget;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Time budget of one analysis.
pub const BUDGET: Duration = Duration::from_secs(10);
/// How long an analysis waits for a free permit before the server answers 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(30);
/// Largest CSV the evidence page accepts.
pub const MAX_UPLOAD_BYTES: usize = 512 * 1024;

/// The bounded pool of engine runs.
pub struct EnginePool {
    permits: Arc<Semaphore>,
    running: Mutex<HashSet<i64>>,
    budget: Duration,
}

impl EnginePool {
    /// A pool of `permits` concurrent analyses, each with `budget`.
    pub fn new(permits: usize, budget: Duration) -> Self {
        EnginePool {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            running: Mutex::new(HashSet::new()),
            budget,
        }
    }

    /// The default size: half the cores (at least one), so that a core is
    /// left for the executor.
    pub fn permits() -> usize {
        std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
    }

    /// Runs `job` on the blocking pool for `user` (one at a time per user:
    /// a second concurrent run answers 429), with the pool's time budget.
    pub async fn run<T: Send + 'static>(
        &self,
        user: i64,
        job: impl FnOnce(Budget) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _turn = UserTurn::take(&self.running, user)?;
        self.run_shared(job).await
    }

    /// Runs `job` as [`EnginePool::run`] does, without the one-per-user
    /// turn: for readers without an account (a public answers page or a
    /// published version), still bounded by the permits and the budget.
    pub async fn run_shared<T: Send + 'static>(
        &self,
        job: impl FnOnce(Budget) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(QUEUE_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Overloaded)?
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let flag = Arc::new(AtomicBool::new(false));
        let budget = Budget::with_flag(flag.clone());
        let limit = self.budget;
        let timer = tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            flag.store(true, Ordering::Relaxed);
        });
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job(budget)
        })
        .await;
        timer.abort();
        out.map_err(|e| {
            if e.is_panic() {
                ApiError::Internal("the engine panicked".into())
            } else {
                ApiError::Internal(e.to_string())
            }
        })
    }
}

/// A user's one running analysis; the slot is freed when this is dropped.
struct UserTurn<'a> {
    running: &'a Mutex<HashSet<i64>>,
    user: i64,
}

impl<'a> UserTurn<'a> {
    fn take(running: &'a Mutex<HashSet<i64>>, user: i64) -> Result<Self, ApiError> {
        let mut set = running.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(user) {
            return Err(ApiError::Busy);
        }
        Ok(UserTurn { running, user })
    }
}

impl Drop for UserTurn<'_> {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_budget_stops_a_job_that_checks_it_and_a_user_runs_one_at_a_time() {
        let pool = Arc::new(EnginePool::new(2, Duration::from_millis(50)));
        let spins = pool
            .run(1, |b| {
                let mut n = 0u64;
                while b.check().is_ok() {
                    n += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
                n
            })
            .await
            .unwrap();
        assert!(spins > 0);
        let p2 = pool.clone();
        let slow = tokio::spawn(async move {
            p2.run(7, |b| {
                while b.check().is_ok() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(matches!(pool.run(7, |_| ()).await, Err(ApiError::Busy)));
        assert!(pool.run(8, |_| ()).await.is_ok(), "another user is not held up");
        slow.await.unwrap().unwrap();
        assert!(pool.run(7, |_| ()).await.is_ok(), "the slot is freed");
        let panicked = pool.run(9, |_| -> () { panic!("boom") }).await;
        assert!(matches!(panicked, Err(ApiError::Internal(_))));
    }
}
