//! A long validate run (several files, many rows) from a script: the report on
//! stdout is the whole output, and stderr stays empty — the progress line is
//! for terminals only.

use assert_cmd::Command;
use crmsheet::template::{SheetKind, Template};
use std::path::{Path, PathBuf};

/// A CSV entry sheet of `rows` clean rows (pending, so no ID is needed),
/// names numbered from `first`, entered by `salesperson`.
fn entry_csv(dir: &Path, name: &str, first: usize, rows: usize, salesperson: &str) -> PathBuf {
    let template = Template::builtin();
    let def = template.sheet(SheetKind::Entry);
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(def.fields.iter().map(|f| f.header.zh.as_str()))
        .unwrap();
    for i in first..first + rows {
        let name = format!("明远{i}机械有限公司");
        let record = [
            "2026-11-30",
            salesperson,
            "",
            name.as_str(),
            "制造业",
            "王经理",
            "",
            "",
            "拜访，介绍产品",
            "",
            "潜在",
            "待审核",
            "",
            "",
        ];
        out.write_record(record).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, out.into_inner().unwrap()).unwrap();
    path
}

#[test]
fn a_long_run_writes_only_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let a = entry_csv(dir.path(), "a.csv", 0, 40_000, "张伟");
    let b = entry_csv(dir.path(), "b.csv", 40_000, 40_000, "张伟");
    // The same names again, entered by someone else: every row of c.csv is a
    // likely double entry of one of a.csv (by the same salesperson it would be
    // a.csv sent again, which is no duplicate).
    let c = entry_csv(dir.path(), "c.csv", 0, 20_000, "李强");
    let output = Command::new(env!("CARGO_BIN_EXE_crmsheet"))
        .args(["validate", "--format", "json", "--as-of", "2026-11-30"])
        .args([&a, &b, &c])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "warnings only");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["rows"], 100_000);
    assert_eq!(
        report["summary"]["by_rule"]["duplicate-customer"], 20_000,
        "each row of c.csv names the first a.csv row"
    );
    let first = &report["findings"][0];
    assert_eq!(first["file"], c.display().to_string());
    assert_eq!(first["cell"], "D2");
    assert!(first["message"]
        .as_str()
        .unwrap()
        .contains(&format!("{}!D2", a.display())));
}
