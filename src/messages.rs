//! The commands' own words, in both languages, in one place: the one-line
//! errors `main` prints, the lines on stderr about unreadable files, and what a
//! command says it did. (The rules' messages live with their rules.)
//!
//! Every error line has the form `crmsheet: PATH: cause` in both languages
//! (scripts and tests split on it); only the words change.
//!
//! An error is made here as a [`Said`], which holds both languages; `main`
//! picks the run's `--lang` when it prints it, so code deep in a command does
//! not need to know the language to fail in it.

use crate::lang::Lang;
use crate::read::ReadError;
use std::fmt;
use std::path::Path;

/// A message in both languages. As an error its `Display` is English (logs,
/// tests); [`error_line`] picks the run's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub zh: String,
    pub en: String,
}

impl Said {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Said {}

/// An error in both languages.
fn error(zh: String, en: String) -> anyhow::Error {
    anyhow::Error::new(Said::new(zh, en))
}

/// The line `main` prints for an error that stopped a command (after
/// `crmsheet: `): in `lang` when the error was made here, else as it is.
pub fn error_line(error: &anyhow::Error, lang: Lang) -> String {
    match error.downcast_ref::<Said>() {
        Some(said) => said.get(lang).to_string(),
        None => format!("{error:#}"),
    }
}

// ---------------------------------------------------------------- definition

/// The definition file is empty: most likely the shell created it for
/// `crmsheet schema > crmsheet.toml`, or the copy was never filled.
pub fn definition_empty(path: &Path) -> anyhow::Error {
    let p = path.display();
    error(
        format!(
            "{p}: 模板定义文件是空的。运行 `crmsheet schema > {p}` 填入内置定义后再修改，或删除该文件以使用内置定义"
        ),
        format!(
            "{p}: the template definition is empty; fill it with `crmsheet schema > {p}` and edit it, or delete it to use the built-in definition"
        ),
    )
}

/// The definition file cannot be read at all.
pub fn definition_unreadable(path: &Path, cause: &std::io::Error) -> anyhow::Error {
    let p = path.display();
    let (zh, en) = match cause.kind() {
        std::io::ErrorKind::NotFound => ("找不到该文件".to_string(), "file not found".to_string()),
        std::io::ErrorKind::InvalidData => {
            ("不是 UTF-8 文本".to_string(), "not UTF-8 text".to_string())
        }
        _ => (cause.to_string(), cause.to_string()),
    };
    error(
        format!("{p}: 无法读取模板定义：{zh}"),
        format!("{p}: cannot read template definition: {en}"),
    )
}

/// `crmsheet schema` could not use the local definition and prints the
/// built-in one instead.
pub fn definition_skipped(cause: &anyhow::Error, lang: Lang) -> String {
    let cause = error_line(cause, lang);
    match lang {
        Lang::Zh => format!("{cause}（因此输出的是内置定义）"),
        Lang::En => format!("{cause} (so the built-in definition is printed)"),
    }
}

// ---------------------------------------------------------------- inputs

/// Why a file could not be read, in `lang`, as one clause without a final stop:
/// the stderr line `crmsheet: PATH: …` and the `file-unreadable` message.
pub fn read_error(error: &ReadError, lang: Lang) -> String {
    match lang {
        Lang::En => error.to_string(),
        Lang::Zh => match error {
            ReadError::NotFound => "找不到该文件".to_string(),
            ReadError::Folder => "这是一个文件夹，不是文件".to_string(),
            ReadError::NotRegular => "不是普通文件（管道、设备或套接字，例如 <(…)）".to_string(),
            ReadError::PermissionDenied => {
                "没有读取权限（或文件正被 Excel 等程序占用）".to_string()
            }
            ReadError::Empty => "文件是空的（0 字节）".to_string(),
            ReadError::Io(e) => format!("无法打开该文件（{e}）"),
            ReadError::Encrypted => "文件设置了密码（已加密）".to_string(),
            ReadError::NotSpreadsheet => {
                "不是表格文件（应为 xlsx、xlsm、xls、xlsb、ods 或 csv）".to_string()
            }
            ReadError::Corrupt(e) => format!("文件已损坏或不完整（{e}）"),
            ReadError::TooLarge(e) => format!("文件过大，无法安全检查（{e}）"),
        },
    }
}

/// What to do about a file that could not be read, as one sentence.
pub fn read_error_advice(error: &ReadError, lang: Lang) -> &'static str {
    match error {
        ReadError::NotFound => lang.pick("请检查路径和文件名。", "Check the path and the name."),
        ReadError::Folder => lang.pick(
            "请给出其中的文件，例如 文件夹/*.xlsx。",
            "Give the files in it instead, such as folder/*.xlsx.",
        ),
        ReadError::NotRegular => lang.pick(
            "请先把它保存为文件，再检查那个文件。",
            "Save it to a file and check that.",
        ),
        ReadError::PermissionDenied => lang.pick(
            "请关闭占用它的程序，或检查文件权限后重试。",
            "Close the program that has it open, or check its permissions, and try again.",
        ),
        ReadError::Encrypted => lang.pick(
            "请取消密码后另存，再重新检查。",
            "Save it without a password and try again.",
        ),
        ReadError::Empty
        | ReadError::Io(_)
        | ReadError::NotSpreadsheet
        | ReadError::Corrupt(_)
        | ReadError::TooLarge(_) => lang.pick(
            "请在 Excel 或 WPS 中打开并另存为 xlsx 后重新检查。",
            "Open it in Excel or WPS, save it as xlsx and check it again.",
        ),
    }
}

