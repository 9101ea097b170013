//! One crmsheet writer of the register at a time: an exclusive lock beside it.
//! (An office program that has it open is noticed by
//! [`crate::write::office`].)
//!
//! [`with_register_lock`] is the one place the lock is taken, so that it can be
//! swapped for the lock merge uses without touching its callers.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a writer waits for another one to finish before giving up.
const WAIT: Duration = Duration::from_secs(60);

/// Runs `f` while holding the register's exclusive write lock: a lock on the
/// hidden file `.NAME.crmsheet-lock` beside it, held by the operating system
/// (so a killed process never leaves it locked), and an in-process lock.
/// Other writers in this process or in others wait (another process up to a
/// minute).
///
/// # Errors
/// The lock file cannot be created, or the lock is not free within a minute;
/// whatever `f` returns.
pub fn with_register_lock<T>(register: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    // Threads of one process (the desk) queue here; a panic elsewhere leaves
    // nothing half-done that the lock guards, so a poisoned lock is still fine.
    static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = IN_PROCESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = lock_path(register);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("{}: cannot create the write lock", path.display()))?;
    let started = Instant::now();
    while !try_lock(&file)? {
        if started.elapsed() > WAIT {
            bail!(
                "{}: another crmsheet has been writing this register for over a minute; try again later",
                register.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The lock is released when `file` is closed, after `f`.
    let result = f();
    drop(file);
    result
}

/// `.NAME.crmsheet-lock` beside the register. It stays there (removing it would
/// race with a writer that has just opened it); it is empty.
pub fn lock_path(register: &Path) -> PathBuf {
    let name = register.file_name().unwrap_or_default().to_string_lossy();
    register.with_file_name(format!(".{name}.crmsheet-lock"))
}

#[cfg(unix)]
fn try_lock(file: &std::fs::File) -> Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(e) => Err(std::io::Error::from(e)).context("cannot lock the register"),
    }
}

/// Elsewhere only the in-process lock holds (the desk and CLI run on Unix).
#[cfg(not(unix))]
fn try_lock(_file: &std::fs::File) -> Result<bool> {
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_writer_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let register = dir.path().join("r.xlsx");
        let inside = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    with_register_lock(&register, || {
                        let n = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        assert_eq!(n, 0);
                        std::thread::sleep(Duration::from_millis(20));
                        inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(())
                    })
                    .unwrap();
                });
            }
        });
    }
}
