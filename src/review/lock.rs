//! Who else is writing the register: one crmsheet writer at a time (an
//! exclusive lock beside it), and no write while an office program has it open
//! (the owner file Excel or WPS leaves, `~$NAME`, or LibreOffice's
//! `.~lock.NAME#`), since that program would later save its own copy over ours.
//!
//! [`with_register_lock`] is the one place the lock is taken, so that it can be
//! swapped for the lock merge uses without touching its callers.

use crate::lang::Lang;
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

/// The lock files office programs leave beside a file they have open.
pub fn office_lock_files(register: &Path) -> Vec<PathBuf> {
    let name = register.file_name().unwrap_or_default().to_string_lossy();
    let mut files = vec![
        register.with_file_name(format!("~${name}")),
        register.with_file_name(format!(".~lock.{name}#")),
    ];
    // Word and Excel shorten a long name by its first two characters.
    let short: String = name.chars().skip(2).collect();
    if name.chars().count() > 8 {
        files.push(register.with_file_name(format!("~${short}")));
    }
    files
}

/// When an office program has the register open: a one-line message in `lang`
/// naming who, when its lock file says so.
pub fn opened_elsewhere(register: &Path, lang: Lang) -> Option<String> {
    let lock = office_lock_files(register)
        .into_iter()
        .find(|p| p.symlink_metadata().is_ok())?;
    let lock_name = lock.file_name().unwrap_or_default().to_string_lossy();
    let who = std::fs::read(&lock)
        .ok()
        .and_then(|bytes| holder(&lock_name, &bytes));
    let path = register.display();
    Some(match (lang, who) {
        (Lang::Zh, Some(who)) => format!(
            "{path}：正被 {who} 在其他程序中打开（{lock_name}），未写入任何内容；请对方关闭文件后再试（若已无人打开，删除 {lock_name} 即可）"
        ),
        (Lang::Zh, None) => format!(
            "{path}：正在其他程序中打开（{lock_name}），未写入任何内容；请关闭文件后再试（若已无人打开，删除 {lock_name} 即可）"
        ),
        (Lang::En, Some(who)) => format!(
            "{path}: open in another program by {who} ({lock_name}); nothing was written; ask them to close it and try again (if nobody has it open, delete {lock_name})"
        ),
        (Lang::En, None) => format!(
            "{path}: open in another program ({lock_name}); nothing was written; close it and try again (if nobody has it open, delete {lock_name})"
        ),
    })
}

/// Who a lock file names. Office's `~$` owner file: a length byte, then the
/// user name in the system's code page (GBK on Chinese Windows). LibreOffice's
/// `.~lock.NAME#`: CSV `name,user,host,date,profile;`.
fn holder(lock_name: &str, bytes: &[u8]) -> Option<String> {
    let who = if lock_name.starts_with("~$") {
        let len = usize::from(*bytes.first()?);
        let raw = bytes.get(1..1 + len)?;
        match std::str::from_utf8(raw) {
            Ok(text) => text.to_string(),
            Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
        }
    } else {
        let text = String::from_utf8_lossy(bytes);
        let fields: Vec<&str> = text
            .trim_end_matches([';', '\n', '\r'])
            .split(',')
            .collect();
        let name = fields
            .iter()
            .take(2)
            .map(|f| f.trim())
            .find(|f| !f.is_empty())?
            .to_string();
        match fields.get(2).map(|h| h.trim()).filter(|h| !h.is_empty()) {
            Some(host) => format!("{name}@{host}"),
            None => name,
        }
    };
    let who: String = who.chars().filter(|c| !c.is_control()).collect();
    let who = who.trim();
    // A name in a message is still masked like every value crmsheet shows.
    (!who.is_empty()).then(|| crate::rules::privacy::mask(who).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_name_their_holder() {
        let mut office = vec![5u8];
        office.extend_from_slice(b"Li Na");
        office.resize(54, b' ');
        assert_eq!(holder("~$r.xlsx", &office).as_deref(), Some("Li Na"));
        let (gbk, _, _) = encoding_rs::GBK.encode("李娜");
        let mut office = vec![gbk.len() as u8];
        office.extend_from_slice(&gbk);
        assert_eq!(holder("~$r.xlsx", &office).as_deref(), Some("李娜"));
        let lo = b",lina,desk-7,03.12.2026 09:00,file:///home/lina/.config/libreoffice/4;";
        assert_eq!(holder(".~lock.r.xlsx#", lo).as_deref(), Some("lina@desk-7"));
        assert_eq!(holder(".~lock.r.xlsx#", b"").as_deref(), None);
        assert_eq!(holder("~$r.xlsx", &[]).as_deref(), None);
    }

    #[test]
    fn office_lock_beside_the_register_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let register = dir.path().join("register.xlsx");
        assert!(opened_elsewhere(&register, Lang::En).is_none());
        std::fs::write(dir.path().join(".~lock.register.xlsx#"), ",lina,pc,x;").unwrap();
        let msg = opened_elsewhere(&register, Lang::Zh).unwrap();
        assert!(msg.contains("lina@pc"), "{msg}");
    }

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
