//! Nothing lost, nothing leaked: inputs are never modified by any command;
//! outputs are written atomically and never overwritten without `--force`; a
//! read-only or full folder is a clear error that leaves no partial file; no
//! output repeats a private detail in full; report cells cannot run as
//! formulas when opened in a spreadsheet.

mod hostile_files;
mod support;

use crmsheet::template::SheetKind;
use hostile_files::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::{approved, entry, update, Book, Cell};
use tempfile::TempDir;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_file() {
            out.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    out
}

/// Inputs of every format crmsheet reads, sound and broken, in `dir`.
fn inputs(dir: &Path) -> Vec<String> {
    let book = Book::new()
        .entries([approved("C001", "明远机械有限公司"), entry("华东物流")])
        .updates([update("C001")]);
    book.write(dir, "a.xlsx");
    std::fs::copy(dir.join("a.xlsx"), dir.join("b.xlsm")).unwrap();
    book.write_csv(SheetKind::Entry, dir, "c.csv");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        fixtures.join("tests/fixtures/encrypted.xlsx"),
        dir.join("locked.xlsx"),
    )
    .unwrap();
    // The hand-made xlsb seed of the fuzz corpus.
    std::fs::copy(
        fixtures.join("fuzz/seeds/register.xlsb"),
        dir.join("d.xlsb"),
    )
    .unwrap();
    let body = ods_table("客户信息录入表", &ods_row(&["录入日期", "客户名称*"]));
    std::fs::write(dir.join("e.ods"), ods_bytes(&body)).unwrap();
    let stream = workbook_stream(
        &[],
        &[("客户信息录入表".into(), vec![label(0, 0, "录入日期")])],
    );
    std::fs::write(dir.join("f.xls"), xls_bytes(&stream)).unwrap();
    let whole = std::fs::read(dir.join("a.xlsx")).unwrap();
    std::fs::write(dir.join("cut.xlsx"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(dir.join("empty.xlsx"), b"").unwrap();
    [
        "a.xlsx",
        "b.xlsm",
        "c.csv",
        "locked.xlsx",
        "d.xlsb",
        "e.ods",
        "f.xls",
        "cut.xlsx",
        "empty.xlsx",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn no_command_modifies_its_inputs() {
    let dir = TempDir::new().unwrap();
    let files = inputs(dir.path());
    let before = snapshot(dir.path());
    let mut runs: Vec<Vec<String>> = Vec::new();
    for format in ["text", "json", "csv"] {
        let mut args = vec!["validate".to_string()];
        args.extend(files.iter().cloned());
        args.extend(["--format", format, "--as-of", "2026-11-30"].map(String::from));
        runs.push(args);
    }
    let mut with_master = vec![
        "validate", "c.csv", "--master", "a.xlsx", "--strict", "--lang", "en",
    ];
    with_master.extend(["--format", "json"]);
    runs.push(with_master.into_iter().map(String::from).collect());
    // merge is refused or fails on these inputs; either way it reads them.
    let mut merge = vec!["merge".to_string()];
    merge.extend(files.iter().cloned());
    merge.extend(["--master", "a.xlsx", "-o", "out/merged.xlsx"].map(String::from));
    runs.push(merge);
    runs.push(
        [
            "merge",
            "a.xlsx",
            "-o",
            "out/register.xlsx",
            "--as-of",
            "2026-11-30",
        ]
        .map(String::from)
        .to_vec(),
    );
    runs.push(
        [
            "validate",
            "a.xlsx",
            "--annotate",
            "out/annotated.xlsx",
            "--as-of",
            "2026-11-30",
        ]
        .map(String::from)
        .to_vec(),
    );
    runs.push(vec!["schema".into()]);
    runs.push(vec!["rules".into()]);
    runs.push(
        ["generate", "-o", "out/new.xlsx"]
            .map(String::from)
            .to_vec(),
    );
    std::fs::create_dir(dir.path().join("out")).unwrap();
    for args in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run_limited(dir.path(), &args);
        assert_no_panic(&run);
        assert_eq!(snapshot(dir.path()), before, "after {args:?}");
    }
    // The same with the inputs read-only: reading never needs write access.
    for file in &files {
        let path = dir.path().join(file);
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions).unwrap();
    }
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let run = run_limited(dir.path(), &args);
    assert_no_panic(&run);
    assert_eq!(
        run.code, 2,
        "the broken inputs make it exit 2: {}",
        run.stderr
    );
    assert!(run.stdout.contains("a.xlsx"), "{}", run.stdout);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn generate_never_overwrites_without_force() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("template.xlsx");
    std::fs::write(&target, b"the old file").unwrap();
    let run = run_limited(
        dir.path(),
        &["generate", "-o", "template.xlsx", "--lang", "en"],
    );
    assert_eq!(run.code, 2);
    assert_no_panic(&run);
    assert!(
        run.stderr.contains("already exists; use --force"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"the old file");

    let run = run_limited(dir.path(), &["generate", "-o", "template.xlsx", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read(&target).unwrap();
    assert!(
        written.starts_with(b"PK"),
        "a workbook replaced the old file"
    );
    // Nothing but the output itself is left in the folder.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["template.xlsx"]);
}

/// Whether this process can create files in a folder it made read-only
/// (it can as root).
fn writes_despite_permissions(dir: &Path) -> bool {
    std::fs::write(dir.join(".probe"), b"").is_ok_and(|()| {
        std::fs::remove_file(dir.join(".probe")).unwrap();
        true
    })
}

#[test]
fn a_read_only_folder_is_a_clear_error_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // As root, permissions do not stop writes; /sys refuses new files to root too.
    let folder = if writes_despite_permissions(&locked) {
        PathBuf::from("/sys")
    } else {
        locked.clone()
    };
    let target = folder.join("crmsheet-template.xlsx");
    let target_arg = target.to_str().unwrap();
    let run = run_limited(dir.path(), &["generate", "-o", target_arg, "--lang", "en"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_no_panic(&run);
    let line = run.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.starts_with("crmsheet: "), "{line}");
    assert!(
        line.contains("cannot create a file in this folder"),
        "{line}"
    );
    assert!(!target.exists());
    if folder == locked {
        assert_eq!(std::fs::read_dir(&locked).unwrap().count(), 0);
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `crmsheet ARGS` in `dir` with files limited to `bytes` (RLIMIT_FSIZE),
/// as on a disk that fills up: with SIGXFSZ ignored a write past the limit
/// fails (as on a full disk); otherwise the signal kills the process mid-write.
fn run_with_file_limit(
    dir: &Path,
    bytes: u64,
    killed: bool,
    args: &[&str],
) -> std::process::Output {
    let binary = env!("CARGO_BIN_EXE_crmsheet");
    let trap = if killed { "" } else { "trap '' XFSZ; " };
    let script = format!("{trap}exec prlimit --fsize={bytes} \"$0\" \"$@\"");
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(binary)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run sh")
}

fn prlimit_available() -> bool {
    let ok = std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "prlimit (util-linux) is needed on CI"
        );
        eprintln!("skipping: prlimit not available");
    }
    ok
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_old_file_stays() {
    if !prlimit_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("template.xlsx"), b"the old file").unwrap();
    for args in [
        vec!["generate", "-o", "new.xlsx"],
        vec!["generate", "-o", "template.xlsx", "--force"],
    ] {
        let output = run_with_file_limit(dir.path(), 4096, false, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("crmsheet: "), "{stderr}");
        // The old file as it was; no new or temporary file.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["template.xlsx"], "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read(dir.path().join("template.xlsx")).unwrap(),
            b"the old file"
        );
    }
}

#[test]
fn a_write_killed_midway_leaves_the_old_file_intact() {
    // The process dies in the middle of writing (here by SIGXFSZ, as a kill or
    // a power cut would stop it): the file it was replacing is untouched.
    // merge writes its output the same way (write_atomically).
    if !prlimit_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("template.xlsx"), b"the old file").unwrap();
    let output = run_with_file_limit(
        dir.path(),
        4096,
        true,
        &["generate", "-o", "template.xlsx", "--force"],
    );
    assert_ne!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read(dir.path().join("template.xlsx")).unwrap(),
        b"the old file"
    );
}

/// Private details as staff type them, each with how it may be shown.
const PRIVATE: [&str; 7] = [
    "13812345678",
    "138 1234 5678",
    "+86 139-8765-4321",
    "010-12345678",
    "zhang.wei@example.com",
    "11010519491231002X",
    "440300199001011238",
];

#[test]
fn no_output_repeats_a_private_detail_in_full() {
    let dir = TempDir::new().unwrap();
    let [mobile, grouped, prefixed, landline, email, id, id2] = PRIVATE;
    let name = format!("明远机械{mobile}");
    // Private details in every kind of field, so that every rule that quotes a
    // value quotes one: text fields (pii), the name (duplicate-customer,
    // id-name-mismatch), the ID (invalid-id), list fields (invalid-enum and
    // its hint), dates (invalid-date), a number cell, and a header
    // (unknown-column).
    let mut book = Book::new()
        .entries([
            approved("C001", &name)
                .set("contact", format!("王经理 {grouped}").as_str())
                .set("address", format!("电话 {landline}").as_str())
                .set("needs", email)
                .set("position", id),
            entry(&name)
                .set("customer_id", format!("C{mobile}").as_str())
                .set("industry", mobile)
                .set("customer_status", email)
                .set("entry_date", prefixed)
                .set("interaction", Cell::Number(13_812_345_678.0))
                .set("salesperson", id2),
        ])
        .updates([update("C001")
            .set("customer_name", format!("华东{email}").as_str())
            .set("maintenance_type", landline)
            .set("reviewer", id)]);
    book.sheet_mut(SheetKind::Entry)
        .headers
        .push(format!("备注{mobile}"));
    book.write(dir.path(), "pii.xlsx");
    book.write_csv(SheetKind::Entry, dir.path(), "pii.csv");
    book.write(dir.path(), &format!("{}.xlsx", "master"));
    // A damaged part quoting a private detail, for the error messages.
    let base = dir.path().join("pii.xlsx");
    let broken = replace_part(
        &base,
        "xl/worksheets/sheet1.xml",
        Part::stored(
            "xl/worksheets/sheet1.xml",
            format!("<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"n\"><v>{mobile}{email}</v></c></row><{email}").as_bytes(),
        ),
    );
    std::fs::write(dir.path().join("broken.xlsx"), broken).unwrap();

    let mut outputs = Vec::new();
    for format in ["text", "json", "csv"] {
        for lang in ["zh", "en"] {
            let run = run_limited(
                dir.path(),
                &[
                    "validate",
                    "pii.xlsx",
                    "pii.csv",
                    "broken.xlsx",
                    "--master",
                    "master.xlsx",
                    "--format",
                    format,
                    "--lang",
                    lang,
                    "--as-of",
                    "2026-11-30",
                    "--strict",
                ],
            );
            assert_no_panic(&run);
            assert!(
                run.stdout.contains("pii"),
                "{format} {lang}: {}",
                run.stdout
            );
            outputs.push((format!("validate {format} {lang}"), run.stdout, run.stderr));
        }
    }
    let merge = run_limited(
        dir.path(),
        &[
            "merge",
            "pii.xlsx",
            "--master",
            "master.xlsx",
            "-o",
            "merged.xlsx",
            "--as-of",
            "2026-11-30",
        ],
    );
    assert_no_panic(&merge);
    outputs.push(("merge".into(), merge.stdout, merge.stderr));
    // The annotated copy keeps the cell values themselves (the person fixing
    // the file must see what to remove), but its notes and report sheet are
    // what crmsheet writes about them: masked.
    let annotate = run_limited(
        dir.path(),
        &[
            "validate",
            "pii.xlsx",
            "--annotate",
            "annotated.xlsx",
            "--as-of",
            "2026-11-30",
        ],
    );
    assert_no_panic(&annotate);
    outputs.push(("annotate".into(), annotate.stdout, annotate.stderr));
    let annotated = dir.path().join("annotated.xlsx");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&annotated).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .flatten()
        .map(|n| n.into_owned())
        .collect();
    let mut notes = String::new();
    for name in names.iter().filter(|n| n.contains("comments")) {
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut notes).unwrap();
    }
    assert!(
        notes.contains("138****5678"),
        "the notes quote values, masked"
    );
    outputs.push(("annotated notes".into(), notes, String::new()));
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(&annotated).unwrap();
    let report_sheet = crmsheet::template::Template::builtin()
        .workbook
        .report
        .zh
        .clone();
    let range = book.worksheet_range(&report_sheet).unwrap();
    let report_text: Vec<String> = range.cells().map(|(_, _, v)| v.to_string()).collect();
    let report_text = report_text.join("\n");
    assert!(report_text.contains("138****5678"), "{report_text}");
    outputs.push(("annotated report sheet".into(), report_text, String::new()));
    let mut leaks = Vec::new();
    for (what, stdout, stderr) in &outputs {
        for detail in PRIVATE {
            for (stream, text) in [("stdout", stdout), ("stderr", stderr)] {
                if text.contains(detail) {
                    leaks.push(format!("{what} {stream}: {detail}"));
                }
            }
        }
        // Masked, not dropped: the person fixing the file sees what to look for.
        assert!(stdout.contains("138****5678"), "{what}: {stdout}");
    }
    if std::env::var_os("SHOW_OUTPUTS").is_some() {
        for (what, stdout, stderr) in &outputs {
            eprintln!("== {what}\n{stdout}\n{stderr}");
        }
    }
    assert!(
        leaks.is_empty(),
        "private details in full:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn report_cells_cannot_run_as_formulas() {
    let dir = TempDir::new().unwrap();
    let risky = [
        "=HYPERLINK(\"http://example.com\",\"点击\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "=cmd|' /C calc'!A0",
    ];
    let book = Book::new().entries(
        risky
            .iter()
            .enumerate()
            .map(|(i, text)| {
                entry(&format!("客户{i}"))
                    .set("interaction", *text)
                    .set("industry", *text)
                    .set("customer_id", *text)
            })
            .collect::<Vec<_>>(),
    );
    book.write(dir.path(), "=risky.xlsx");
    let run = run_limited(
        dir.path(),
        &[
            "validate",
            "=risky.xlsx",
            "--format",
            "csv",
            "--as-of",
            "2026-11-30",
        ],
    );
    assert_no_panic(&run);
    assert!(run.stdout.contains("formula-injection"), "{}", run.stdout);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(run.stdout.as_bytes());
    let mut checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a report cell that runs as a formula: {cell:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{}", run.stdout);
    assert!(run.stdout.contains("'=risky.xlsx"), "the file column too");
}
