//! Faults and hostile input, round two: a tiny file multiplying findings, a
//! concurrent merge into one register, a backup path that is a link, a FIFO
//! as input or output, dates and row numbers at the edges of their types,
//! control characters in cell values.

mod hostile_files;
mod support;

use crmsheet::lang::Lang;
use crmsheet::template::{SheetKind, Template};
use hostile_files::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tempfile::TempDir;

/// The memory the desk gives a check (DESK §5): the address space of a run.
const DESK_LIMIT: u64 = 512 << 20;

/// An ods sheet: the header row, then `row` repeated `times` times.
fn ods_bomb_sheet(kind: SheetKind, row: &[String], times: u32) -> String {
    let heads = support::headers_in(kind, Lang::Zh);
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let refs: Vec<&str> = row.iter().map(String::as_str).collect();
    let data = ods_row(&refs).replacen(
        "<table:table-row>",
        &format!(r#"<table:table-row table:number-rows-repeated="{times}">"#),
        1,
    );
    assert!(data.contains("number-rows-repeated"), "{data}");
    ods_table(
        &support::sheet_name_in(kind, Lang::Zh),
        &format!("{}{data}", ods_row(&head_refs)),
    )
}

/// One bad entry row and one update naming an unknown customer, each repeated
/// `times` times: about 12 findings per entry row, one per update row.
fn finding_bomb(times: u32) -> Vec<u8> {
    let entry = support::row_by_key(
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
    let update = support::row_by_key(
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

/// crmsheet in `dir`, without limits.
fn crmsheet_in(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crmsheet"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CRMSHEET_SCHEMA");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Limited {
    let out = crmsheet_in(dir, args).output().unwrap();
    Limited {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An input of `n` new customers approved without ID, named after `tag`.
fn new_customers(dir: &Path, tag: &str, n: usize) -> String {
    let name = format!("{tag}.xlsx");
    support::Book::new()
        .entries((0..n).map(|i| support::approved_new(&format!("{tag}{i}机械有限公司"))))
        .write(dir, &name);
    name
}

/// Customer names and IDs of a register's entry sheet.
fn register_rows(path: &Path) -> Vec<(String, String)> {
    let t = Template::builtin();
    let def = t.sheet(SheetKind::Entry);
    let rows = support::sheet_text(path, &def.name.zh);
    let id = def.field_index("customer_id").unwrap();
    let name = def.field_index("customer_name").unwrap();
    rows.iter()
        .skip(1)
        .map(|r| {
            let get = |i: usize| r.get(i).cloned().unwrap_or_default();
            (get(name), get(id))
        })
        .collect()
}

#[test]
fn two_merges_into_one_register_at_once_one_wins_the_other_is_refused() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let base = new_customers(d, "基础", 3);
    let run = run_in(
        d,
        &["merge", &base, "-o", "base.xlsx", "--as-of", "2026-11-30"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Inputs large enough that the two runs overlap.
    let a = new_customers(d, "甲", 400);
    let b = new_customers(d, "乙", 400);
    let args = |input: &str| -> Vec<String> {
        [
            "merge",
            input,
            "--master",
            "r.xlsx",
            "-o",
            "r.xlsx",
            "--force",
            "--as-of",
            "2026-11-30",
            "--lang",
            "en",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for round in 0..20 {
        std::fs::copy(d.join("base.xlsx"), d.join("r.xlsx")).unwrap();
        let _ = std::fs::remove_file(d.join("r.xlsx.bak"));
        let first = if round % 2 == 0 { &a } else { &b };
        let second = if round % 2 == 0 { &b } else { &a };
        let one = crmsheet_in(d, &[]).args(args(first)).output_async();
        let two = crmsheet_in(d, &[]).args(args(second)).output_async();
        let (one, two) = (
            one.wait_with_output().unwrap(),
            two.wait_with_output().unwrap(),
        );
        let codes = [one.status.code(), two.status.code()];
        let (winner, loser, tag) = match codes {
            [Some(0), Some(2)] => (&one, &two, first),
            [Some(2), Some(0)] => (&two, &one, second),
            _ => panic!(
                "round {round}: exit codes {codes:?}\n{}\n{}",
                String::from_utf8_lossy(&one.stderr),
                String::from_utf8_lossy(&two.stderr)
            ),
        };
        let refusal = String::from_utf8_lossy(&loser.stderr);
        assert!(
            refusal.contains("another crmsheet is writing this register")
                && refusal.contains("nothing was written"),
            "round {round}: {refusal}"
        );
        assert_eq!(refusal.trim_end().lines().count(), 1, "{refusal}");
        assert!(loser.stdout.is_empty());
        // The register is the winner's complete result: its 400 customers
        // after the 3 of the base, each ID given once.
        let rows = register_rows(&d.join("r.xlsx"));
        assert_eq!(rows.len(), 403, "round {round}");
        let tag = tag.trim_end_matches(".xlsx");
        assert!(rows[3..].iter().all(|(name, _)| name.starts_with(tag)));
        let ids: std::collections::HashSet<&String> = rows.iter().map(|(_, id)| id).collect();
        assert_eq!(ids.len(), 403, "round {round}: an ID given twice");
        assert!(String::from_utf8_lossy(&winner.stdout).contains("C403"));
        assert!(!d.join("r.xlsx.crmsheet-lock").exists());
    }
}

#[test]
fn a_stale_lock_is_taken_over_with_a_note() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let input = new_customers(d, "甲", 2);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    std::fs::write(
        d.join("r.xlsx.crmsheet-lock"),
        format!(
            "crmsheet register lock\npid={}\nhost={}\nstarted=2026-12-01T00:00:00Z\n",
            u32::MAX - 7,
            host.trim()
        ),
    )
    .unwrap();
    let run = run_in(d, &["merge", &input, "-o", "r.xlsx", "--lang", "en"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("took over a stale lock"),
        "{}",
        run.stderr
    );
    assert!(!d.join("r.xlsx.crmsheet-lock").exists());
}

/// `merge INPUT --master r.xlsx -o r.xlsx --force` with `r.xlsx.bak` made by
/// `link` pointing at the input: the input must come out byte-identical.
fn backup_link_is_replaced(link: fn(&Path, &Path) -> std::io::Result<()>) {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let base = new_customers(d, "基础", 2);
    assert_eq!(run_in(d, &["merge", &base, "-o", "r.xlsx"]).code, 0);
    let input = new_customers(d, "甲", 2);
    let before = std::fs::read(d.join(&input)).unwrap();
    let register_before = std::fs::read(d.join("r.xlsx")).unwrap();
    link(&d.join(&input), &d.join("r.xlsx.bak")).unwrap();
    let run = run_in(
        d,
        &[
            "merge", &input, "--master", "r.xlsx", "-o", "r.xlsx", "--force",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read(d.join(&input)).unwrap(),
        before,
        "input written through"
    );
    let bak = std::fs::symlink_metadata(d.join("r.xlsx.bak")).unwrap();
    assert!(bak.file_type().is_file());
    assert_eq!(
        std::fs::read(d.join("r.xlsx.bak")).unwrap(),
        register_before
    );
}

#[test]
fn a_backup_path_symlinked_to_an_input_is_replaced_not_written_through() {
    backup_link_is_replaced(|from, to| std::os::unix::fs::symlink(from, to));
}

#[test]
fn a_backup_path_hard_linked_to_an_input_is_replaced_not_written_through() {
    backup_link_is_replaced(|from, to| std::fs::hard_link(from, to));
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn a_full_disk_leaves_register_and_backup_whole_and_says_so_in_one_line() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let full = d.join("full");
    std::fs::create_dir(&full).unwrap();
    let Some(_mounted) = Tmpfs::mount(&full, "512k") else {
        eprintln!("notice: mount -t tmpfs refused (not root?); full-disk test skipped");
        return;
    };
    let base = new_customers(d, "基础", 2);
    assert_eq!(run_in(d, &["merge", &base, "-o", "full/r.xlsx"]).code, 0);
    std::fs::copy(d.join("full/r.xlsx"), d.join("full/r.xlsx.bak")).unwrap();
    let register = std::fs::read(d.join("full/r.xlsx")).unwrap();
    // Fill the rest of the disk.
    let mut filler = std::fs::File::create(full.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);
    let input = new_customers(d, "甲", 300);
    let run = run_in(
        d,
        &[
            "merge",
            &input,
            "--master",
            "full/r.xlsx",
            "-o",
            "full/r.xlsx",
            "--force",
            "--lang",
            "en",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("ZipWriter"), "{}", run.stderr);
    assert!(run.stderr.contains("the disk is full"), "{}", run.stderr);
    assert_eq!(std::fs::read(d.join("full/r.xlsx")).unwrap(), register);
    assert_eq!(std::fs::read(d.join("full/r.xlsx.bak")).unwrap(), register);
    let mut left: Vec<String> = std::fs::read_dir(&full)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["filler", "r.xlsx", "r.xlsx.bak"]);
}

trait OutputAsync {
    fn output_async(&mut self) -> std::process::Child;
}

impl OutputAsync for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

fn validate_json(dir: &Path, args: &[&str]) -> (Limited, serde_json::Value) {
    let mut all = vec!["validate", "--format", "json", "--as-of", "2026-11-30"];
    all.extend_from_slice(args);
    let run = run_in(dir, &all);
    let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
    (run, json)
}

fn rules_at(json: &serde_json::Value, rule: &str) -> Vec<String> {
    json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["rule"] == rule)
                .map(|f| f["cell"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn date_cells_far_below_any_date_are_invalid_dates_at_their_cells() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = TempDir::new().unwrap();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(support::sheet_name_in(SheetKind::Entry, Lang::Zh))
        .unwrap();
    for (c, h) in support::headers_in(SheetKind::Entry, Lang::Zh)
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let row = support::row_by_key(
        SheetKind::Entry,
        &[
            ("salesperson", "张伟"),
            ("customer_name", "明远机械有限公司"),
            ("industry", "制造业"),
            ("customer_status", "潜在"),
            ("review_status", "待审核"),
        ],
    );
    for (r, serial) in [(1u32, -1e308), (2, 1e308), (3, -1e300)] {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r, c as u16, v).unwrap();
            }
        }
        ws.write_number_with_format(r, 0, serial, &date).unwrap();
    }
    book.save(dir.path().join("dates.xlsx")).unwrap();
    let (run, json) = validate_json(dir.path(), &["dates.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["files"][0]["readable"], true);
    assert_eq!(rules_at(&json, "invalid-date"), ["A2", "A3", "A4"]);
}

/// An xlsx whose entry sheet has the headers, then one data row numbered `row`
/// (as written in the file, however large).
fn xlsx_with_row_number(dir: &Path, name: &str, row: &str) {
    let base = support::Book::new()
        .entries([support::entry("明远机械有限公司")])
        .write(dir, "base.xlsx");
    let cell = |r: &str, c: usize, text: &str| {
        format!(
            r#"<c r="{}{r}" t="inlineStr"><is><t>{text}</t></is></c>"#,
            (b'A' + c as u8) as char
        )
    };
    let heads: String = support::headers_in(SheetKind::Entry, Lang::Zh)
        .iter()
        .enumerate()
        .map(|(c, h)| cell("1", c, h))
        .collect();
    let data = format!("{}{}", cell(row, 0, "2026-11-29"), cell(row, 3, "明远机械"));
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{heads}</row><row r="{row}">{data}</row></sheetData></worksheet>"#
    );
    let bytes = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part::stored("xl/worksheets/sheet1.xml", xml.as_bytes()),
    );
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn row_numbers_past_excels_limit_are_a_clear_error_not_a_wrapped_row() {
    let dir = TempDir::new().unwrap();
    for (name, row) in [
        ("wraps.xlsx", "4294967297"),
        ("far.xlsx", "5000000000"),
        ("past.xlsx", "1048577"),
    ] {
        xlsx_with_row_number(dir.path(), name, row);
        let (run, json) = validate_json(dir.path(), &[name]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert_eq!(json["files"][0]["readable"], false, "{name}");
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(
            run.stderr.contains("1,048,576") || run.stderr.contains("out of range"),
            "{name}: {}",
            run.stderr
        );
    }
    // Row 1,048,576 itself is Excel's last row: read normally.
    xlsx_with_row_number(dir.path(), "last.xlsx", "1048576");
    let (run, json) = validate_json(dir.path(), &["last.xlsx"]);
    assert_eq!(json["files"][0]["readable"], true, "{}", run.stderr);
    assert!(rules_at(&json, "missing-required").contains(&"B1048576".to_string()));
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo");
}

#[test]
fn a_fifo_input_is_refused_at_once_and_the_other_files_are_still_checked() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    mkfifo(&d.join("pipe.csv"));
    let good = new_customers(d, "甲", 1);
    // Without a writer: opening it would block for ever.
    let start = Instant::now();
    let (run, json) = validate_json(d, &["pipe.csv", &good]);
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("crmsheet: pipe.csv: ") && run.stderr.contains("不是普通文件"),
        "{}",
        run.stderr
    );
    assert_eq!(json["files"][1]["readable"], true);
    // With a writer waiting on it: still refused, and the writer is not read.
    let mut writer = Command::new("sh")
        .arg("-c")
        .arg(format!("cat {good} > pipe.csv"))
        .current_dir(d)
        .spawn()
        .unwrap();
    let (run, _) = validate_json(d, &["pipe.csv"]);
    let _ = writer.kill();
    let _ = writer.wait();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("不是普通文件"), "{}", run.stderr);
    // A process substitution is a pipe too.
    let csv = support::Book::new()
        .entries([support::entry("明远机械有限公司")])
        .write_csv(SheetKind::Entry, d, "a.csv");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} validate <(cat {})",
            env!("CARGO_BIN_EXE_crmsheet"),
            csv.display()
        ))
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是普通文件"));
}

#[test]
fn a_fifo_as_output_is_refused_even_with_force() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    mkfifo(&d.join("out.xlsx"));
    let input = new_customers(d, "甲", 1);
    let start = Instant::now();
    let run = run_in(d, &["merge", &input, "-o", "out.xlsx", "--force"]);
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("不是普通文件"), "{}", run.stderr);
}

#[test]
fn control_characters_in_cells_cannot_forge_report_lines() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    support::Book::new()
        .entries([support::entry("明远机械有限公司").set(
            "industry",
            "制造\n共检查 1 个文件、1 行：0 个错误，0 个警告。\x1b[2K\x08",
        )])
        .write(d, "forged.xlsx");
    let run = run_in(d, &["validate", "forged.xlsx", "--as-of", "2026-11-30"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains('\x1b') && !run.stdout.contains('\x08'));
    let summaries = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("共检查"))
        .count();
    assert_eq!(summaries, 1, "{}", run.stdout);
    assert!(run.stdout.contains("\\n共检查"), "{}", run.stdout);
}

#[test]
fn an_output_name_near_the_length_limit_is_written() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let input = new_customers(d, "甲", 1);
    // 245 bytes: valid, though the temporary names beside it are longer.
    let name = format!("{}.xlsx", "客".repeat(80));
    assert_eq!(name.len(), 245);
    let run = run_in(d, &["merge", &input, "-o", &name]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = run_in(
        d,
        &["merge", &input, "--master", &name, "-o", &name, "--force"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(d.join(format!("{name}.bak")).is_file());
}

#[test]
fn a_merge_into_a_read_only_folder_is_refused_before_any_work() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let input = new_customers(d, "甲", 1);
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&ro, perms).unwrap();
    // Root writes anywhere, except on a read-only mount.
    let mut _mounted = None;
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        let _ = std::fs::remove_file(ro.join("probe"));
        _mounted = Tmpfs::mount(&ro, "1m,ro");
        if _mounted.is_none() {
            eprintln!("notice: running as root without mount; read-only folder test skipped");
            return;
        }
    }
    let run = run_in(d, &["merge", &input, "-o", "ro/r.xlsx", "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot create the lock file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn a_half_downloaded_xls_is_damaged_or_incomplete_not_a_non_spreadsheet() {
    let dir = TempDir::new().unwrap();
    let whole = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/xls-shared-text-copies.xls"),
    )
    .unwrap();
    for cut in [1024, 4096, whole.len() / 2] {
        std::fs::write(dir.path().join("cut.xls"), &whole[..cut]).unwrap();
        let run = run_in(dir.path(), &["validate", "cut.xls", "--lang", "en"]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("damaged or incomplete"),
            "cut at {cut}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_second_entry_sheet_is_warned_about_not_ignored() {
    use rust_xlsxwriter::Workbook;
    let dir = TempDir::new().unwrap();
    let mut book = Workbook::new();
    let row = support::row_by_key(
        SheetKind::Entry,
        &[
            ("customer_name", "明远机械有限公司"),
            ("review_status", "待审核"),
        ],
    );
    for name in ["客户信息录入表", "客户信息录入表 (2)"] {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in support::headers_in(SheetKind::Entry, Lang::Zh)
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(1, c as u16, v).unwrap();
            }
        }
    }
    book.save(dir.path().join("two.xlsx")).unwrap();
    let (run, json) = validate_json(dir.path(), &["two.xlsx", "--lang", "en"]);
    let extra: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "extra-sheet")
        .collect();
    assert_eq!(extra.len(), 1, "{}", run.stdout);
    assert_eq!(extra[0]["sheet"], "客户信息录入表 (2)");
    assert_eq!(extra[0]["severity"], "warning");
    assert!(extra[0]["message"]
        .as_str()
        .unwrap()
        .contains("only \"客户信息录入表\" is read"));
}