/// `PATH: cause` for an input that could not be read, in both languages: the
/// error a command stops with.
pub fn unreadable(path: &dyn fmt::Display, cause: &ReadError) -> anyhow::Error {
    error(
        format!("{path}: {}", read_error(cause, Lang::Zh)),
        format!("{path}: {}", read_error(cause, Lang::En)),
    )
}

/// Prints `crmsheet: PATH: cause` on stderr for an input that could not be
/// read. A closed stderr must not stop the run (eprintln! would panic).
pub fn print_unreadable(path: &dyn fmt::Display, error: &ReadError, lang: Lang) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "crmsheet: {path}: {}",
        read_error(error, lang)
    );
}

// ---------------------------------------------------------------- outputs

pub fn output_is_folder(path: &Path) -> anyhow::Error {
    let p = path.display();
    error(
        format!("{p}: 这是一个文件夹，请给出要写入的文件名"),
        format!("{p}: is a folder, not a file"),
    )
}

pub fn output_exists(path: &Path) -> anyhow::Error {
    let p = path.display();
    error(
        format!("{p}: 文件已存在；如要覆盖，请加 --force"),
        format!("{p}: already exists; use --force to overwrite it"),
    )
}

pub fn output_folder_missing(out: &Path, dir: &Path) -> anyhow::Error {
    let (o, d) = (out.display(), dir.display());
    error(
        format!("{o}: 文件夹 {d} 不存在"),
        format!("{o}: the folder {d} does not exist"),
    )
}

/// An output workbook named as something else than xlsx.
pub fn not_xlsx(path: &Path) -> anyhow::Error {
    let p = path.display();
    let suggested = path.with_extension("xlsx");
    let s = suggested.display();
    error(
        format!("{p}: crmsheet 写出的是 xlsx 工作簿，文件名请以 .xlsx 结尾（例如 {s}）"),
        format!("{p}: crmsheet writes xlsx workbooks; give a name ending in .xlsx (such as {s})"),
    )
}

/// What was being done when an output could not be written.
#[derive(Debug, Clone, Copy)]
pub enum Writing {
    CreateTemp,
    Backup,
    Replace,
    /// Syncing the new file to disk before it is renamed into place.
    Sync,
    Workbook,
}

