//! `crmsheet rules`: the registry table, generated from the code.

mod support;

use crmsheet::rules::Code;

#[test]
fn lists_every_rule_with_its_severity() {
    let dir = tempfile::tempdir().unwrap();
    let output = support::crmsheet(dir.path())
        .args(["rules", "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1 + Code::ALL.len(), "{stdout}");
    for (line, code) in lines[1..].iter().zip(Code::ALL) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], code.as_str());
        assert_eq!(words[1], code.severity().as_str());
        assert_eq!(words[2], code.family().as_str());
    }
    assert!(
        stdout.contains("pii ") && stdout.contains("mobile"),
        "{stdout}"
    );
}

#[test]
fn markdown_table_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let output = support::crmsheet(dir.path())
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("| 规则 | 级别 | 类别 | 说明 |\n|---|---|---|---|\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| `invalid-enum` | 错误 | 字段 | 值不在下拉列表中"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 2 + Code::ALL.len());
}

#[test]
fn the_chinese_table_has_no_english_columns() {
    let dir = tempfile::tempdir().unwrap();
    let output = support::crmsheet(dir.path()).arg("rules").output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let pii = stdout.lines().find(|l| l.starts_with("pii ")).unwrap();
    let words: Vec<&str> = pii.split_whitespace().collect();
    assert_eq!(words[1..3], ["错误", "隐私"], "{stdout}");
    for english in ["error", "warning", "structure", "fields", "privacy"] {
        assert!(!stdout.contains(english), "{english} in {stdout}");
    }
}
