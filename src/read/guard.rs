//! Containing panics of third-party parsers at the file boundary.
//!
//! calamine has known panics on malformed xls and xlsb files. A panic there must
//! become a plain "damaged file" error for that one file, and its message must not
//! reach the user's terminal. The process-wide panic hook therefore stays silent
//! while the panicking thread is inside [`contain_panics`], and behaves as before
//! everywhere else (a bug in crmsheet itself still prints its message).
//!
//! A panic inside a guarded region is still told apart by where it happened:
//! in a library (a malformed file) or in crmsheet's own code (a bug to report).
//! The fuzz target relies on that to find crmsheet's own bugs.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::ReadError;

thread_local! {
    /// How many guarded regions this thread is inside (they may nest).
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// `file:line` of the last panic caught in a guarded region on this thread.
    static LAST_LOCATION: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
}

static INSTALL_HOOK: Once = Once::new();

/// Installs, once per process, a panic hook that is silent inside guarded
/// regions and defers to the hook that was in place before everywhere else.
fn install_quiet_hook() {
    INSTALL_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let guarded = GUARD_DEPTH.with(|depth| depth.get() > 0);
            if guarded {
                let location = info.location().map(|l| (l.file().to_string(), l.line()));
                LAST_LOCATION.with(|last| *last.borrow_mut() = location);
            } else {
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
    LAST_LOCATION.with(|last| last.borrow_mut().take());
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

/// Where the last panic caught by [`contain_panics`] on this thread happened,
/// as `src/…:line`, when it was in crmsheet's own code rather than in a library
/// or the standard library.
pub(crate) fn own_panic_location() -> Option<String> {
    // This file's path as the compiler saw it ends in `src/read/guard.rs`; what
    // comes before is the crate's root, relative or absolute depending on how
    // the crate was built. Library sources live elsewhere (the cargo registry,
    // the toolchain), so a location under this root is crmsheet's own.
    let root = file!()
        .replace('\\', "/")
        .strip_suffix("src/read/guard.rs")?
        .to_string();
    LAST_LOCATION.with(|last| {
        let (file, line) = last.borrow().clone()?;
        let file = file.replace('\\', "/");
        let inside = file.strip_prefix(&root)?;
        inside
            .starts_with("src/")
            .then(|| format!("{inside}:{line}"))
    })
}

/// What a contained panic's message means, in words a user can act on: the
/// message itself (`index out of bounds: the len is 4 but the index is 4`) is
/// for developers and is never shown.
pub(crate) fn describe_panic(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("out of bounds")
        || m.contains("out of range")
        || m.contains("range end index")
        || m.contains("range start index")
        || m.contains("too short")
        || m.contains("end of file")
    {
        "a record or part of it is shorter than it claims"
    } else if m.contains("capacity") || m.contains("alloc") {
        "it claims more data than could be held"
    } else if m.contains("overflow") || m.contains("underflow") {
        "a size, count or position in it is out of range"
    } else if m.contains("utf-8") || m.contains("char boundary") || m.contains("utf8") {
        "a text in it is not valid text"
    } else if m.contains("unwrap") || m.contains("expect") {
        "a part it needs is missing or unreadable"
    } else {
        "its data is malformed"
    }
}

/// The error for a contained panic inside a spreadsheet library.
pub(crate) fn library_panic(message: &str) -> ReadError {
    ReadError::Corrupt(format!(
        "the spreadsheet library stopped on malformed data in it ({})",
        describe_panic(message)
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_panics_are_told_from_panics_elsewhere() {
        let empty: Vec<u8> = Vec::new();
        let index = empty.len() + 3;
        assert!(contain_panics(|| empty[index]).is_err());
        let location = own_panic_location().expect("a panic in crmsheet's own code");
        assert!(location.starts_with("src/read/guard.rs:"), "{location}");
        // A panic raised inside the standard library (not at a call site here).
        assert!(contain_panics(|| Vec::<u64>::with_capacity(usize::MAX)).is_err());
        assert_eq!(own_panic_location(), None);
    }

    #[test]
    fn panics_are_described_in_words() {
        assert_eq!(
            describe_panic("index out of bounds: the len is 4 but the index is 4"),
            "a record or part of it is shorter than it claims"
        );
        assert_eq!(
            describe_panic("attempt to subtract with overflow"),
            "a size, count or position in it is out of range"
        );
        assert_eq!(
            describe_panic("capacity overflow"),
            "it claims more data than could be held"
        );
        assert_eq!(describe_panic("something else"), "its data is malformed");
    }
}