/// A one-line explanation of an I/O failure while writing `path`.
pub fn write_failed(path: &Path, doing: Writing, cause: &std::io::Error) -> anyhow::Error {
    let (doing_zh, doing_en) = match doing {
        Writing::CreateTemp => (
            "无法在此文件夹中创建文件",
            "cannot create a file in this folder",
        ),
        Writing::Backup => ("无法保留备份副本", "cannot keep a backup copy"),
        Writing::Replace => ("无法替换该文件", "cannot replace the file"),
        Writing::Sync => ("无法将文件写入磁盘", "cannot write the file to disk"),
        Writing::Workbook => ("无法写入工作簿", "cannot write the workbook"),
    };
    let (cause_zh, cause_en) = io_cause(cause);
    let p = path.display();
    error(
        format!("{p}: {doing_zh}：{cause_zh}"),
        format!("{p}: {doing_en}: {cause_en}"),
    )
}

/// An I/O failure's cause in words: (zh, en).
pub fn io_cause(cause: &std::io::Error) -> (String, String) {
    use std::io::ErrorKind;
    match cause.kind() {
        ErrorKind::PermissionDenied => (
            "没有写入权限（文件夹只读，或文件正被 Excel 等程序打开）".to_string(),
            "permission denied (read-only folder, or the file is open in another program such as Excel)"
                .to_string(),
        ),
        ErrorKind::StorageFull => ("磁盘已满".to_string(), "the disk is full".to_string()),
        ErrorKind::NotFound => (
            "文件夹不存在".to_string(),
            "the folder does not exist".to_string(),
        ),
        ErrorKind::InvalidFilename => (
            "文件名对此文件夹太长".to_string(),
            "the file name is too long for this folder".to_string(),
        ),
        _ => (cause.to_string(), cause.to_string()),
    }
}

/// The output is a FIFO, a device or a socket: writing there would hang or go
/// nowhere.
pub fn output_not_regular(out: &Path) -> anyhow::Error {
    let o = out.display();
    error(
        format!("{o}: 不是普通文件（管道、设备或套接字）；请另选一个文件名"),
        format!("{o}: is not a regular file (a pipe, device or socket); choose a file name"),
    )
}

/// The output would overwrite one of the files being read.
pub fn output_is_input(out: &Path) -> anyhow::Error {
    let o = out.display();
    error(
        format!("{o}: 这也是输入文件；合并从不覆盖输入文件（请用 -o 另选文件）"),
        format!("{o}: is also an input; merge never writes over an input (choose another -o)"),
    )
}

pub fn annotate_over_input(out: &Path) -> anyhow::Error {
    let o = out.display();
    error(
        format!("{o}: 这是正在检查的文件；批注副本必须另存为其他文件"),
        format!("{o}: is the file being checked; the annotated copy must be another file"),
    )
}

pub fn annotate_one_file() -> anyhow::Error {
    error(
        "--annotate 只为一个文件写批注副本，请只给出一个 FILE".to_string(),
        "--annotate writes the copy of one FILE; give exactly one".to_string(),
    )
}

/// A file changed between the two reads of a run: nothing was written.
pub fn changed_while_read(path: &dyn fmt::Display, merging: bool) -> anyhow::Error {
    let p = path;
    if merging {
        error(
            format!("{p}: 合并期间主表被修改（可能另有人同时在合并）；未写入任何文件，请重新运行 merge"),
            format!("{p}: the master changed while it was being merged (someone else merging at the same time?); nothing was written, run merge again"),
        )
    } else {
        error(
            format!("{p}: 检查期间该文件被修改；请重新运行 validate"),
            format!("{p}: the file changed while it was being checked; run validate again"),
        )
    }
}

/// A file that was read once could not be read again.
pub fn unreadable_again(path: &dyn fmt::Display, cause: &ReadError) -> anyhow::Error {
    let p = path;
    error(
        format!("{p}: 无法再次读取：{}", read_error(cause, Lang::Zh)),
        format!("{p}: cannot be read again: {cause}"),
    )
}

/// Writing the output failed partway (the old file, if any, is untouched).
pub fn not_written(path: &Path, cause: &anyhow::Error) -> anyhow::Error {
    let p = path.display();
    let (zh, en) = match cause.downcast_ref::<Said>() {
        Some(said) => (said.zh.clone(), said.en.clone()),
        None => (format!("{cause:#}"), format!("{cause:#}")),
    };
    error(
        format!("{p}: 写入失败：{zh}"),
        format!("{p}: could not be written: {en}"),
    )
}

