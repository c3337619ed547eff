//! The bound on concurrent password hashing. Each Argon2 run takes about 19 MiB and a CPU for a
//! few hundred milliseconds; without a bound, a burst of hostile logins takes the server's memory
//! with it. A request waits a short while for one of the permits and is otherwise refused as
//! busy, so memory stays at about `permits × 19 MiB` whatever the load.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Why hashing did not run.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// Every permit stayed taken for the whole wait; try again after `retry_after`.
    #[error("every hashing slot is busy")]
    Busy {
        /// A suggested wait before retrying.
        retry_after: Duration,
    },
    /// The hashing task panicked or was cancelled.
    #[error("the hashing task failed: {0}")]
    Failed(String),
}

/// At most `permits` password hashes at once.
#[derive(Debug)]
pub struct HashGate {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl HashGate {
    /// A gate with `permits` slots (at least one) where a request waits up to `wait` for a slot.
    pub fn new(permits: usize, wait: Duration) -> Self {
        HashGate {
            permits: Arc::new(Semaphore::new(permits.clamp(1, Semaphore::MAX_PERMITS))),
            wait,
        }
    }

    /// Runs `f` on a blocking thread once a slot is free. The slot is held by the blocking task
    /// itself, so a client that hangs up mid-hash does not free it before the hash ends.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, GateError> {
        let busy = || GateError::Busy {
            retry_after: self.wait.max(Duration::from_secs(1)),
        };
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|e| GateError::Failed(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|e| GateError::Failed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_refuses_after_the_wait() {
        let gate = Arc::new(HashGate::new(1, Duration::from_millis(20)));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let holder = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.run(move || hold.recv().is_ok()).await })
        };
        while gate.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = gate.run(|| ()).await;
        assert!(
            matches!(refused, Err(GateError::Busy { retry_after }) if retry_after >= Duration::from_secs(1))
        );
        release.send(()).expect("the holder waits");
        assert!(matches!(holder.await, Ok(Ok(true))));
        assert!(gate.run(|| 7).await.is_ok_and(|v| v == 7));
    }
}
