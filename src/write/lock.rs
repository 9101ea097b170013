//! One writer per register: a lock file beside it, held for the whole
//! read-decide-write of a merge (and of a review decision, and of the desk).
//!
//! Two merges into one register at once would each read the same master,
//! assign the same next ID to different customers, and the later rename would
//! silently drop the other's rows. So a run that writes a register first
//! creates `NAME.crmsheet-lock` beside it, exclusively (`O_EXCL`): it holds the
//! process id, the host and the start time. A second run finds it and is
//! refused, with nothing written. The lock file is removed when the run ends;
//! one left by a killed run (its process no longer alive on this host) is
//! recognised as stale and taken over, with a note on stderr.
//!
//! Also refused: a register open in Excel or WPS (an owner file `~$NAME`
//! beside it) or in LibreOffice (`.~lock.NAME#`), naming who has it open when
//! the owner file says so (DESK.md §4).

use crate::lang::Lang;
use anyhow::{anyhow, Result};
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

/// The lock file of `register`: `NAME.crmsheet-lock` beside it.
pub fn lock_path(register: &Path) -> PathBuf {
    let name = register.file_name().unwrap_or_default().to_string_lossy();
    // Within 255 bytes with the `.takeover` of a stale-lock takeover.
    let name = super::output::fit_name(&name, 220);
    register.with_file_name(format!("{name}.crmsheet-lock"))
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// When it started (UTC, RFC 3339).
    pub started: String,
}

impl Holder {
    fn me() -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
            started: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }

    fn text(&self) -> String {
        format!(
            "crmsheet register lock\npid={}\nhost={}\nstarted={}\n",
            self.pid, self.host, self.started
        )
    }

    fn parse(text: &str) -> Option<Holder> {
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::trim)
        };
        Some(Holder {
            pid: field("pid")?.parse().ok()?,
            host: field("host")?.to_string(),
            started: field("started").unwrap_or("?").to_string(),
        })
    }

    /// Whether the holder is certainly gone: a process of this host that no
    /// longer runs. A lock from another host is never called stale.
    fn is_gone(&self) -> bool {
        self.host == host_name() && !process_alive(self.pid)
    }
}

/// The lock on one register, held until dropped (the lock file is removed
/// then).
#[derive(Debug)]
pub struct RegisterLock {
    path: PathBuf,
    /// A note for the user when a stale lock was taken over.
    pub took_over: Option<String>,
}

impl RegisterLock {
    /// Takes the lock on `register` for this process.
    ///
    /// # Errors
    /// Another live run holds it, the register is open in an office program,
    /// or the lock file cannot be created (read-only folder). The message is in
    /// `lang` and says nothing was written.
    pub fn acquire(register: &Path, lang: Lang) -> Result<RegisterLock> {
        refuse_if_open_elsewhere(register, lang)?;
        let path = lock_path(register);
        let me = Holder::me();
        let mut took_over = None;
        for _ in 0..3 {
            match create_exclusive(&path, &me.text()) {
                Ok(()) => {
                    return Ok(RegisterLock { path, took_over });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(cannot_lock(register, &path, &e, lang)),
            }
            let text = read_small(&path).unwrap_or_default();
            let holder = Holder::parse(&text);
            match &holder {
                Some(h) if h.is_gone() => {
                    if take_over_stale(&path, &text) {
                        took_over = Some(match lang {
                            Lang::Zh => format!(
                                "{}：已接管失效的锁文件（进程 {} 已不在运行，始于 {}）",
                                path.display(),
                                h.pid,
                                h.started
                            ),
                            Lang::En => format!(
                                "{}: took over a stale lock (process {} is no longer running; it started {})",
                                path.display(),
                                h.pid,
                                h.started
                            ),
                        });
                        continue;
                    }
                    return Err(busy(register, &path, holder.as_ref(), lang));
                }
                // Being written this instant by its creator: look again.
                None if text.is_empty() => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    continue;
                }
                _ => return Err(busy(register, &path, holder.as_ref(), lang)),
            }
        }
        let holder = read_small(&path).and_then(|t| Holder::parse(&t));
        Err(busy(register, &path, holder.as_ref(), lang))
    }

