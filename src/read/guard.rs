//! Containing panics of third-party parsers at the file boundary.
//!
//! calamine has known panics on malformed xls and xlsb files. A panic there must
//! become a plain "damaged file" error for that one file, and its message must not
//! reach the user's terminal. The process-wide panic hook therefore stays silent
//! while the panicking thread is inside [`contain_panics`], and behaves as before
//! everywhere else (a bug in crmsheet itself still prints its message).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many guarded regions this thread is inside (they may nest).
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
}

static INSTALL_HOOK: Once = Once::new();

/// Installs, once per process, a panic hook that is silent inside guarded
/// regions and defers to the hook that was in place before everywhere else.
fn install_quiet_hook() {
    INSTALL_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let guarded = GUARD_DEPTH.with(|depth| depth.get() > 0);
            if !guarded {
                previous(info);
            }
        }));
    });
}

/// Decrements the depth even when the guarded code unwinds.
struct DepthGuard;

impl DepthGuard {
    fn enter() -> DepthGuard {
        GUARD_DEPTH.with(|depth| depth.set(depth.get().saturating_add(1)));
        DepthGuard
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        GUARD_DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// Runs `work`; a panic inside it is caught silently and returned as its message
/// (one line).
///
/// Anything `work` had changed before panicking may be half-done: callers treat
/// the whole unit of work (one file) as failed.
///
/// # Errors
/// `Err(message)` when `work` panicked.
///
/// ```
/// let caught = crmsheet::read::contain_panics(|| -> u32 { panic!("bad record at 12") });
/// assert_eq!(caught, Err("bad record at 12".to_string()));
/// assert_eq!(crmsheet::read::contain_panics(|| 7), Ok(7));
/// ```
pub fn contain_panics<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    let result = {
        let _depth = DepthGuard::enter();
        panic::catch_unwind(AssertUnwindSafe(work))
    };
    result.map_err(|payload| {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_string()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "unexpected internal failure".to_string()
        };
        one_line(&message)
    })
}

/// Joins the lines of a message so that it prints as one line.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
