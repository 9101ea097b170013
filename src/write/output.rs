//! Writing an output file without losing anything: refuse an existing file unless
//! forced, write to a temporary file beside the target, then rename it into place.
//! A crash or a kill mid-write leaves the previous file as it was.

use crate::messages::{self, Writing};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Fails unless `path` is free or `force` is set. Called before any work starts so
/// that a long run does not end in a refusal.
///
/// # Errors
/// `path` exists (or is a folder) and `force` is not set.
pub fn ensure_writable(path: &Path, force: bool) -> Result<()> {
    if path.is_dir() {
        return Err(messages::output_is_folder(path));
    }
    if path.exists() && !force {
        return Err(messages::output_exists(path));
    }
    Ok(())
}

/// Fails when `path` does not end in `.xlsx`: crmsheet writes xlsx workbooks
/// only, and under another name (`.xls`, `.ods`, `.csv`, none) the file would
/// not open, or open as something it is not. Refused rather than renamed, so
/// the file is always where the user said.
///
/// # Errors
/// As described.
pub fn ensure_xlsx_name(path: &Path) -> Result<()> {
    let is_xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        Ok(())
    } else {
        Err(messages::not_xlsx(path))
    }
}

/// Fails when the folder OUT goes into does not exist, before any work is done.
///
/// # Errors
/// As described.
pub fn ensure_folder(out: &Path) -> Result<()> {
    match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err(messages::output_folder_missing(out, dir))
        }
        _ => Ok(()),
    }
}

/// Size and modification time, to notice a file that changes between reads.
pub fn file_state(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `name` cut to at most `bytes` bytes, at a character boundary: for names
/// made from it that must stay within the file system's 255 bytes.
pub fn fit_name(name: &str, bytes: usize) -> &str {
    if name.len() <= bytes {
        return name;
    }
    let mut end = bytes;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// `OUT.bak` beside `OUT`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Writes `path` through `write`, which receives a temporary path in the same
/// folder; then renames it into place. With `keep_backup`, a file being replaced is
/// kept as `OUT.bak`.
///
/// # Errors
/// The target exists without `force`, the folder is read-only or full, `write`
/// fails, or the target is locked (open in Excel on Windows). In every case the
/// temporary file is removed and the old target is untouched.
pub fn write_atomically(
    path: &Path,
    force: bool,
    keep_backup: bool,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    write_atomically_checked(path, force, keep_backup, write, || Ok(()))
}

/// [`write_atomically`], with `check` run right before the rename (after the
/// long write): a merge makes sure there that its master did not change.
///
/// The new file is synced before it is renamed into place and the folder
/// after, so a power cut leaves the old file or the new one, never an empty
/// one. `OUT.bak` is made by renaming a new name into place (a hard link to
/// the old OUT, or a synced copy where links are not possible), never by
/// writing into whatever `OUT.bak` is: a symlink or hard link there to some
/// other file (an input) is replaced, not written through.
///
/// # Errors
/// As [`write_atomically`]; whatever `check` returns (nothing is replaced then).
pub fn write_atomically_checked(
    path: &Path,
    force: bool,
    keep_backup: bool,
    write: impl FnOnce(&Path) -> Result<()>,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    ensure_writable(path, force)?;
    refuse_special(path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The temporary names add up to 16 bytes to OUT's; a name near the
    // 255-byte limit of most file systems is shortened in them.
    let stem = path
        .file_name()
        .map(|n| fit_name(&n.to_string_lossy(), 200).to_string())
        .unwrap_or_default();
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| messages::write_failed(&dir, Writing::CreateTemp, &e))?;
    // The writer opens the path itself; the handle only reserves the name and
    // removes the file again if anything below fails.
    write(temp.path()).map_err(|e| messages::not_written(path, &e))?;
    keep_usual_permissions(temp.path(), path);
    std::fs::File::open(temp.path())
        .and_then(|f| f.sync_all())
        .map_err(|e| messages::write_failed(path, Writing::Sync, &e))?;
    check()?;
    if keep_backup && path.is_file() {
        keep_backup_of(path, &dir, &stem)?;
        sync_folder(&dir);
    }
    temp.persist(path)
        .map_err(|e| messages::write_failed(path, Writing::Replace, &e.error))?;
    sync_folder(&dir);
    Ok(())
}

/// Makes `OUT.bak` the file now at `path`, by a new name renamed into place.
fn keep_backup_of(path: &Path, dir: &Path, stem: &str) -> Result<()> {
    let cannot = |e| messages::write_failed(path, Writing::Backup, &e);
    let staged = tempfile::Builder::new()
        .prefix(&format!(".{stem}.bak."))
        .suffix(".tmp")
        .make_in(dir, |p| std::fs::hard_link(path, p));
    let staged = match staged {
        Ok(linked) => linked.into_temp_path(),
        // No hard links here (some network or FAT drives): a synced copy.
        Err(_) => {
            let copy = tempfile::Builder::new()
                .prefix(&format!(".{stem}.bak."))
                .suffix(".tmp")
                .tempfile_in(dir)
                .map_err(cannot)?;
            let mut from = std::fs::File::open(path).map_err(cannot)?;
            let mut to = copy.as_file();
            std::io::copy(&mut from, &mut to).map_err(cannot)?;
            to.sync_all().map_err(cannot)?;
            copy.into_temp_path()
        }
    };
    staged
        .persist(backup_path(path))
        .map_err(|e| cannot(e.error))?;
    Ok(())
}

/// Syncs a folder, so that a rename in it survives a power cut. Best effort:
/// not every system can open a folder for that.
fn sync_folder(dir: &Path) {
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
}

/// Refuses an output path that is neither a regular file nor free (a FIFO, a
/// device, a socket): writing there would hang or go nowhere.
///
/// # Errors
/// As described.
pub fn refuse_special(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => Err(messages::output_not_regular(path)),
        _ => Ok(()),
    }
}

/// A writer for a library that must not see an I/O error mid-way: the first
/// one is kept and later writes are swallowed, so the library finishes
/// without complaint (the zip writer otherwise prints a raw `ZipWriter::drop`
/// line on stderr) and the caller reports the error in words.
pub struct SoftWriter<W: std::io::Write> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> SoftWriter<W> {
    pub fn new(inner: W) -> SoftWriter<W> {
        SoftWriter { inner, error: None }
    }

    /// Flushes; the first error met, if any.
    ///
    /// # Errors
    /// As described.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.error.is_none() {
            if let Err(e) = self.inner.flush() {
                self.error = Some(e);
            }
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.inner),
        }
    }
}

