//! Whether an office program has a file open: Excel and WPS leave an owner file
//! `~$NAME` beside it, LibreOffice `.~lock.NAME#`. Writing over such a file is
//! refused, since that program would later save its own copy over ours; the
//! message names who has it open when the lock file says so.

use crate::lang::Lang;
use std::path::{Path, PathBuf};

/// The lock files office programs leave beside a file they have open.
pub fn office_lock_files(register: &Path) -> Vec<PathBuf> {
    let name = register.file_name().unwrap_or_default().to_string_lossy();
    let mut files = vec![
        register.with_file_name(format!("~${name}")),
        register.with_file_name(format!(".~lock.{name}#")),
    ];
    // Word and Excel shorten a name longer than seven characters by its first
    // two.
    let short: String = name.chars().skip(2).collect();
    if name.chars().count() > 7 {
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

/// The error of a write refused because an office program has the file open.
#[derive(Debug)]
pub struct OpenElsewhere(pub String);

impl std::fmt::Display for OpenElsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpenElsewhere {}

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
    (!who.is_empty()).then(|| crate::privacy::mask(who).into_owned())
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
}
