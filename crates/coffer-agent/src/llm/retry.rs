//! Retries with exponential backoff, configured per agent like LiteLLM/OpenHands:
//! `num_retries` extra attempts; before retry `n` (1-based) wait
//! `retry_multiplier × 2^(n-1)` seconds, clamped to `[retry_min_wait, retry_max_wait]`;
//! a `Retry-After` header raises the wait (still capped by `retry_max_wait`). Only
//! transient errors (429, 5xx, timeouts, cut connections) are retried.

use std::future::Future;
use std::time::Duration;

use coffer_core::domain::conversation::LlmConfig;

use super::LlmError;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    pub retries: u32,
    pub multiplier: f64,
    pub min_wait: f64,
    pub max_wait: f64,
}

impl Policy {
    pub fn of(config: &LlmConfig) -> Policy {
        Policy {
            retries: config.num_retries,
            multiplier: config.retry_multiplier,
            min_wait: config.retry_min_wait_secs,
            max_wait: config.retry_max_wait_secs.max(config.retry_min_wait_secs),
        }
    }

    /// The wait before retry `n` (1-based).
    pub fn wait(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self.multiplier * 2f64.powi(n.saturating_sub(1).min(30) as i32);
        let mut secs = exponential.clamp(self.min_wait, self.max_wait);
        if let Some(after) = retry_after {
            secs = secs.max(after.as_secs_f64()).min(self.max_wait);
        }
        Duration::from_secs_f64(secs.max(0.0))
    }
}

pub async fn with_retries<T, F, Fut>(policy: &Policy, mut attempt: F) -> Result<T, LlmError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, LlmError>>,
{
    let mut retry = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(e) if e.retryable() && retry < policy.retries => {
                retry += 1;
                let wait = policy.wait(retry, e.retry_after);
                tracing::warn!(error.code = e.code(), status = ?e.status, retry, wait_ms = wait.as_millis() as u64, "LLM request failed; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::LlmErrorKind;

    #[test]
    fn waits_grow_exponentially_within_bounds() {
        let p = Policy {
            retries: 5,
            multiplier: 8.0,
            min_wait: 8.0,
            max_wait: 64.0,
        };
        let secs: Vec<u64> = (1..=5).map(|n| p.wait(n, None).as_secs()).collect();
        assert_eq!(secs, [8, 16, 32, 64, 64]);
        assert_eq!(p.wait(1, Some(Duration::from_secs(20))).as_secs(), 20);
        assert_eq!(p.wait(1, Some(Duration::from_secs(600))).as_secs(), 64);
        let none = Policy {
            max_wait: 0.0,
            min_wait: 0.0,
            ..p
        };
        assert_eq!(none.wait(3, Some(Duration::from_secs(5))), Duration::ZERO);
    }

    #[tokio::test]
    async fn transient_errors_are_retried_up_to_the_limit_and_others_not() {
        let p = Policy {
            retries: 2,
            multiplier: 0.0,
            min_wait: 0.0,
            max_wait: 0.0,
        };
        let mut calls = 0;
        let r: Result<(), _> = with_retries(&p, || {
            calls += 1;
            async { Err(LlmError::new(LlmErrorKind::Server, "down")) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 3);
        let mut calls = 0;
        let r: Result<(), _> = with_retries(&p, || {
            calls += 1;
            async { Err(LlmError::new(LlmErrorKind::Auth, "no")) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 1);
        let mut calls = 0;
        let r = with_retries(&p, || {
            calls += 1;
            let n = calls;
            async move {
                if n == 1 {
                    Err(LlmError::new(LlmErrorKind::RateLimited, "slow"))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(r, Ok(2));
    }
}
