//! Faults and hostile input, round two: a tiny file multiplying findings, a
//! concurrent merge into one register, a backup path that is a link, a FIFO
//! as input or output, dates and row numbers at the edges of their types,
//! control characters in cell values.

mod hostile_files;
mod support;

use crmsheet::lang::Lang;
use crmsheet::template::{SheetKind, Template};
use hostile_files::*;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use tempfile::TempDir;

/// The memory the desk gives a check (DESK §5): the address space of a run.
const DESK_LIMIT: u64 = 512 << 20;

fn headers(kind: SheetKind) -> Vec<String> {
    let t = Template::builtin();
    t.sheet(kind)
        .fields
        .iter()
        .map(|f| f.display_header(Lang::Zh))
        .collect()
}

fn sheet_name(kind: SheetKind) -> String {
    Template::builtin().sheet(kind).name.zh.clone()
}

/// A row of `kind` with `values` by field key, the rest empty.
fn row_of(kind: SheetKind, values: &[(&str, &str)]) -> Vec<String> {
    let t = Template::builtin();
    t.sheet(kind)
        .fields
        .iter()
        .map(|f| {
            values
                .iter()
                .find(|(k, _)| *k == f.key)
                .map_or(String::new(), |(_, v)| v.to_string())
        })
        .collect()
}

/// An ods sheet: the header row, then `row` repeated `times` times.
fn ods_bomb_sheet(kind: SheetKind, row: &[String], times: u32) -> String {
    let heads = headers(kind);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let refs: Vec<&str> = row.iter().map(String::as_str).collect();
    let data = ods_row(&refs).replacen(
        "<table:table-row>",
        &format!(r#"<table:table-row table:number-rows-repeated="{times}">"#),
        1,
    );
    assert!(data.contains("number-rows-repeated"), "{data}");
    ods_table(&sheet_name(kind), &format!("{}{data}", ods_row(&head_refs)))
}

/// One bad entry row and one update naming an unknown customer, each repeated
/// `times` times: about 12 findings per entry row, one per update row.
fn finding_bomb(times: u32) -> Vec<u8> {
    let entry = row_of(
        SheetKind::Entry,
        &[
            ("entry_date", "2026-13-45"),
            ("customer_id", "C001"),
            ("customer_name", "明远13812345678"),
            ("industry", "制造"),
            ("contact", "=HYPERLINK(1)"),
            ("position", "a@example.com"),
            ("interaction", "-cmd"),
            ("needs", "+x"),
            ("customer_status", "活跃"),
            ("review_status", "已通过"),
            ("review_date", "2099-01-01"),
        ],
    );
    let update = row_of(
        SheetKind::Update,
        &[
            ("update_date", "2026-11-20"),
            ("salesperson", "张伟"),
            ("customer_id", "C999"),
            ("contact", "赵主任"),
            ("update_reason", "联系人离职"),
            ("maintenance_type", "联系人变更"),
            ("review_status", "待审核"),
        ],
    );
    let body = format!(
        "{}{}",
        ods_bomb_sheet(SheetKind::Entry, &entry, times),
        ods_bomb_sheet(SheetKind::Update, &update, times)
    );
    ods_bytes(&body)
}

struct Limited {
    code: i32,
    stdout: String,
    stderr: String,
}

/// crmsheet in `dir` under an address-space limit of `bytes`.
fn run_within(dir: &Path, bytes: u64, args: &[&str]) -> Limited {
    let output = Command::new("prlimit")
        .arg(format!("--as={bytes}"))
        .arg(env!("CARGO_BIN_EXE_crmsheet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CRMSHEET_SCHEMA")
        .output()
        .expect("prlimit (util-linux) runs crmsheet");
    Limited {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_row_repeated_a_million_times_is_counted_within_the_desk_memory() {
    let dir = TempDir::new().unwrap();
    let bytes = finding_bomb(1_048_575);
    assert!(bytes.len() < 4096, "{}", bytes.len());
    std::fs::write(dir.path().join("bomb.ods"), bytes).unwrap();
    let start = Instant::now();
    let run = run_within(
        dir.path(),
        DESK_LIMIT,
        &[
            "validate",
            "bomb.ods",
            "--format",
            "json",
            "--as-of",
            "2026-11-30",
        ],
    );
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = 1_048_575u64;
    assert_eq!(json["summary"]["rows"], 2 * rows);
    let by_rule = &json["summary"]["by_rule"];
    let omitted = &json["files"][0]["omitted"];
    let kept = crmsheet::rules::KEPT_PER_RULE as u64;
    for rule in [
        "invalid-date",
        "invalid-enum",
        "future-date",
        "unknown-customer",
    ] {
        assert_eq!(by_rule[rule], rows, "{rule}: {by_rule}");
        assert_eq!(omitted[rule], rows - kept, "{rule}: {omitted}");
        let listed = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count() as u64;
        assert_eq!(listed, kept, "{rule}");
    }
    // The first ones are kept at their cells.
    let first = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "invalid-date")
        .unwrap();
    assert_eq!(first["cell"], "A2");
    assert_eq!(by_rule["duplicate-id"], rows - 1);
    let total: u64 = by_rule
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        json["summary"]["omitted"].as_u64().unwrap(),
        total - json["findings"].as_array().unwrap().len() as u64
    );
    eprintln!("bomb: {:?}", start.elapsed());
}

#[test]
fn the_text_report_says_how_many_more_like_this() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("bomb.ods"), finding_bomb(1_500)).unwrap();
    let run = run_within(
        dir.path(),
        DESK_LIMIT,
        &[
            "validate",
            "bomb.ods",
            "--as-of",
            "2026-11-30",
            "--lang",
            "en",
        ],
    );
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stdout
            .contains("  … and 500 more like this (error invalid-date), counted but not listed\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches(" invalid-date ").count(),
        crmsheet::rules::KEPT_PER_RULE as usize
    );
}