    /// [`acquire`](Self::acquire), waiting up to `wait` while another run
    /// (another admin of the desk, a `review`) holds the lock: decisions queue
    /// rather than fail. An office program holding the file is not waited for.
    ///
    /// # Errors
    /// As [`acquire`](Self::acquire), once `wait` has passed.
    pub fn acquire_waiting(
        register: &Path,
        lang: Lang,
        wait: std::time::Duration,
    ) -> Result<RegisterLock> {
        let started = std::time::Instant::now();
        loop {
            match RegisterLock::acquire(register, lang) {
                Err(e) if e.is::<Locked>() && started.elapsed() < wait => {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                done => return done,
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RegisterLock {
    fn drop(&mut self) {
        // Only our own lock: a run that lost it to a takeover must not remove
        // the new holder's.
        let mine = read_small(&self.path)
            .and_then(|t| Holder::parse(&t))
            .is_some_and(|h| h.pid == std::process::id() && h.host == host_name());
        if mine {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Creates `path` only if it does not exist, with `text`, synced.
fn create_exclusive(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// Removes a stale lock whose content is `seen`, guarded so that two runs
/// taking over the same stale lock cannot remove each other's new one: only
/// the run that creates `LOCK.takeover` (exclusively) may remove it.
fn take_over_stale(path: &Path, seen: &str) -> bool {
    let mut guard_name = path.as_os_str().to_os_string();
    guard_name.push(".takeover");
    let guard = PathBuf::from(guard_name);
    if create_exclusive(&guard, &Holder::me().text()).is_err() {
        // A guard left by a run killed mid-takeover is stale itself.
        let stale_guard = read_small(&guard)
            .and_then(|t| Holder::parse(&t))
            .is_some_and(|h| h.is_gone());
        if !stale_guard {
            return false;
        }
        let _ = std::fs::remove_file(&guard);
        if create_exclusive(&guard, &Holder::me().text()).is_err() {
            return false;
        }
    }
    let still_stale = read_small(path).as_deref() == Some(seen);
    let removed = still_stale && std::fs::remove_file(path).is_ok();
    let _ = std::fs::remove_file(&guard);
    removed
}

fn read_small(path: &Path) -> Option<String> {
    let mut text = String::new();
    File::open(path)
        .ok()?
        .take(4096)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The error of a write refused because another run holds the register's lock.
#[derive(Debug)]
pub struct Locked(pub String);

impl std::fmt::Display for Locked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Locked {}

fn busy(register: &Path, lock: &Path, holder: Option<&Holder>, lang: Lang) -> anyhow::Error {
    let who = holder.map(|h| match lang {
        Lang::Zh => format!("进程 {}，主机 {}，始于 {}", h.pid, h.host, h.started),
        Lang::En => format!("process {} on {}, since {}", h.pid, h.host, h.started),
    });
    let message = match lang {
        Lang::Zh => format!(
            "{}：另一个 crmsheet 正在写入这个客户表（{}）；本次未写入任何内容，请等它完成后再试。如确认它已不在运行，请删除锁文件 {}",
            register.display(),
            who.unwrap_or_else(|| "锁文件无法读取".into()),
            lock.display()
        ),
        Lang::En => format!(
            "{}: another crmsheet is writing this register ({}); nothing was written. Try again when it has finished; if it is no longer running, delete the lock file {}",
            register.display(),
            who.unwrap_or_else(|| "lock file unreadable".into()),
            lock.display()
        ),
    };
    Locked(message).into()
}

fn cannot_lock(register: &Path, lock: &Path, e: &std::io::Error, lang: Lang) -> anyhow::Error {
    let (cause_zh, cause_en) = crate::messages::io_cause(e);
    match lang {
        Lang::Zh => anyhow!(
            "{}：无法创建锁文件 {}（{cause_zh}）；本次未写入任何内容",
            register.display(),
            lock.display()
        ),
        Lang::En => anyhow!(
            "{}: cannot create the lock file {} ({cause_en}); nothing was written",
            register.display(),
            lock.display()
        ),
    }
}

/// Refuses a register open in Excel/WPS (`~$NAME`) or LibreOffice
/// (`.~lock.NAME#`), naming who has it open when the owner file says so.
fn refuse_if_open_elsewhere(register: &Path, lang: Lang) -> Result<()> {
    match super::office::opened_elsewhere(register, lang) {
        Some(message) => Err(super::office::OpenElsewhere(message).into()),
        None => Ok(()),
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Whether process `pid` runs on this machine. Where that cannot be told
/// (no /proc), it is assumed to run: a lock is never taken from a live run.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    if pid == std::process::id() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_writers_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let register = dir.path().join("r.xlsx");
        let inside = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let wait = std::time::Duration::from_secs(60);
                    let lock = RegisterLock::acquire_waiting(&register, Lang::En, wait).unwrap();
                    let n = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    assert_eq!(n, 0);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    drop(lock);
                });
            }
        });
        assert!(!lock_path(&register).exists());
    }

    #[test]
    fn a_second_lock_is_refused_and_a_stale_one_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let register = dir.path().join("r.xlsx");
        let lock = RegisterLock::acquire(&register, Lang::En).unwrap();
        assert!(lock.path().exists());
        let held = std::fs::read_to_string(lock.path()).unwrap();
        assert!(held.contains(&format!("pid={}", std::process::id())));
        let err = RegisterLock::acquire(&register, Lang::En).unwrap_err();
        assert!(
            err.to_string().contains("another crmsheet is writing"),
            "{err}"
        );
        let err = RegisterLock::acquire(&register, Lang::Zh).unwrap_err();
        assert!(err.to_string().contains("另一个 crmsheet"), "{err}");
        drop(lock);
        assert!(!lock_path(&register).exists());

        // A lock left by a process that no longer runs.
        let dead = Holder {
            pid: u32::MAX - 1,
            host: host_name(),
            started: "2026-01-01T00:00:00Z".into(),
        };
        std::fs::write(lock_path(&register), dead.text()).unwrap();
        let lock = RegisterLock::acquire(&register, Lang::En).unwrap();
        assert!(lock.took_over.as_deref().unwrap().contains("stale"));
        drop(lock);

        // One from another host is never taken.
        let other = Holder {
            host: "elsewhere".into(),
            ..dead
        };
        std::fs::write(lock_path(&register), other.text()).unwrap();
        let err = RegisterLock::acquire(&register, Lang::En).unwrap_err();
        assert!(err.to_string().contains("on elsewhere"), "{err}");
    }

    #[test]
    fn an_office_owner_file_refuses_naming_who() {
        let dir = tempfile::tempdir().unwrap();
        let register = dir.path().join("r.xlsx");
        std::fs::write(
            dir.path().join(".~lock.r.xlsx#"),
            ",李娜,PC-7,03.12.2026 09:00,file:///home/lina/.config/libreoffice/4;",
        )
        .unwrap();
        let err = RegisterLock::acquire(&register, Lang::En).unwrap_err();
        assert!(
            err.to_string().contains("open in another program by 李娜"),
            "{err}"
        );
        assert!(err.is::<super::super::office::OpenElsewhere>());
        assert!(!lock_path(&register).exists());
    }
}