/// The master's change log could not be read.
pub fn change_log_unreadable(path: &dyn fmt::Display, cause: &ReadError) -> anyhow::Error {
    let p = path;
    error(
        format!("{p}: 无法读取操作日志：{}", read_error(cause, Lang::Zh)),
        format!("{p}: the change log cannot be read: {cause}"),
    )
}

/// Every ID the pattern allows is taken.
pub fn no_id_left(next: &str, pattern: &str) -> anyhow::Error {
    error(
        format!("没有可用的客户ID了：{next} 不符合模板的 id_pattern {pattern}"),
        format!(
            "no customer ID is left: {next} does not match the template's id_pattern {pattern}"
        ),
    )
}

pub fn rows_out_of_range(rows: u32, max: u32) -> anyhow::Error {
    error(
        format!("--rows {rows}：必须在 2 到 {max} 之间（数据验证覆盖到的最后一行）"),
        format!("--rows {rows}: must be between 2 and {max} (the last row that validation covers)"),
    )
}

// ---------------------------------------------------------------- what was done

/// `generate`'s one line.
pub fn generated(
    path: &Path,
    template: &crate::template::Template,
    lang: Lang,
    rows: u32,
    protected: bool,
) -> String {
    let (p, name, version) = (path.display(), &template.name, &template.version);
    match lang {
        Lang::Zh => format!(
            "已写入 {p}: 模板 {name} v{version}（中文），数据验证覆盖第 2-{rows} 行{}",
            if protected {
                ""
            } else {
                "，未保护工作表"
            }
        ),
        Lang::En => format!(
            "wrote {p}: template {name} v{version} (en), validation on rows 2-{rows}{}",
            if protected { "" } else { ", not protected" }
        ),
    }
}

/// One line saying what `validate --annotate` wrote to `out`.
pub fn annotated(written: &crate::report::annotate::Written, out: &Path, lang: Lang) -> String {
    let (o, marked, listed, notes) = (out.display(), written.marked, written.listed, written.notes);
    let capped = notes < marked;
    match lang {
        Lang::Zh => format!(
            "已写入批注副本 {o}：{marked} 个单元格已标记，报告表列出 {listed} 条问题{}",
            if capped { format!("（仅前 {notes} 个单元格带批注）") } else { String::new() }
        ),
        Lang::En => format!(
            "wrote the annotated copy {o}: {marked} cells marked, {listed} findings on the report sheet{}",
            if capped { format!(" (notes on the first {notes} only)") } else { String::new() }
        ),
    }
}

/// Why a `--strict` run fails when the report holds warnings only.
pub fn strict_failed(warnings: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "没有错误，但有 {warnings} 个警告；因使用了 --strict，警告也按失败处理（退出码 1）"
        ),
        Lang::En => format!(
            "no errors, but {warnings} warning(s); with --strict, warnings fail the check too (exit 1)"
        ),
    }
}

/// The line after the report of a merge that errors stopped.
pub fn merge_refused(errors: usize, out: &Path, lang: Lang) -> String {
    let o = out.display();
    match lang {
        Lang::Zh => format!("合并已取消：发现 {errors} 个错误，未写入 {o}。请先修正后再合并。"),
        Lang::En => {
            format!(
                "merge refused: {errors} error(s); {o} was not written. Fix them and merge again."
            )
        }
    }
}

