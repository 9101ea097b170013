//! The check pool: at most one check per core at a time (checks are CPU-bound
//! and each may use two threads), the rest wait briefly, then are told to come
//! back (503). Checks run on tokio's blocking threads, never on the threads
//! that answer requests.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Why a check did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolError {
    /// Every permit stayed taken for the whole wait.
    Busy,
    /// The check panicked (contained: the desk keeps serving).
    Failed,
}

#[derive(Debug, Clone)]
pub struct Pool {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl Pool {
    /// `size` checks at a time; a check waits at most `wait` for its turn.
    pub fn new(size: usize, wait: Duration) -> Pool {
        Pool {
            permits: Arc::new(Semaphore::new(size.max(1))),
            wait,
        }
    }

    /// Runs `work` on a blocking thread when a permit is free.
    ///
    /// # Errors
    /// [`PoolError::Busy`] after waiting in vain, [`PoolError::Failed`] when it
    /// panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| PoolError::Busy)?
            .map_err(|_| PoolError::Busy)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|_| PoolError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_pool_answers_busy_after_its_wait() {
        let pool = Pool::new(1, Duration::from_millis(50));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let long = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(move || wait.recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(|| 1).await, Err(PoolError::Busy));
        release.send(()).unwrap();
        assert_eq!(long.await.unwrap(), Ok(true));
        assert_eq!(pool.run(|| 2).await, Ok(2));
        assert_eq!(
            pool.run(|| -> i32 { panic!("contained") }).await,
            Err(PoolError::Failed)
        );
    }
}
