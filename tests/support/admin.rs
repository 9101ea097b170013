//! The admin's files for the desk's tests: a register made by merge from
//! workbooks, and an inbox folder.

use super::{approved, approved_long_ago, entry, update, Book, AS_OF};
use crmsheet::lang::Lang;
use crmsheet::merge::{self, MergeOutcome};
use crmsheet::template::Template;
use crmsheet::value::parse_as_of;
use std::path::{Path, PathBuf};

/// Merges `books` (written into `dir` under the names given) into a new
/// register `dir/register.xlsx`.
pub fn register_from(dir: &Path, books: &[(&str, Book)]) -> PathBuf {
    let inputs: Vec<PathBuf> = books.iter().map(|(name, b)| b.write(dir, name)).collect();
    let out = dir.join("register.xlsx");
    let outcome = merge::merge(
        &Template::builtin(),
        &merge::Options {
            master: None,
            inputs: &inputs,
            out: &out,
            force: true,
            as_of: parse_as_of(AS_OF).unwrap(),
            lang: Lang::Zh,
        },
    )
    .expect("merge");
    assert!(matches!(outcome, MergeOutcome::Merged(_)), "{outcome:?}");
    out
}

/// The week's register of the admin stories: two approved customers (one
/// stale), two new entries pending review, one pending update.
pub fn week() -> Book {
    Book::new()
        .entries(week_entries())
        .updates([update("C0001")])
}

/// [`week`] with a third pending entry that has an error (an industry that
/// is no option), written as the register itself (merge would refuse it).
pub fn week_with_error(dir: &Path) -> PathBuf {
    week()
        .entries([entry("坏行业公司").set("industry", "制造")])
        .write(dir, "register.xlsx")
}

fn week_entries() -> Vec<super::Rec> {
    vec![
        approved("C0001", "明远机械"),
        approved_long_ago("C0002", "华东电子"),
        entry("星河贸易"),
        entry("青山化工").set("salesperson", "李强"),
    ]
}

/// A sorted list of the register's entry rows: `(ID, name, review status)`.
pub fn entries(register: &Path) -> Vec<(String, String, String)> {
    let rows = super::sheet_text(register, "客户信息录入表");
    let header = rows
        .iter()
        .position(|r| r.iter().any(|c| c.starts_with("客户ID")))
        .expect("header row");
    let col = |name: &str| {
        rows[header]
            .iter()
            .position(|c| c.contains(name))
            .unwrap_or_else(|| panic!("{name} in {:?}", rows[header]))
    };
    let (id, name, status) = (col("客户ID"), col("客户名称"), col("审核状态"));
    rows[header + 1..]
        .iter()
        .filter(|r| r.len() > name && !r[name].is_empty())
        .map(|r| {
            let at = |i: usize| r.get(i).cloned().unwrap_or_default();
            (at(id), at(name), at(status))
        })
        .collect()
}

/// The register's change log rows as text (header first).
pub fn change_log(register: &Path) -> Vec<Vec<String>> {
    let names = super::sheet_names(register);
    let log = names
        .iter()
        .find(|n| n.as_str() == "操作日志" || n.as_str() == "Change log")
        .expect("change log sheet");
    super::sheet_text(register, log)
}