/// What a merge did, one line each: what was written, then only what happened
/// (no line of zeros), or that nothing changed.
pub fn merge_done(m: &crate::merge::Merged, lang: Lang) -> Vec<String> {
    let c = &m.counts;
    let log_rows = c.log_rows_kept + c.log_rows_added;
    let mut lines = vec![match lang {
        Lang::Zh => format!(
            "已写入 {}：录入表 {} 行，更新表 {} 行，操作日志 {log_rows} 行（新增 {} 行）",
            m.out.display(),
            c.entry_rows,
            c.update_rows,
            c.log_rows_added
        ),
        Lang::En => format!(
            "wrote {}: entry sheet {} rows, update sheet {} rows, change log {log_rows} rows ({} new)",
            m.out.display(),
            c.entry_rows,
            c.update_rows,
            c.log_rows_added
        ),
    }];
    if let Some(old) = &m.upgraded_from {
        lines.push(match lang {
            Lang::Zh => format!("客户总表已从模板版本 {old} 升级为当前版本"),
            Lang::En => {
                format!("the register was upgraded from template version {old} to the current one")
            }
        });
    }
    if c.new_customers > 0 {
        lines.push(match lang {
            Lang::Zh => format!("新客户（审核通过，已分配客户ID）：{}", c.new_customers),
            Lang::En => format!("new customers (approved, ID assigned): {}", c.new_customers),
        });
        for n in &m.new_customers {
            lines.push(format!(
                "  {}  {}  ({})",
                n.id,
                crate::report::text::printable(&n.name),
                crate::report::text::printable(&n.source)
            ));
        }
        let more = c.new_customers.saturating_sub(m.new_customers.len());
        if more > 0 {
            lines.push(match lang {
                Lang::Zh => format!("  ……另有 {more} 个，见操作日志"),
                Lang::En => format!("  … and {more} more, see the change log"),
            });
        }
    }
    let count = |lines: &mut Vec<String>, n: usize, zh: &str, en: &str| {
        if n > 0 {
            lines.push(match lang {
                Lang::Zh => format!("{zh}：{n}"),
                Lang::En => format!("{en}: {n}"),
            });
        }
    };
    count(
        &mut lines,
        c.new_pending,
        "新增待审核录入",
        "new entries pending review",
    );
    if c.updates_applied > 0 {
        lines.push(match lang {
            Lang::Zh => format!(
                "已应用更新：{}（变更字段 {} 个）",
                c.updates_applied, c.field_changes
            ),
            Lang::En => format!(
                "updates applied: {} ({} field changes)",
                c.updates_applied, c.field_changes
            ),
        });
    }
    let rest: [(usize, &str, &str); 8] = [
        (
            c.updates_carried,
            "待审核更新（保留在更新表）",
            "updates carried (pending)",
        ),
        (
            c.rejected_entries,
            "已驳回并移除的录入",
            "entries dropped (rejected)",
        ),
        (
            c.rejected_updates,
            "已驳回并移除的更新",
            "updates dropped (rejected)",
        ),
        (
            c.updates_unmatched,
            "未找到客户、保留在更新表的已通过更新",
            "approved updates whose customer was not found, kept on the update sheet",
        ),
        (
            c.already_present,
            "已在客户表中的录入（未重复添加）",
            "entries already in the register (not added again)",
        ),
        (
            c.reviews_taken_over,
            "  其中沿用审核结果",
            "  of which took over their review",
        ),
        (
            c.updates_skipped,
            "已应用过、跳过的更新",
            "updates skipped (already applied)",
        ),
        (
            c.decided_before,
            "已审核过的待审核行（未重新加入，沿用原审核结果）",
            "pending rows already decided in the register (not added again; the decision stands)",
        ),
    ];
    for (n, zh, en) in rest {
        count(&mut lines, n, zh, en);
    }
    // Nothing logged (no ID, update or rejection), nothing added: a re-merge.
    if c.log_rows_added == 0 && c.new_pending == 0 && m.upgraded_from.is_none() {
        lines.push(
            lang.pick(
                "没有新的变化：这些录入和更新都已在客户总表中。",
                "nothing new: these entries and updates are already in the register.",
            )
            .to_string(),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_printed_in_the_runs_language() {
        let e = changed_while_read(&"register.xlsx", true);
        let zh = error_line(&e, Lang::Zh);
        assert!(zh.starts_with("register.xlsx: 合并期间主表被修改"), "{zh}");
        assert!(zh.ends_with("请重新运行 merge"), "{zh}");
        assert!(error_line(&e, Lang::En).contains("the master changed"));
        // Errors not made here are printed as they are.
        let other = anyhow::anyhow!("outer").context("ctx");
        assert_eq!(error_line(&other, Lang::Zh), "ctx: outer");
    }
}