impl<W: std::io::Write> std::io::Write for SoftWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.error.is_none() {
            if let Err(e) = self.inner.write_all(buf) {
                self.error = Some(e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.error.is_none() {
            if let Err(e) = self.inner.flush() {
                self.error = Some(e);
            }
        }
        Ok(())
    }
}

/// Temporary files are created private (0600); the output should get the mode of
/// the file it replaces, or what any new file in the folder would get.
#[cfg(unix)]
fn keep_usual_permissions(temp: &Path, target: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = match std::fs::metadata(target) {
        Ok(existing) => existing.permissions().mode(),
        Err(_) => 0o666 & !current_umask(),
    };
    // Best effort: a file that stays private is still a correct output.
    let _ = std::fs::set_permissions(temp, std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn keep_usual_permissions(_temp: &Path, _target: &Path) {}

/// The process umask, read from /proc where available (reading it otherwise needs
/// a call that changes it).
#[cfg(unix)]
fn current_umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_existing_without_force_and_keeps_backup_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        write_atomically(&out, false, false, |p| Ok(std::fs::write(p, "one")?)).unwrap();
        let err = write_atomically(&out, false, false, |p| Ok(std::fs::write(p, "two")?));
        assert!(err.unwrap_err().to_string().contains("--force"));
        write_atomically(&out, true, true, |p| Ok(std::fs::write(p, "two")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(backup_path(&out)).unwrap(), "one");
    }

    #[cfg(unix)]
    #[test]
    fn output_is_not_left_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        write_atomically(&out, false, false, |p| Ok(std::fs::write(p, "x")?)).unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !current_umask());
        assert_ne!(mode, 0o600);
    }

    #[test]
    fn failed_write_leaves_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        std::fs::write(&out, "old").unwrap();
        let err = write_atomically(&out, true, false, |p| {
            std::fs::write(p, "half")?;
            anyhow::bail!("crash")
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
